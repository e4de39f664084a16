from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.errors import Conflict, InvalidInput
from hazwaste import selectors, services
from hazwaste.calendar import add_working_days, is_working_day
from hazwaste.models import AnnualAmount, Declaration, Producer, WasteCode

from .conftest import at, shipped_manifest, stored_drum


@pytest.mark.parametrize(
    ("amounts", "own_disposal", "expected"),
    [
        ([Decimal("5"), Decimal("120"), Decimal("8")], False, "key"),
        ([Decimal("9.9"), Decimal("10")], False, "simplified"),
        ([Decimal("9.99")], False, "registration"),
        ([], False, "registration"),
        ([Decimal("1")], True, "key"),
    ],
)
def test_class_comes_from_the_largest_annual_amount(amounts, own_disposal, expected):
    assert (
        services.management_class_for(
            annual_amounts_t=amounts, own_disposal=own_disposal, holds_permit=False
        )
        == expected
    )


def test_class_uses_the_maximum_of_the_last_three_years_only(waste):
    producer = waste.producer
    for year, amount in ((2022, "500"), (2023, "12"), (2024, "40"), (2025, "3")):
        AnnualAmount.objects.create(producer=producer, year=year, amount_t=amount)
    services.producer_classes_recompute(now=at(2026, 5, 1, 9, 0))
    producer.refresh_from_db()
    # 2022's 500 t is outside 2023–2025: the largest counted is 40 t
    assert producer.class_basis_t == Decimal("40")
    assert producer.management_class == Producer.ManagementClass.SIMPLIFIED


def test_ledger_generation_counts_toward_the_class(waste, enterprise_user_y):
    services.container_generate(
        producer=waste.producer,
        user=enterprise_user_y,
        waste_code="900-214-08",
        quantity="12",
        unit="t",
        kind="ibc",
        occurred_at=at(2025, 6, 1, 9, 0),
        now=at(2025, 6, 1, 9, 0),
    )
    services.producer_classes_recompute(now=at(2026, 2, 1, 9, 0))
    waste.producer.refresh_from_db()
    assert waste.producer.class_basis_t == Decimal("12")
    assert waste.producer.management_class == "simplified"


def test_plan_is_filed_with_a_number_and_is_then_frozen(waste):
    plan = services.plan_save(
        producer=waste.producer,
        year=2026,
        lines=[{"waste_code": "900-214-08", "expected_kg": "800"}],
    )
    plan = services.plan_file(plan=plan, now=at(2026, 3, 31, 20, 0))
    assert plan.filing_number.startswith("3101042026GL")
    assert plan.filed_late is False
    with pytest.raises(Conflict):
        services.plan_save(
            producer=waste.producer,
            year=2026,
            lines=[{"waste_code": "900-214-08", "expected_kg": "1"}],
        )


def test_a_plan_filed_after_31_march_is_recorded_late(waste):
    plan = services.plan_save(
        producer=waste.producer,
        year=2026,
        lines=[{"waste_code": "900-214-08", "expected_kg": "800"}],
    )
    assert services.plan_file(plan=plan, now=at(2026, 4, 1, 9, 0)).filed_late


def test_plan_with_zero_amount_is_refused(waste):
    with pytest.raises(InvalidInput) as error:
        services.plan_save(
            producer=waste.producer,
            year=2026,
            lines=[{"waste_code": "900-214-08", "expected_kg": "0"}],
        )
    assert "lines[0].expected_kg" in error.value.fields


def test_declaration_is_generated_from_the_ledger_on_the_class_schedule(
    waste, enterprise_user_y
):
    Producer.objects.filter(pk=waste.producer.pk).update(management_class="key")
    stored_drum(waste, enterprise_user_y, kg="200", when=at(2026, 10, 3, 9, 0))
    stored_drum(waste, enterprise_user_y, kg="100", when=at(2026, 9, 3, 9, 0))
    assert services.declarations_generate(period="month", day=date(2026, 10, 10)) == 1
    declaration = Declaration.objects.get()
    assert (declaration.period_start, declaration.period_end) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert declaration.due_on == date(2026, 11, 15)
    (line,) = declaration.lines
    assert line["generated_kg"] == "200.000"
    assert line["stock_end_kg"] == "300.000"


def test_declaration_due_dates_per_schedule():
    assert services.declaration_due_on("quarter", date(2026, 6, 30)) == date(
        2026, 7, 15
    )
    assert services.declaration_due_on("year", date(2026, 12, 31)) == date(2027, 3, 31)


