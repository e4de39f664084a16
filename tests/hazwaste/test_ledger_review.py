"""Ledger review: the queue flags enterprise-reported entries that look wrong;
bureau staff validate or invalidate them in bulk with a reason, all or none, on
the record; an invalidated entry no longer counts for the anomaly rules and,
through their warnings, the health code."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hazwaste import selectors, services
from hazwaste.factors import unsettled_warnings
from hazwaste.models import (
    AnomalyWarning,
    LedgerEntry,
    LedgerReviewDecision,
    LedgerReviewItem,
)

DECISIONS = "/api/v1/hazwaste/ledger/decisions/"
QUEUE = "/api/v1/hazwaste/ledger/review-queue/"
PAGE = "/hazwaste/ledger-review/"


def _generate(waste, user, kg: str, when):
    container = services.container_generate(
        producer=waste.producer,
        user=user,
        waste_code="900-214-08",
        quantity=Decimal(kg),
        unit="kg",
        kind="drum",
        occurred_at=when,
    )
    entry = container.entries.get()
    # recorded when it happened (the service stamps the real clock)
    LedgerEntry.objects.filter(pk=entry.pk).update(recorded_at=when)
    return LedgerEntry.objects.get(pk=entry.pk)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def outlier(waste, enterprise_user_y, now):
    """Six months of 100 kg drums, then one of 5,000 kg yesterday."""
    for days in range(30, 181, 30):
        _generate(waste, enterprise_user_y, "100", now - timedelta(days=days))
    return _generate(waste, enterprise_user_y, "5000", now - timedelta(days=1))


def _queue(user, now, days=10):
    return selectors.ledger_review_queue(
        user=user, start=now - timedelta(days=days), end=now
    )


def test_the_queue_flags_a_quantity_far_above_the_producers_usual(
    outlier, bureau_officer, now
):
    rows = _queue(bureau_officer, now)
    assert [(r["id"], r["reasons"]) for r in rows] == [
        (outlier.pk, ["far_above_usual"])
    ]
    assert rows[0]["facts"]["usual_kg"] == Decimal("100")


def test_the_queue_flags_late_and_future_dated_entries(
    waste, enterprise_user_y, bureau_officer, now
):
    late = _generate(waste, enterprise_user_y, "10", now - timedelta(days=5))
    LedgerEntry.objects.filter(pk=late.pk).update(recorded_at=now + timedelta(days=40))
    future = _generate(waste, enterprise_user_y, "10", now - timedelta(days=3))
    LedgerEntry.objects.filter(pk=future.pk).update(recorded_at=now - timedelta(days=4))
    reasons = {r["id"]: r["reasons"] for r in _queue(bureau_officer, now)}
    assert reasons == {late.pk: ["late"], future.pk: ["future"]}


def test_invalidating_an_entry_takes_it_out_of_the_anomaly_scan_and_the_health_code(
    waste, enterprise_user_y, bureau_officer, now, django_capture_on_commit_callbacks
):
    entry = _generate(waste, enterprise_user_y, "50", now - timedelta(days=200))
    services.anomaly_scan(now=now, only=["generated_never_sent"])
    (warning,) = AnomalyWarning.objects.filter(
        rule__code="generated_never_sent", status="open"
    )
    enterprise = waste.producer.enterprise_id
    as_of = timezone.localdate(now)
    assert unsettled_warnings(as_of=as_of).filter(factor_enterprise=enterprise)

    with django_capture_on_commit_callbacks(execute=True):
        decision = services.ledger_entries_decide(
            user=bureau_officer,
            entries=[entry.pk],
            state="invalid",
            reason="重复录入，与纸质台账不符",
        )

    warning.refresh_from_db()
    assert warning.status == "resolved"  # the rescan after the decision
    assert not unsettled_warnings(as_of=as_of).filter(factor_enterprise=enterprise)
    assert not LedgerEntry.objects.usable().filter(pk=entry.pk).exists()
    # on the record: who, why, and the state before
    assert decision.decided_by == bureau_officer
    assert decision.reason == "重复录入，与纸质台账不符"
    assert decision.count == 1
    item = LedgerReviewItem.objects.get(decision=decision)
    assert (item.entry_id, item.state_before) == (entry.pk, "unreviewed")


def test_a_later_decision_keeps_the_earlier_one(outlier, bureau_officer):
    for state in ("invalid", "validated"):
        services.ledger_entries_decide(
            user=bureau_officer, entries=[outlier.pk], state=state, reason="核查"
        )
    outlier.refresh_from_db()
    assert outlier.review_state == "validated"
    history = LedgerReviewItem.objects.filter(entry=outlier).order_by("decision_id")
    assert [(i.decision.state, i.state_before) for i in history] == [
        ("invalid", "unreviewed"),
        ("validated", "invalid"),
    ]


def test_unreviewed_entries_still_count(waste, enterprise_user_y, now):
    _generate(waste, enterprise_user_y, "50", now - timedelta(days=200))
    services.anomaly_scan(now=now, only=["generated_never_sent"])
    assert AnomalyWarning.objects.filter(rule__code="generated_never_sent").exists()


def test_a_decision_over_10000_entries_is_a_400_naming_the_field_and_changes_nothing(
    outlier, bureau_officer, api
):
    response = api(bureau_officer).post(
        DECISIONS,
        {"entries": [outlier.pk] * 10_001, "state": "invalid", "reason": "批量"},
        format="json",
    )
    assert response.status_code == 400
    problems = response.json()["fields"]["entries"]
    assert "台账记录" in problems[0] and "10,000" in problems[0]
    assert not LedgerReviewDecision.objects.exists()
    outlier.refresh_from_db()
    assert outlier.review_state == "unreviewed"


def test_one_entry_out_of_scope_applies_nothing(outlier, bureau_officer, api):
    response = api(bureau_officer).post(
        DECISIONS,
        {"entries": [outlier.pk, 987654], "state": "invalid", "reason": "核查"},
        format="json",
    )
    assert response.status_code == 400 and "entries" in response.json()["fields"]
    assert not LedgerReviewDecision.objects.exists()
    outlier.refresh_from_db()
    assert outlier.review_state == "unreviewed"


def test_staff_validate_through_the_api_with_a_reason(outlier, bureau_officer, api):
    client = api(bureau_officer)
    no_reason = client.post(
        DECISIONS,
        {"entries": [outlier.pk], "state": "validated", "reason": ""},
        format="json",
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    done = client.post(
        DECISIONS,
        {"entries": [outlier.pk], "state": "validated", "reason": "现场核实属实"},
        format="json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["decided_by"] == bureau_officer.username
    outlier.refresh_from_db()
    assert outlier.review_state == "validated"


@pytest.mark.parametrize("persona", ["officer_a", "enterprise_user_y"])
def test_only_bureau_staff_review_ledgers(request, outlier, api, client, persona):
    user = request.getfixturevalue(persona)
    response = api(user).post(
        DECISIONS,
        {"entries": [outlier.pk], "state": "invalid", "reason": "x"},
        format="json",
    )
    assert response.status_code in (403, 404)
    assert api(user).get(QUEUE).status_code in (403, 404)
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert client.post(
        PAGE, {"entry": [outlier.pk], "state": "invalid", "reason": "x"}
    ).status_code in (403, 404)
    assert not LedgerReviewDecision.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_review_page_lists_the_outlier_and_invalidates_it(
    client, outlier, bureau_officer, now
):
    client.force_login(bureau_officer)
    page = client.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert f'value="{outlier.pk}"' in body
    assert "台账审核" in body and "远超该单位平时产生量" in body
    refused = client.post(
        PAGE, {"entry": [outlier.pk], "state": "invalid"}, follow=True
    )
    assert "请填写决定理由。" in refused.content.decode()
    assert not LedgerReviewDecision.objects.exists()
    done = client.post(
        PAGE, {"entry": [outlier.pk], "state": "invalid", "reason": "单位填错"}
    )
    assert done.status_code == 302
    outlier.refresh_from_db()
    assert outlier.review_state == "invalid"
    after = client.get(PAGE).content.decode()
    assert f'value="{outlier.pk}"' not in after
    assert "单位填错" in after  # among the recent decisions


def test_the_window_is_at_most_92_days(client, bureau_officer):
    client.force_login(bureau_officer)
    page = client.get(PAGE, {"start": "2026-01-01", "end": "2026-06-30"})
    assert page.status_code == 200
    assert "92" in page.content.decode()
