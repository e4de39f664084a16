"""Demo step: a synthetic district near central Shanghai, its streets, 200 grid
cells tiling it, agencies (bureau, street offices, two partner jurisdictions) and
one user per role."""

from __future__ import annotations

from core.demo import DEMO_PASSWORD, DemoContext, demo_user
from grid.models import Agency, District, GridCell, Membership, Street

# A synthetic district box (WGS-84): 20 x 10 cells of about 390 m x 670 m.
WEST, SOUTH, EAST, NORTH = 121.430, 31.200, 121.510, 31.260
COLUMNS, ROWS = 20, 10
STREET_NAMES = [
    "梧桐街道",
    "枫林街道",
    "湖滨街道",
    "云锦街道",
    "清和街道",
    "望江街道",
    "兰苑街道",
    "桂园街道",
    "明珠街道",
    "锦绣街道",
    "春申街道",
    "临江街道",
    "星河镇",
]


def _rectangle(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "type": "Polygon",
        "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]],
    }


def build_geography(context: DemoContext) -> None:
    district = District.objects.create(
        code="310190", name="示范区", boundary=_rectangle(WEST, SOUTH, EAST, NORTH)
    )
    partners = [
        District.objects.create(code="310191", name="北邻示范区"),
        District.objects.create(code="320691", name="启东示范市"),
    ]
    # Cells in serpentine order, cut into contiguous runs: each street is one block.
    order = []
    for row in range(ROWS):
        columns = range(COLUMNS) if row % 2 == 0 else reversed(range(COLUMNS))
        order.extend((row, column) for column in columns)
    per_street = len(order) / len(STREET_NAMES)
    streets = [
        Street.objects.create(
            district=district, code=f"310190{index + 1:03d}", name=name
        )
        for index, name in enumerate(STREET_NAMES)
    ]
    width, height = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    cells = []
    for position, (row, column) in enumerate(order):
        street = streets[min(int(position / per_street), len(streets) - 1)]
        west, south = WEST + column * width, SOUTH + row * height
        east, north = west + width, south + height
        cells.append(
            GridCell(
                street=street,
                code=f"{street.code}-{position + 1:03d}",
                name=f"{street.name}第{position + 1:03d}网格",
                geometry=_rectangle(west, south, east, north),
                min_lon=west,
                min_lat=south,
                max_lon=east,
                max_lat=north,
            )
        )
    GridCell.objects.bulk_create(cells)

    bureau = Agency.objects.create(
        kind=Agency.Kind.BUREAU, name="示范区生态环境局", district=district
    )
    offices = {
        street.pk: Agency.objects.create(
            kind=Agency.Kind.STREET_OFFICE,
            name=f"{street.name}综合执法队",
            district=district,
            street=street,
        )
        for street in streets
    }
    partner_agencies = [
        Agency.objects.create(
            kind=Agency.Kind.PARTNER_BUREAU, name=f"{p.name}生态环境局", district=p
        )
        for p in partners
    ]
    context.made.update(
        district=district,
        streets=streets,
        bureau=bureau,
        partner_agencies=partner_agencies,
        bbox=(WEST, SOUTH, EAST, NORTH),
    )
    _build_people(context, bureau, offices, streets, partner_agencies)


def _user(context: DemoContext, username: str, full_name: str, role: str, **extra):
    context.credentials.append((role, username, DEMO_PASSWORD))
    return demo_user(username, full_name, **extra)


def _build_people(context, bureau, offices, streets, partner_agencies) -> None:
    admin = _user(
        context,
        "admin",
        "系统管理员",
        "administrator (Django admin)",
        is_staff=True,
        is_superuser=True,
    )
    leader = _user(
        context, "leader", "陈队长", "bureau admin / team leader", is_staff=True
    )
    Membership.objects.create(
        user=leader, agency=bureau, role=Membership.Role.BUREAU_ADMIN
    )
    # Every street gets a bureau officer in its grid; "officer" covers the first two.
    surnames = "王李张刘杨黄赵吴周徐孙马朱"
    for index, street in enumerate(streets):
        if index == 0:
            user = _user(context, "officer", "王执法", "bureau officer")
        elif index == 1:
            continue
        else:
            user = demo_user(
                f"officer{index + 1:02d}", f"{surnames[index % len(surnames)]}执法"
            )
        membership = Membership.objects.create(
            user=user, agency=bureau, role=Membership.Role.BUREAU_OFFICER
        )
        membership.streets.add(street, *([streets[1]] if index == 0 else []))
    for index, street in enumerate(streets[:2]):
        letter = "ab"[index]
        user = _user(
            context,
            f"street_{letter}",
            f"{street.name}网格员",
            f"street officer ({street.name})",
        )
        membership = Membership.objects.create(
            user=user, agency=offices[street.pk], role=Membership.Role.STREET_OFFICER
        )
        membership.streets.add(street)
    for street in streets[2:]:
        user = demo_user(f"grid{street.code[-3:]}", f"{street.name}网格员")
        Membership.objects.create(
            user=user, agency=offices[street.pk], role=Membership.Role.STREET_OFFICER
        ).streets.add(street)
    partner = _user(context, "partner", "邻市执法员", "partner officer")
    Membership.objects.create(
        # the neighbouring city's bureau across the river (journey 6, on the border)
        user=partner,
        agency=partner_agencies[1],
        role=Membership.Role.PARTNER_OFFICER,
    )
    context.made["admin"] = admin