def test_working_days_skip_weekends_and_holidays_and_count_adjusted_workdays():
    # National Day 2026: 1–7 October off, Saturday 10 October worked
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 5))
    assert add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)


def test_mass_balance_sums_plan_generation_stock_shipments_and_receipts(
    waste, enterprise_user_y
):
    now = at(2026, 11, 10, 10, 0)
    plan = services.plan_save(
        producer=waste.producer,
        year=2026,
        lines=[{"waste_code": "900-214-08", "expected_kg": "1000"}],
    )
    services.plan_file(plan=plan, now=at(2026, 3, 1, 9, 0))
    drums = [
        stored_drum(waste, enterprise_user_y, kg=kg, when=now - timedelta(days=5))
        for kg in ("200", "150", "100")
    ]
    manifest = shipped_manifest(waste, enterprise_user_y, drums[:2], now=now)
    from hazwaste import services as s

    s.manifest_receive(
        manifest=manifest,
        user=waste.receiver_user,
        lines=[{"position": 1, "received_kg": "330", "outcome": "accepted"}],
        now=now,
    )
    (row,) = selectors.producer_mass_balance(producer=waste.producer, year=2026)
    assert row.waste_code == "900-214-08"
    assert (row.planned, row.generated, row.in_stock, row.shipped, row.received) == (
        Decimal("1000"),
        Decimal("450"),
        Decimal("100"),
        Decimal("350"),
        Decimal("330"),
    )
    assert row.unaccounted == 0
    assert row.transport_loss == Decimal("20")


def test_obsolete_code_of_an_old_edition_is_refused(waste, enterprise_user_y):
    from hazwaste.models import CatalogueEdition, WasteCategory

    old = CatalogueEdition.objects.create(
        code="2021",
        name="old",
        effective_from=date(2021, 1, 1),
        effective_until=date(2024, 12, 31),
    )
    category = WasteCategory.objects.create(edition=old, code="HW49", name="其他废物")
    WasteCode.objects.create(
        edition=old,
        category=category,
        code="900-999-49",
        description="retired",
        characteristics="T",
    )
    with pytest.raises(InvalidInput) as error:
        services.container_generate(
            producer=waste.producer,
            user=enterprise_user_y,
            waste_code="900-999-49",
            quantity="1",
            unit="kg",
            kind="drum",
        )
    assert "obsolete" in str(
        error.value.fields["waste_code"][0]
    ).lower() or "不在" in str(error.value.fields["waste_code"][0])


def test_catalogue_loader_command_loads_an_edition_from_a_file(db, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "category,category_name,code,description,characteristics,short_name\n"
        'HW08,废矿物油与含矿物油废物,900-214-08,废机油,"T,I",废机油\n'
        "HW29,含汞废物,900-023-29,废荧光灯管,T,灯管\n",
        encoding="utf-8",
    )
    call_command(
        "load_waste_catalogue",
        str(path),
        edition="2099",
        name="test edition",
        effective_from="2099-01-01",
    )
    assert WasteCode.objects.filter(edition__code="2099").count() == 2
    assert (
        WasteCode.objects.get(edition__code="2099", code="900-214-08").characteristics
        == "T,I"
    )


def test_catalogue_loader_refuses_a_bad_file_and_writes_nothing(db, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.csv"
    path.write_text(
        "category,category_name,code,description,characteristics\n"
        "HW08,x,900-214-08,ok,T\nHW08,x,9002140,bad,Q\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command(
            "load_waste_catalogue",
            str(path),
            edition="2098",
            name="bad",
            effective_from="2098-01-01",
        )
    assert not WasteCode.objects.filter(edition__code="2098").exists()


def test_the_nightly_declaration_job_covers_each_schedules_last_period(
    waste, enterprise_user_y, monkeypatch
):
    from django.utils import timezone

    from hazwaste.tasks import declarations_generate_task

    Producer.objects.filter(pk=waste.producer.pk).update(management_class="key")
    stored_drum(waste, enterprise_user_y, kg="80", when=at(2026, 10, 20, 9, 0))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 3))
    assert declarations_generate_task() == 1
    declaration = Declaration.objects.get()
    assert declaration.period_start == date(2026, 10, 1)
    assert declaration.lines[0]["generated_kg"] == "80.000"
