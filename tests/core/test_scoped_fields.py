"""A foreign id in a request is refused like a missing one, naming the field."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from core.api.fields import ScopedPrimaryKeyRelatedField
from enforcement.models import Enterprise

pytestmark = pytest.mark.django_db


class Choice(serializers.Serializer):
    enterprise = ScopedPrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False
    )
    enterprises = ScopedPrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), many=True, required=False, max_length=3
    )
    officer = ScopedPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        scope=lambda user: get_user_model().objects.filter(pk=user.pk),
        required=False,
    )


def choose(user, data) -> Choice:
    request = APIRequestFactory().post("/")
    request.user = user
    form = Choice(data=data, context={"request": request})
    form.is_valid()
    return form


def test_an_id_in_scope_becomes_the_object(world, officer_a):
    form = choose(officer_a, {"enterprise": world.enterprise_x.pk})
    assert form.validated_data["enterprise"] == world.enterprise_x


def test_an_id_out_of_scope_reads_like_a_missing_one(world, officer_a):
    foreign = choose(officer_a, {"enterprise": world.enterprise_y.pk}).errors
    missing = choose(officer_a, {"enterprise": 987654321}).errors
    assert "对象不存在" in str(foreign["enterprise"][0])
    assert str(foreign["enterprise"][0]).replace(
        str(world.enterprise_y.pk), "N"
    ) == str(missing["enterprise"][0]).replace("987654321", "N")


def test_a_list_is_looked_up_in_one_query_and_keeps_its_order(
    world, bureau_officer, django_assert_num_queries
):
    ids = [world.enterprise_y.pk, world.enterprise_x.pk]
    request = APIRequestFactory().post("/")
    request.user = bureau_officer
    form = Choice(data={"enterprises": ids}, context={"request": request})
    Enterprise.objects.for_user(bureau_officer)  # the user's scope, read once
    with django_assert_num_queries(1):
        assert form.is_valid(), form.errors
    assert [e.pk for e in form.validated_data["enterprises"]] == ids


def test_a_list_with_one_id_out_of_scope_is_refused_naming_that_id(world, officer_a):
    errors = choose(
        officer_a, {"enterprises": [world.enterprise_x.pk, world.enterprise_y.pk]}
    ).errors
    assert str(world.enterprise_y.pk) in str(errors["enterprises"][0])


def test_a_list_longer_than_allowed_or_of_bad_ids_is_refused(world, officer_a):
    too_long = choose(officer_a, {"enterprises": [world.enterprise_x.pk] * 4})
    not_ids = choose(officer_a, {"enterprises": ["x"]})
    assert "enterprises" in too_long.errors and "enterprises" in not_ids.errors


def test_a_scope_function_replaces_for_user_for_models_without_it(
    world, officer_a, officer_b
):
    assert choose(officer_a, {"officer": officer_a.pk}).is_valid()
    assert "officer" in choose(officer_a, {"officer": officer_b.pk}).errors


@pytest.mark.parametrize("field", ["enterprise", "enterprises"])
def test_an_id_beyond_any_64_bit_key_reads_like_a_missing_one(
    world, bureau_officer, field
):
    """On SQLite such an id cannot even be sent to the database."""
    huge = 2**64 + 7
    errors = choose(bureau_officer, {field: huge if field == "enterprise" else [huge]})
    assert "对象不存在" in str(errors.errors[field][0])
    assert str(huge) in str(errors.errors[field][0])
