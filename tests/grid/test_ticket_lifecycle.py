"""The closed loop through the API: accept, evidence, handle, verify, close; and
the refusals: illegal or concurrent steps are 409, closing needs evidence."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from grid.models import Membership, Ticket
from grid.services import ticket_accept
from tests.grid.conftest import jpeg

pytestmark = pytest.mark.django_db


def url(ticket, step=""):
    return f"/api/v1/grid/tickets/{ticket.pk}/" + (f"{step}/" if step else "")


def upload(client, ticket, data=None, key=None, name="photo.jpg"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        url(ticket, "attachments"),
        {"file": SimpleUploadedFile(name, data or jpeg(), "image/jpeg")},
        format="multipart",
        **headers,
    )


def test_a_ticket_goes_round_the_whole_loop(
    api, world, officer_a, bureau_officer, open_ticket
):
    ticket = open_ticket()
    officer = api(officer_a)
    response = officer.post(
        url(ticket, "accept"),
        {"expected_status": "dispatched", "lon": 121.41, "lat": 31.21},
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "in_progress"

    photo = upload(officer, ticket)
    assert photo.status_code == 201, photo.data
    assert photo.data["exif_lat"] == pytest.approx(31.21)
    assert photo.data["exif_lon"] == pytest.approx(121.41)
    assert photo.data["exif_taken_at"].startswith("2026-03-13T10:20:30")

    response = officer.post(
        url(ticket, "handle"),
        {
            "note": "已责令安装油烟净化器",
            "attachments": [photo.data["id"]],
            "lon": 121.41,
            "lat": 31.21,
        },
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "handled"
    handle_step = response.data["transitions"][-1]
    assert handle_step["action"] == "handle"
    assert handle_step["lat"] == 31.21
    assert [a["sha256"] for a in handle_step["attachments"]] == [photo.data["sha256"]]

    staff = api(bureau_officer)
    assert staff.post(url(ticket, "verify"), {"passed": True}).status_code == 200
    response = staff.post(url(ticket, "close"), {"violation_confirmed": True})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "closed"
    actions = [t["action"] for t in response.data["transitions"]]
    assert actions == [
        "report",
        "register",
        "dispatch",
        "accept",
        "handle",
        "verify",
        "close",
    ]


def test_handling_without_evidence_is_refused(api, world, officer_a, open_ticket):
    ticket = open_ticket()
    officer = api(officer_a)
    officer.post(url(ticket, "accept"))
    response = officer.post(url(ticket, "handle"), {"note": "已处理"})
    assert response.status_code == 400
    assert "attachments" in response.data["fields"]
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_an_inspection_record_is_evidence_enough_to_close(
    api, world, officer_a, bureau_officer, open_ticket
):
    ticket = open_ticket()
    officer = api(officer_a)
    officer.post(url(ticket, "accept"))
    response = officer.post(
        url(ticket, "handle"),
        {"note": "现场检查", "inspection_reference": "INS-2026-001"},
    )
    assert response.status_code == 200
    staff = api(bureau_officer)
    staff.post(url(ticket, "verify"), {"passed": True})
    assert staff.post(url(ticket, "close")).data["status"] == "closed"


def test_closing_without_any_evidence_is_refused(
    world, officer_a, bureau_officer, api, open_ticket
):
    ticket = open_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status="verified")
    response = api(bureau_officer).post(url(ticket, "close"))
    assert response.status_code == 400
    assert "attachments" in response.data["fields"]


def test_the_handler_cannot_verify_their_own_work(api, world, officer_a, open_ticket):
    ticket = open_ticket()
    officer = api(officer_a)
    officer.post(url(ticket, "accept"))
    officer.post(url(ticket, "handle"), {"note": "x", "inspection_reference": "I-1"})
    assert officer.post(url(ticket, "verify"), {"passed": True}).status_code == 403


def test_a_failed_verification_returns_the_ticket_to_handling(
    api, world, officer_a, bureau_officer, open_ticket
):
    ticket = open_ticket()
    officer = api(officer_a)
    officer.post(url(ticket, "accept"))
    officer.post(url(ticket, "handle"), {"note": "x", "inspection_reference": "I-1"})
    response = api(bureau_officer).post(
        url(ticket, "verify"), {"passed": False, "note": "油烟仍在"}
    )
    assert response.data["status"] == "in_progress"
    assert response.data["transitions"][-1]["action"] == "verify_fail"


@pytest.mark.parametrize("step", ["handle", "close", "verify"])
def test_an_illegal_step_is_a_409_and_changes_nothing(
    api, world, officer_a, bureau_officer, open_ticket, step
):
    ticket = open_ticket()
    client = api(officer_a if step == "handle" else bureau_officer)
    body = {"note": "x", "inspection_reference": "I", "passed": True}
    response = client.post(url(ticket, step), body)
    assert response.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    assert ticket.transitions.count() == 3


def test_a_stale_expected_status_is_a_409(api, world, officer_a, open_ticket):
    ticket = open_ticket()
    client = api(officer_a)
    client.post(url(ticket, "accept"))
    response = client.post(url(ticket, "accept"), {"expected_status": "dispatched"})
    assert response.status_code == 409
    assert response.data["code"] == "stale"


def test_two_officers_claiming_a_queued_ticket_one_wins_one_gets_409(
    api, world, officer_a, officer_a2, open_ticket
):
    Membership.objects.update(on_duty=False)
    ticket = open_ticket()
    assert ticket.queue == "street"
    first = api(officer_a).post(url(ticket, "accept"))
    second = api(officer_a2).post(url(ticket, "accept"))
    assert (first.status_code, second.status_code) == (200, 409)
    assert Ticket.objects.get(pk=ticket.pk).assignee == officer_a


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_at_the_same_moment_one_wins_one_gets_409(
    world, officer_a, officer_a2, open_ticket
):
    from core.errors import Conflict

    Membership.objects.update(on_duty=False)
    ticket = open_ticket()
    barrier = threading.Barrier(2)
    results = {}

    def claim(user):
        try:
            barrier.wait()
            ticket_accept(ticket=ticket, user=user)
            results[user.username] = "won"
        except Conflict:
            results[user.username] = "409"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=claim, args=(u,)) for u in (officer_a, officer_a2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["409", "won"]
    assert ticket.transitions.filter(action="accept").count() == 1


def test_an_officer_cannot_accept_a_ticket_dispatched_to_a_colleague(
    api, world, officer_a, officer_a2, open_ticket
):
    ticket = open_ticket()
    other = officer_a2 if ticket.assignee == officer_a else officer_a
    response = api(other).post(url(ticket, "accept"))
    assert response.status_code == 409
    assert response.data["code"] == "not_assignee"


def test_handing_back_returns_the_ticket_to_the_street_queue(
    api, world, officer_a, open_ticket
):
    ticket = open_ticket()
    response = api(officer_a).post(url(ticket, "hand-back"), {"note": "不在我的网格"})
    assert response.status_code == 200
    assert (
        response.data["status"],
        response.data["assignee"],
        response.data["queue"],
    ) == (
        "registered",
        None,
        "street",
    )


def test_handing_back_needs_a_reason(api, world, officer_a, open_ticket):
    ticket = open_ticket()
    response = api(officer_a).post(url(ticket, "hand-back"), {"note": ""})
    assert response.status_code == 400
    assert "note" in response.data["fields"]


def test_a_granted_extension_moves_the_deadline_by_working_hours(
    api, world, officer_a, bureau_officer, open_ticket
):
    ticket = open_ticket()
    officer = api(officer_a)
    officer.post(url(ticket, "accept"))
    before = Ticket.objects.get(pk=ticket.pk).stage_deadline
    response = officer.post(
        url(ticket, "request-extension"), {"hours": "8", "note": "需协调物业"}
    )
    assert response.status_code == 200
    assert response.data["extension_requested_hours"] == "8.00"
    again = officer.post(
        url(ticket, "request-extension"), {"hours": "8", "note": "再次"}
    )
    assert again.status_code == 409
    assert (
        officer.post(url(ticket, "decide-extension"), {"grant": True}).status_code
        == 403
    )
    response = api(bureau_officer).post(
        url(ticket, "decide-extension"), {"grant": True}
    )
    assert response.status_code == 200
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.extension_requested_hours is None
    assert (after.stage_deadline - before).total_seconds() >= 8 * 3600
    actions = [t["action"] for t in response.data["transitions"]]
    assert actions[-2:] == ["request_extension", "grant_extension"]


def test_a_reject_needs_a_reason_and_ends_the_ticket(
    api, world, bureau_officer, officer_a, open_ticket
):
    ticket = open_ticket()
    staff = api(bureau_officer)
    assert staff.post(url(ticket, "reject"), {"reason": ""}).status_code == 400
    response = staff.post(url(ticket, "reject"), {"reason": "非环保职责"})
    assert response.data["status"] == "rejected"
    assert response.data["resolution"] == "非环保职责"


def test_my_open_tickets_are_sorted_by_deadline(api, world, officer_a, open_ticket):
    tickets = [open_ticket(category=c) for c in ("other", "noise", "cooking_fume")]
    api(officer_a).post(url(tickets[2], "accept"))  # its deadline moves to handling
    rows = api(officer_a).get("/api/v1/grid/tickets/mine/").data["results"]
    deadlines = [row["stage_deadline"] for row in rows]
    assert len(rows) == 3 and deadlines == sorted(deadlines)


def test_the_officer_list_needs_a_fixed_number_of_queries(
    api, world, officer_a, open_ticket, django_assert_max_num_queries
):
    for _ in range(5):
        open_ticket()
    client = api(officer_a)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/grid/tickets/mine/").data["results"]) == 5
    for _ in range(10):
        open_ticket()
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/grid/tickets/mine/").data["results"]) == 15
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/grid/tickets/").data["count"] == 15


def test_my_open_tickets_come_fifty_a_page_with_a_next_link(api, world, officer_a):
    from grid.services import TicketIntake, tickets_open_many

    tickets_open_many(
        items=[
            TicketIntake("noise", "hotline", f"噪声 {n}", 121.41, 31.21)
            for n in range(55)
        ]
    )
    client = api(officer_a)
    first = client.get("/api/v1/grid/tickets/mine/").data
    assert len(first["results"]) == 50 and first["next"].endswith("?page=2")
    second = client.get(first["next"]).data
    assert len(second["results"]) == 5 and second["next"] is None
    row = second["results"][0]
    assert set(row) == {
        "id",
        "reference",
        "category_name",
        "status",
        "status_label",
        "description",
        "address",
        "lon",
        "lat",
        "stage_deadline",
        "overdue",
        "extension_requested_hours",
    }
    assert row["status_label"] == "已派遣"
    assert client.get("/api/v1/grid/tickets/mine/?page=x").status_code == 400
