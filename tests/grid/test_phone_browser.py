"""The phone pages in a real browser: accept, upload a photo (hash and EXIF shown),
record the handling. Drives Debian's Chromium against a live server."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from grid.models import Ticket
from tests.grid.conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def test_an_officer_accepts_and_handles_a_ticket_with_a_photo(
    live_server, world, officer_a, open_ticket, tmp_path, monkeypatch
):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the checks below
    # read the database between its calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ticket = open_ticket()
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(jpeg())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context(
            geolocation={"latitude": 31.2101, "longitude": 121.4102},
            permissions=["geolocation"],
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(officer_a),
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        responses = []
        page.on("response", lambda r: responses.append((r.status, r.url)))
        page.goto(f"{live_server.url}/m/tickets/")
        page.wait_for_selector(f"a[href='/m/tickets/{ticket.pk}/']")
        page.goto(f"{live_server.url}/m/tickets/{ticket.pk}/")
        page.click("button[data-step=accept]")
        page.wait_for_selector("#m-photo")
        assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"
        page.set_input_files("#m-photo", str(photo))
        page.wait_for_selector("#m-photos li:has-text('SHA-256')")
        assert "31.21000" in page.inner_text("#m-photos")
        page.fill("#m-note", "已责令整改")
        page.click("button[data-step=handle]")
        try:
            page.wait_for_selector("#m-ticket[data-status=handled]", timeout=15000)
        except Exception:
            raise AssertionError((page.inner_text("#m-message"), responses)) from None
        browser.close()
    ticket.refresh_from_db()
    assert ticket.status == "handled"
    assert ticket.attachments.get().transition.action == "handle"
    assert ticket.transitions.get(action="handle").lat == pytest.approx(31.2101)
