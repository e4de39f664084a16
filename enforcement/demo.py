"""Demo step: synthetic enterprises (about 5/6 restaurants), placed in the demo
district with restaurants clustered on shopping streets and plants in an
industrial corner; one enterprise account for a restaurant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from core.demo import DEMO_PASSWORD, DemoContext, demo_user
from enforcement.models import Enterprise, EnterpriseAccount
from enforcement.validators import USCC_CHARSET, uscc_check_character
from grid.models import GridCell
from grid.selectors import grid_cell_index

SECTOR_SHARES = [  # per 3,000: 2,500 restaurants and the rest
    (Enterprise.Sector.CATERING, 2500),
    (Enterprise.Sector.CONSTRUCTION_SITE, 120),
    (Enterprise.Sector.AUTO_REPAIR, 150),
    (Enterprise.Sector.INDUSTRIAL, 120),
    (Enterprise.Sector.MEDICAL, 40),
    (Enterprise.Sector.LABORATORY, 40),
    (Enterprise.Sector.OTHER, 30),
]
PREFIXES = list("老川湘粤江阿小鲜福金禾蓝一佳和椰东西南北华新盛瑞丰兴隆宏泰恒安康顺")
SECOND = list("王味情香南婆杨记满碗田鲸品家风林海城方源达祥利发德昌旺宝嘉美乐")
KINDS = {
    Enterprise.Sector.CATERING: [
        "面馆",
        "小吃店",
        "火锅店",
        "烧烤店",
        "餐厅",
        "茶餐厅",
        "饺子馆",
        "咖啡馆",
        "烘焙坊",
        "酒家",
        "麻辣烫",
        "日料店",
        "西餐厅",
        "快餐店",
    ],
    Enterprise.Sector.CONSTRUCTION_SITE: [
        "住宅项目工地",
        "商办项目工地",
        "道路改造工地",
        "地铁配套工地",
    ],
    Enterprise.Sector.AUTO_REPAIR: ["汽车维修服务部", "汽车快修店", "汽车美容维修中心"],
    Enterprise.Sector.INDUSTRIAL: [
        "精密制造有限公司",
        "印刷有限公司",
        "涂装有限公司",
        "化工有限公司",
        "电子科技有限公司",
        "混凝土制品有限公司",
    ],
    Enterprise.Sector.MEDICAL: ["门诊部", "口腔诊所", "社区卫生服务站"],
    Enterprise.Sector.LABORATORY: ["检测技术有限公司", "生物实验室", "环境检测中心"],
    Enterprise.Sector.OTHER: ["洗衣店", "加油站", "物流仓库"],
}
ROAD_NAMES = [
    "梧桐路",
    "枫林路",
    "湖滨路",
    "云锦路",
    "清和路",
    "望江路",
    "兰苑路",
    "桂园路",
    "明珠路",
    "春申路",
]
DISTRICT_CODES = ["310101", "310104", "310105", "310106", "310190"]
BATCH = 5000


def _uscc(rng, seen: set[str]) -> str:
    choice = rng.choice
    while True:
        body = (
            "91"
            + choice(DISTRICT_CODES)
            + "".join([choice(USCC_CHARSET) for _ in range(9)])
        )
        code = body + uscc_check_character(body)
        if code not in seen:
            seen.add(code)
            return code


def _point(rng, sector, centres, bbox) -> tuple[float, float]:
    west, south, east, north = bbox
    if sector == Enterprise.Sector.CATERING and rng.random() < 0.7:
        lon, lat = rng.choice(centres)
        lon, lat = rng.gauss(lon, 0.004), rng.gauss(lat, 0.0025)
    elif sector == Enterprise.Sector.INDUSTRIAL and rng.random() < 0.7:
        # the industrial corner in the north-east, where the night-odour story plays
        lon, lat = rng.uniform(east - 0.02, east), rng.uniform(north - 0.015, north)
    else:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
    return min(max(lon, west + 1e-5), east - 1e-5), min(
        max(lat, south + 1e-5), north - 1e-5
    )


# One generated row, in this column order. Plain tuples rather than model
# instances: at city scale (300,000) building and saving instances is most of
# the seeding time.
COLUMNS = (
    "uscc",
    "name",
    "sector",
    "status",
    "address",
    "lon",
    "lat",
    "street_id",
    "grid_cell_id",
    "contact_name",
    "contact_phone",
    "property_manager",
    "permit_number",
    "permit_valid_until",
)
PERMIT_SECTORS = {
    Enterprise.Sector.INDUSTRIAL,
    Enterprise.Sector.AUTO_REPAIR,
    Enterprise.Sector.MEDICAL,
}


def _row(rng, seen, *, number, sector, lon, lat, street_id, cell_id, today) -> tuple:
    # The random draws keep one fixed order (the demo is deterministic per
    # --seed, and later demo steps continue from the same generator).
    catering = sector == Enterprise.Sector.CATERING
    name = f"{rng.choice(PREFIXES)}{rng.choice(SECOND)}{rng.choice(KINDS[sector])}"
    if catering:
        name = f"{name}（{rng.choice(ROAD_NAMES)}店）"
    status_roll = rng.random()
    status = (
        Enterprise.Status.OPERATING
        if status_roll < 0.94
        else Enterprise.Status.SUSPENDED
        if status_roll < 0.98
        else Enterprise.Status.CLOSED
    )
    has_permit = sector in PERMIT_SECTORS
    uscc = _uscc(rng, seen)
    address = f"示范区{rng.choice(ROAD_NAMES)}{rng.randint(1, 999)}号"
    contact_name = (
        f"{rng.choice('王李张刘陈杨黄赵吴周')}{rng.choice('伟芳娜敏静丽强磊军洋')}"
    )
    contact_phone = f"13{rng.randint(100_000_000, 999_999_999)}"
    property_manager = f"{rng.choice(ROAD_NAMES)}物业管理有限公司" if catering else ""
    permit_number = f"91310190MA{number:08d}001P" if has_permit else ""
    permit_valid_until = (
        today + timedelta(days=rng.randint(-60, 1500)) if has_permit else None
    )
    return (
        uscc,
        name,
        sector.value,
        status.value,
        address,
        round(lon, 6),
        round(lat, 6),
        street_id,
        cell_id,
        contact_name,
        contact_phone,
        property_manager,
        permit_number,
        permit_valid_until,
    )


@contextmanager
def _row_writer() -> Iterator[Callable[[list[tuple]], None]]:
    """Yields a function that saves a batch of rows. PostgreSQL: one COPY for the
    whole load, several times faster than INSERT, and the database works through
    one batch while the next is generated. Elsewhere (the embedded SQLite of a
    first run): bulk_create."""
    if connection.vendor != "postgresql":

        def create(rows: list[tuple]) -> None:
            Enterprise.objects.bulk_create(
                [Enterprise(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
                batch_size=BATCH,
            )

        yield create
        return
    # COPY fills no defaults: give every remaining column its value.
    now = timezone.now()
    fields = [*COLUMNS, "location_override", "location_override_note"]
    fields += ["created_at", "updated_at"]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Enterprise._meta.get_field(f).column) for f in fields)
    statement = f"COPY {quote(Enterprise._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:

        def write(rows: list[tuple]) -> None:
            for row in rows:
                copy.write_row((*row, False, "", now, now))

        yield write


def build_enterprises(context: DemoContext) -> None:
    rng = context.random
    total = context.enterprises
    bbox = west, south, east, north = context.made["bbox"]
    centres = [
        (
            rng.uniform(west + 0.01, east - 0.01),
            rng.uniform(south + 0.008, north - 0.008),
        )
        for _ in range(10)
    ]
    shares = sum(n for _s, n in SECTOR_SHARES)
    sectors: list[str] = []
    for sector, share in SECTOR_SHARES:
        sectors.extend([sector] * round(total * share / shares))
    sectors = (sectors + [Enterprise.Sector.CATERING] * total)[:total]
    rng.shuffle(sectors)

    if connection.vendor == "postgresql":
        # Check foreign keys per statement, not at commit. Deferred checks queue
        # up per row until commit, and the history triggers (core.history) trap
        # an error for every row they record (an unset pghistory/pgtrigger
        # setting), which makes PostgreSQL rescan the whole queue: one
        # city-scale load in one transaction would slow down quadratically.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    index = grid_cell_index()
    cells = dict(GridCell.objects.values_list("id", "street_id"))
    seen: set[str] = set()
    today = date(2026, 11, 1)
    created = 0
    with _row_writer() as save:
        for start in range(0, total, BATCH):
            chunk = sectors[start : start + BATCH]
            points = [_point(rng, sector, centres, bbox) for sector in chunk]
            cell_ids = index.locate_many(points)
            rows = [
                _row(
                    rng,
                    seen,
                    number=start + offset + 1,
                    sector=sector,
                    lon=lon,
                    lat=lat,
                    street_id=cells[cell_id],
                    cell_id=cell_id,
                    today=today,
                )
                for offset, (sector, (lon, lat), cell_id) in enumerate(
                    zip(chunk, points, cell_ids, strict=True)
                )
            ]
            save(rows)
            created += len(rows)
            if total > 20_000 and (start // BATCH) % 10 == 0:
                context.log(f"    enterprises: {created:,}/{total:,}")

    restaurant = (
        Enterprise.objects.filter(
            sector=Enterprise.Sector.CATERING, street=context.made["streets"][0]
        )
        .order_by("id")
        .first()
    )
    if restaurant is not None:
        user = demo_user("enterprise", f"{restaurant.name}店长")
        EnterpriseAccount.objects.create(user=user, enterprise=restaurant)
        context.credentials.append(
            (f"enterprise user ({restaurant.name})", "enterprise", DEMO_PASSWORD)
        )
