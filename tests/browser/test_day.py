"""A counselor's day in real Chromium, with axe-core on every page it visits at desktop and
phone size: today's view, a corrected session, a stale tab's text kept as an addendum, a reload
after sending that sends nothing, the audit log filtered to one client, the report preview."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from app.questionnaires.models import Administration
from tests.browser.axe import axe_source, problems
from tests.browser.pages import DESKTOP, shoot, sign_in
from tests.web.helpers import submitted

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE_375 = {"width": 375, "height": 812}
TYPED = "Sam spoke about the week for the first time without blame."


class Visit:
    """A page the day passes through: each is checked by axe as it is shown."""

    def __init__(self, page: Any, source: str) -> None:
        self.page, self.source, self.found, self.seen = page, source, [], []

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        self.seen.append(self.page.url)
        self.found += problems(self.page, self.source)


def _world(factory, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    me = factory.counselor(role="owner", email="dana@example.com", name="Dana Reyes")
    couple = factory.couple(me, names=("Maya", "Sam"))
    other = factory.couple(me, names=("Noor", "Ravi"))
    submitted(db, me, couple, client_id=couple.partner_a_id, value=4)
    submitted(db, me, couple, client_id=couple.partner_b_id, value=3)
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)  # the practice's zone is UTC
    today = factory.planned_session(couple, max(midnight, now - timedelta(minutes=30)))
    draft = factory.therapy_session(couple, days_ago=10, note_data="Both attended.")
    factory.therapy_session(other, days_ago=3, status="signed")
    return {"me": me, "couple": couple, "other": other, "today": today, "draft": draft}


def _path(page: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def _correct_the_session(visit: Visit, session_id: int) -> None:
    page = visit.page
    page.get_by_role("link", name=re.compile("^Correct the date, length")).click()
    page.get_by_role("heading", level=1, name="Correct the session's details").wait_for()
    visit.check()
    page.get_by_label("Length in minutes").fill("75")
    page.get_by_label("Where").select_option(label="Video")
    page.get_by_role("button", name="Save corrections").click()
    page.wait_for_url(re.compile(rf"/sessions/{session_id}\b"))
    corrections = page.locator("section", has=page.locator("#corrections-h"))
    assert "75" in corrections.inner_text() and "Dana Reyes" in corrections.inner_text()
    visit.check()


def _stale_tab(visit: Visit, context: Any, session_id: int) -> None:
    """Tab A holds the draft open; tab B signs it; tab A's typed text becomes an addendum."""
    stale = visit.page
    stale.goto(f"/sessions/{session_id}")
    other = context.new_page()
    other.goto(f"/sessions/{session_id}")
    other.get_by_label("I have reviewed this note and it is complete").check()
    other.get_by_role("button", name="Save and sign").click()
    other.get_by_text("Note signed.").wait_for()
    other.close()
    stale.get_by_label("Data").fill(f"Both attended. {TYPED}")
    stale.get_by_role("button", name="Save draft").click()
    stale.get_by_role("heading", level=1, name="Your text was not saved").wait_for()
    assert TYPED in stale.locator("#typed_note_data").input_value()
    assert TYPED in stale.get_by_label("Addendum").input_value()
    visit.check()
    stale.get_by_role("button", name="Add addendum").click()
    stale.get_by_text("Addendum added.").wait_for()
    assert TYPED in stale.locator("ol.addenda").inner_text()
    visit.check()


def _send_and_reload(visit: Visit, couple_path: str, db) -> None:  # type: ignore[no-untyped-def]
    page = visit.page
    page.goto(couple_path)
    page.get_by_role("link", name="Send a questionnaire").click()
    visit.check()
    page.get_by_label(re.compile("Trust Rebuilding Inventory")).check()
    page.get_by_role("button", name="Create links").click()
    page.get_by_text("Copy each link into a private message").wait_for()
    links = [f.input_value() for f in page.locator(".link-field").all()]
    count = _administrations(db)
    visit.check()
    page.reload()
    page.get_by_text("Copy each link into a private message").wait_for()
    assert [f.input_value() for f in page.locator(".link-field").all()] == links and len(links) == 2
    assert _administrations(db) == count  # the reload sent nothing
    visit.check()


def _administrations(db) -> int:  # type: ignore[no-untyped-def]
    db.rollback()
    return db.exec(select(func.count()).select_from(Administration)).one()


def _audit_for_one_client(visit: Visit) -> None:
    page = visit.page
    page.goto("/audit")
    visit.check()
    page.get_by_label(re.compile("^Client or couple")).select_option(label="Maya Lee")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"person=client-"))
    rows = page.locator("table tbody").inner_text()
    assert "Maya" in rows and "Noor" not in rows and "Ravi" not in rows
    visit.check()


def _preview(visit: Visit, couple_path: str) -> None:
    page = visit.page
    page.goto(f"{couple_path}/report")
    visit.check()
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Confidential").first.wait_for()
    visit.check()


def _day_at(browser, server, size, world, db, shots, name):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, viewport=size)
    context.set_default_timeout(20_000)
    page = context.new_page()
    visit = Visit(page, axe_source())
    sign_in(page, world["me"].email)
    page.get_by_role("heading", level=1, name=re.compile("^Today")).wait_for()
    today = page.locator("section", has=page.locator("#today-h"))
    assert "Maya & Sam Lee" in today.inner_text()
    visit.check()
    shoot(page, shots, f"day-{name}-today")
    couple_path = f"/couples/{world['couple'].id}"
    page.goto(couple_path)
    visit.check()
    shoot(page, shots, f"day-{name}-couple")
    page.goto(f"/sessions/{world['today'].id}")
    visit.check()
    return context, visit, couple_path


def test_a_counselors_day_at_desktop_and_on_a_phone(browser, server, factory, db, shots):  # type: ignore[no-untyped-def]
    world = _world(factory, db)
    context, visit, couple_path = _day_at(browser, server, DESKTOP, world, db, shots, "desktop")
    _correct_the_session(visit, world["today"].id)
    _stale_tab(visit, context, world["draft"].id)
    _send_and_reload(visit, couple_path, db)
    _audit_for_one_client(visit)
    shoot(visit.page, shots, "day-desktop-audit")
    _preview(visit, couple_path)
    shoot(visit.page, shots, "day-desktop-preview")
    context.close()

    context, phone, couple_path = _day_at(browser, server, PHONE_375, world, db, shots, "phone")
    for path in (f"/sessions/{world['draft'].id}", f"/sessions/{world['draft'].id}/correct", "/links/sent",
                 f"/couples/{world['other'].id}", "/sessions", "/clients", "/couples", "/outbox", "/settings"):
        phone.page.goto(path)
        phone.check()
    _audit_for_one_client(phone)
    _preview(phone, couple_path)
    context.close()

    assert len(visit.seen) >= 12 and len(phone.seen) >= 15
    assert not visit.found + phone.found, "\n".join(visit.found + phone.found)
