"""The enforcement record through the API: inspections (two officers, typed
answers, photos, idempotent submission), the violation → penalty → order chain
and its enforced transitions, and who may see what."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enforcement.models import (
    Inspection,
    InspectionPhoto,
    PenaltyDecision,
    RectificationOrder,
    StatusChange,
    Violation,
)
from tests.enforcement.conftest import (
    compliant_answers,
    record_inspection,
    record_penalty,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/enforcement"


def inspection_payload(world, template, officers, **changes) -> dict:
    for item in template.items.filter(kind="photo"):
        item.is_required = False
        item.save(update_fields=["is_required"])
    return {
        "enterprise": world.enterprise_x.pk,
        "template": template.pk,
        "inspected_on": timezone.localdate().isoformat(),
        "officers": [o.pk for o in officers],
        "result": "compliant",
        "answers": compliant_answers(template),
        "lon": 121.4101,
        "lat": 31.2102,
        "representative_name": "王经理",
        **changes,
    }


def test_an_inspection_with_two_officers_is_recorded_with_its_answers(
    api, world, bureau_officer, second_officer, catering_template
):
    response = api(bureau_officer).post(
        f"{URL}/inspections/",
        inspection_payload(world, catering_template, [bureau_officer, second_officer]),
        format="json",
    )
    assert response.status_code == 201, response.data
    inspection = Inspection.objects.get(pk=response.data["id"])
    assert inspection.officers.count() == 2
    assert inspection.answers.filter(is_compliant=True).count() >= 5
    assert inspection.representative_signed_at is not None


def test_an_inspection_with_one_officer_is_a_400_naming_officers(
    api, world, bureau_officer, catering_template
):
    response = api(bureau_officer).post(
        f"{URL}/inspections/",
        inspection_payload(world, catering_template, [bureau_officer]),
        format="json",
    )
    assert response.status_code == 400
    assert "两名" in response.data["fields"]["officers"][0]
    assert not Inspection.objects.exists()


def test_an_inspector_who_is_not_an_officer_is_named_by_id_only(
    api, world, bureau_officer, enterprise_user_y, catering_template
):
    """The refusal names officers, but must not tell who an account id is."""
    enterprise_user_y.first_name = "秘密"
    enterprise_user_y.save(update_fields=["first_name"])
    response = api(bureau_officer).post(
        f"{URL}/inspections/",
        inspection_payload(
            world, catering_template, [bureau_officer, enterprise_user_y]
        ),
        format="json",
    )
    assert response.status_code == 400
    message = response.data["fields"]["officers"][0]
    assert f"#{enterprise_user_y.pk}" in message
    assert "秘密" not in message and enterprise_user_y.username not in message
    assert not Inspection.objects.exists()


def test_a_checklist_answer_of_the_wrong_type_is_a_400_naming_the_item(
    api, world, bureau_officer, second_officer, catering_template
):
    answers = compliant_answers(catering_template)
    for answer in answers:
        if answer["item"] == "C01":
            answer["value"] = "有"  # a yes/no item answered with text
        if answer["item"] == "C03":
            answer["value"] = "很低"  # a number item answered with words
    response = api(bureau_officer).post(
        f"{URL}/inspections/",
        inspection_payload(
            world, catering_template, [bureau_officer, second_officer], answers=answers
        ),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.data["fields"]["answers"]) == {"C01", "C03"}
    assert not Inspection.objects.exists()


def test_a_number_over_its_limit_cannot_be_called_compliant(
    api, world, bureau_officer, second_officer, catering_template
):
    answers = compliant_answers(catering_template)
    for answer in answers:
        if answer["item"] == "C03":
            answer["value"] = "1.8"  # fume above 1.0 mg/m³
    client = api(bureau_officer)
    payload = inspection_payload(
        world, catering_template, [bureau_officer, second_officer], answers=answers
    )
    assert client.post(f"{URL}/inspections/", payload, format="json").status_code == 400
    payload["result"] = "violation"
    assert client.post(f"{URL}/inspections/", payload, format="json").status_code == 201


def test_resubmitting_with_the_same_idempotency_key_records_the_visit_once(
    api, world, bureau_officer, second_officer, catering_template
):
    client = api(bureau_officer)
    payload = inspection_payload(
        world, catering_template, [bureau_officer, second_officer]
    )
    first = client.post(
        f"{URL}/inspections/", payload, format="json", HTTP_IDEMPOTENCY_KEY="draft-1"
    )
    again = client.post(
        f"{URL}/inspections/", payload, format="json", HTTP_IDEMPOTENCY_KEY="draft-1"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["id"] == first.data["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Inspection.objects.count() == 1
    payload["findings"] = "另一内容"
    clash = client.post(
        f"{URL}/inspections/", payload, format="json", HTTP_IDEMPOTENCY_KEY="draft-1"
    )
    assert clash.status_code == 409


def test_a_photo_keeps_its_sha256_from_upload_and_attaches_to_the_inspection(
    api, world, bureau_officer, second_officer, catering_template
):
    import hashlib

    client = api(bureau_officer)
    content = b"\xff\xd8\xff\xe0 fake jpeg bytes"
    upload = client.post(
        f"{URL}/inspection-photos/",
        {"file": SimpleUploadedFile("p.jpg", content, content_type="image/jpeg")},
        format="multipart",
    )
    assert upload.status_code == 201
    assert upload.data["sha256"] == hashlib.sha256(content).hexdigest()
    answers = compliant_answers(catering_template) + [
        {"item": "C07", "value": [upload.data["id"]]}
    ]
    response = client.post(
        f"{URL}/inspections/",
        inspection_payload(
            world, catering_template, [bureau_officer, second_officer], answers=answers
        ),
        format="json",
    )
    assert response.status_code == 201, response.data
    photo = InspectionPhoto.objects.get(pk=upload.data["id"])
    assert photo.inspection_id == response.data["id"] and photo.item.code == "C07"


def test_a_photo_is_served_only_to_who_may_see_its_inspection(
    api, client, world, bureau_officer, second_officer, catering_template, officer_a
):
    content = b"\xff\xd8\xff\xe0 fake jpeg bytes"
    upload = api(bureau_officer).post(
        f"{URL}/inspection-photos/",
        {"file": SimpleUploadedFile("p.jpg", content, content_type="image/jpeg")},
        format="multipart",
    )
    # the API links to the checking view, not to the media folder
    assert upload.data["file"].endswith(
        f"/enterprises/inspections/photos/{upload.data['id']}/"
    )
    client.force_login(bureau_officer)
    response = client.get(upload.data["file"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment")
    # not attached yet: only its uploader; a street officer never sees it
    client.force_login(officer_a)
    assert client.get(upload.data["file"]).status_code == 404


def test_a_street_officer_cannot_see_another_streets_inspections(
    api, world, bureau_officer, second_officer, catering_template, officer_a
):
    in_b = record_inspection(
        enterprise=world.enterprise_y,
        officers=[bureau_officer, second_officer],
        template=catering_template,
    )
    client = api(officer_a)
    assert client.get(f"{URL}/inspections/{in_b.pk}/").status_code == 404
    assert client.get(f"{URL}/inspections/").data["results"] == []


def test_the_enterprise_user_sees_their_own_inspections(
    api, world, bureau_officer, second_officer, catering_template, enterprise_user_x
):
    mine = record_inspection(
        enterprise=world.enterprise_x,
        officers=[bureau_officer, second_officer],
        template=catering_template,
    )
    record_inspection(
        enterprise=world.enterprise_y,
        officers=[bureau_officer, second_officer],
        template=catering_template,
    )
    listed = api(enterprise_user_x).get(f"{URL}/inspections/").data["results"]
    assert [row["id"] for row in listed] == [mine.pk]


def test_the_inspection_list_has_a_fixed_number_of_queries(
    api,
    world,
    bureau_officer,
    second_officer,
    catering_template,
    django_assert_max_num_queries,
):
    for _ in range(5):
        record_inspection(
            enterprise=world.enterprise_x,
            officers=[bureau_officer, second_officer],
            template=catering_template,
        )
    client = api(bureau_officer)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{URL}/inspections/").data["results"]) == 5


def _violation(api, user, world):
    response = api(user).post(
        f"{URL}/violations/",
        {
            "enterprise": world.enterprise_x.pk,
            "found_on": timezone.localdate().isoformat(),
            "law_article": "《大气污染防治法》第八十一条",
            "description": "油烟直排",
            "severity": "general",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    return response.data["id"]


def _decide(api, user, violation_id, **changes):
    return api(user).post(
        f"{URL}/violations/{violation_id}/penalty/",
        {
            "decision_number": "示环罚〔2026〕1号",
            "decided_on": timezone.localdate().isoformat(),
            "amount_yuan": "20000",
            "measures": ["fine", "order_to_correct"],
            **changes,
        },
        format="json",
    )


def test_a_negative_fine_is_a_400_naming_the_amount(api, world, bureau_officer):
    violation_id = _violation(api, bureau_officer, world)
    response = _decide(api, bureau_officer, violation_id, amount_yuan="-100")
    assert response.status_code == 400
    assert "amount_yuan" in response.data["fields"]
    assert not PenaltyDecision.objects.exists()
    assert Violation.objects.get(pk=violation_id).status == "open"


def test_a_reused_decision_number_is_a_400_naming_it(api, world, bureau_officer):
    first = _violation(api, bureau_officer, world)
    second = _violation(api, bureau_officer, world)
    assert _decide(api, bureau_officer, first).status_code == 201
    response = _decide(api, bureau_officer, second)
    assert response.status_code == 400
    assert "decision_number" in response.data["fields"]
    assert PenaltyDecision.objects.count() == 1


def test_a_rectification_deadline_before_the_decision_is_a_400(
    api, world, bureau_officer
):
    violation_id = _violation(api, bureau_officer, world)
    penalty = _decide(api, bureau_officer, violation_id).data
    response = api(bureau_officer).post(
        f"{URL}/rectifications/",
        {
            "penalty": penalty["id"],
            "deadline": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "requirements": "加装油烟净化器",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "deadline" in response.data["fields"]
    assert not RectificationOrder.objects.exists()


def test_penalising_twice_or_executing_twice_is_a_409(api, world, bureau_officer):
    violation_id = _violation(api, bureau_officer, world)
    penalty = _decide(api, bureau_officer, violation_id).data
    again = _decide(
        api, bureau_officer, violation_id, decision_number="示环罚〔2026〕2号"
    )
    assert again.status_code == 409
    client = api(bureau_officer)
    assert client.post(f"{URL}/penalties/{penalty['id']}/execute/").status_code == 200
    assert client.post(f"{URL}/penalties/{penalty['id']}/execute/").status_code == 409


def test_a_passed_recheck_settles_the_case_and_every_step_is_recorded(
    world, bureau_officer, second_officer, catering_template
):
    from enforcement import services

    penalty = record_penalty(
        enterprise=world.enterprise_x, user=bureau_officer, rectification_days=20
    )
    services.penalty_execute(penalty=penalty, user=bureau_officer)
    order = penalty.rectification_orders.get()
    recheck = record_inspection(
        enterprise=world.enterprise_x,
        officers=[bureau_officer, second_officer],
        template=catering_template,
    )
    services.rectification_recheck(order=order, inspection=recheck, user=bureau_officer)
    order.refresh_from_db()
    penalty.violation.refresh_from_db()
    assert order.status == "passed" and order.recheck_inspection == recheck
    assert penalty.violation.status == "closed"
    steps = list(
        StatusChange.objects.filter(record_type="violation").values_list(
            "from_status", "to_status"
        )
    )
    assert steps == [("", "open"), ("open", "penalized"), ("penalized", "closed")]


def test_a_street_officer_cannot_decide_penalties(
    api, world, bureau_officer, officer_a
):
    violation_id = _violation(api, bureau_officer, world)
    assert _decide(api, officer_a, violation_id).status_code == 403
