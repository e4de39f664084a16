from decimal import Decimal

import pytest

from core.errors import InvalidInput, PermissionDenied
from hazwaste import services
from hazwaste.models import Container, LedgerEntry

from .conftest import stored_drum


def test_a_container_goes_generation_storage_and_out_one_record_each(
    waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y, kg="200")
    assert drum.status == "stored"
    assert drum.facility == waste.facility
    services.container_release(
        container=drum, user=enterprise_user_y, quantity="50", unit="kg"
    )
    drum.refresh_from_db()
    assert (drum.in_storage_kg, drum.awaiting_kg) == (Decimal("150"), Decimal("50"))
    assert drum.status == "stored"
    kinds = list(drum.entries.order_by("id").values_list("kind", flat=True))
    assert kinds == ["generation", "into_storage", "out_of_storage"]


def test_an_out_entry_larger_than_the_stock_is_refused_and_nothing_is_written(
    waste, enterprise_user_y
):
    drum = stored_drum(waste, enterprise_user_y, kg="200")
    with pytest.raises(InvalidInput) as error:
        services.container_release(
            container=drum, user=enterprise_user_y, quantity="200.5", unit="kg"
        )
    assert "quantity" in error.value.fields
    drum.refresh_from_db()
    assert drum.in_storage_kg == Decimal("200")
    assert LedgerEntry.objects.filter(kind="out_of_storage").count() == 0


def test_an_out_entry_in_another_unit_is_a_unit_mismatch(waste, enterprise_user_y):
    drum = stored_drum(waste, enterprise_user_y, kg="200")
    with pytest.raises(InvalidInput) as error:
        services.container_release(
            container=drum, user=enterprise_user_y, quantity="0.1", unit="t"
        )
    assert "Unit mismatch" in str(error.value.fields["unit"][0]) or error.value.fields


@pytest.mark.parametrize("quantity", ["0", "-5"])
def test_zero_or_negative_quantity_is_refused(waste, enterprise_user_y, quantity):
    with pytest.raises(InvalidInput) as error:
        services.container_generate(
            producer=waste.producer,
            user=enterprise_user_y,
            waste_code="900-214-08",
            quantity=quantity,
            unit="kg",
            kind="drum",
        )
    assert "quantity" in error.value.fields
    assert Container.objects.count() == 0


def test_litres_and_pieces_need_a_weighed_weight(waste, enterprise_user_y):
    with pytest.raises(InvalidInput) as error:
        services.container_generate(
            producer=waste.producer,
            user=enterprise_user_y,
            waste_code="900-052-31",
            quantity="12",
            unit="piece",
            kind="pallet",
        )
    assert "weight_kg" in error.value.fields
    container = services.container_generate(
        producer=waste.producer,
        user=enterprise_user_y,
        waste_code="900-052-31",
        quantity="12",
        unit="piece",
        kind="pallet",
        weight_kg="180",
    )
    assert container.quantity_kg == Decimal("180")


def test_tonnes_are_converted_to_kilograms(waste, enterprise_user_y):
    drum = stored_drum(waste, enterprise_user_y, kg="200")
    container = services.container_generate(
        producer=waste.producer,
        user=enterprise_user_y,
        waste_code="900-249-08",
        quantity="1.5",
        unit="t",
        kind="ibc",
    )
    assert container.quantity_kg == Decimal("1500")
    assert drum.quantity_kg == Decimal("200")


def test_unknown_waste_code_is_refused(waste, enterprise_user_y):
    with pytest.raises(InvalidInput) as error:
        services.container_generate(
            producer=waste.producer,
            user=enterprise_user_y,
            waste_code="999-999-99",
            quantity="1",
            unit="kg",
            kind="drum",
        )
    assert "999-999-99" in str(error.value.fields["waste_code"])


def test_only_the_producers_own_accounts_keep_its_ledger(
    waste, enterprise_user_x, bureau_admin
):
    for user in (enterprise_user_x, bureau_admin):
        with pytest.raises(PermissionDenied):
            services.container_generate(
                producer=waste.producer,
                user=user,
                waste_code="900-214-08",
                quantity="1",
                unit="kg",
                kind="drum",
            )


def test_days_in_storage_count_from_into_storage(waste, enterprise_user_y):
    from datetime import timedelta

    from .conftest import at

    stored = at(2026, 1, 1, 9, 0)
    drum = stored_drum(waste, enterprise_user_y, when=stored, now=stored)
    assert drum.days_in_storage(now=stored + timedelta(days=340)) == 340


def test_a_full_facility_refuses_another_container(waste, enterprise_user_y):
    stored_drum(waste, enterprise_user_y, kg="1900")
    container = services.container_generate(
        producer=waste.producer,
        user=enterprise_user_y,
        waste_code="900-214-08",
        quantity="200",
        unit="kg",
        kind="drum",
    )
    with pytest.raises(InvalidInput) as error:
        services.container_store(
            container=container, user=enterprise_user_y, facility=waste.facility
        )
    assert "facility" in error.value.fields
    container.refresh_from_db()
    assert container.status == "generated"
