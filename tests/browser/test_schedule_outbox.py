"""The measurement loop in real Chromium: the counselor sets a schedule on the couple page, the
send reaches the outbox, a partner opens the link from there on a phone, chooses a passcode,
answers and sends, and the counselor sees it submitted."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.practice.models import Practice
from tests.browser.pages import answer_section, new_context, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSCODE = "green harbour 7"


def zone_past_nine() -> str:
    """A time zone where it is now between 10:00 and 22:59, so a "once, today" send (at 09:00 local)
    is due at once and today doesn't end during the test, whatever time the test runs."""
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        name = f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}" if offset else "UTC"
        if 10 <= now.astimezone(ZoneInfo(name)).hour <= 22:
            return name
    raise AssertionError("some zone is always between 10:00 and 22:59")


def _moving_on(page: Any, button: str) -> None:
    """Press a form button and wait for the next page (form.js posts by fetch, then location.replace)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_a_schedule_reaches_the_outbox_and_a_partner_answers_on_a_phone(  # type: ignore[no-untyped-def]
        browser, server, phone, factory, db, shots):
    counselor = factory.counselor(email="loop@example.com")
    practice = db.get(Practice, counselor.practice_id)
    practice.timezone = zone_past_nine()
    db.add(practice)
    db.commit()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))

    desk = new_context(browser, server)
    office = desk.new_page()
    sign_in(office, counselor.email)
    office.goto(f"/couples/{couple.id}")
    section = office.locator("#schedules")
    section.get_by_text("Nothing on a schedule yet.").wait_for()
    section.locator("#instrument_id").select_option("session-checkin")
    section.locator("#rule").select_option("once")
    assert section.locator("#starts_on").input_value() == datetime.now(ZoneInfo(practice.timezone)).date().isoformat()
    with office.expect_navigation():
        section.get_by_role("button", name="Add schedule").click()
    office.get_by_text("Schedule added.").wait_for()
    assert "Once, on " in office.locator("#schedules").inner_text()
    shoot(office, shots, "couple-schedules")

    office.get_by_role("link", name="Outbox").click()
    office.get_by_role("heading", name="Messages to pass on").wait_for()
    office.get_by_role("heading", name="For Maya Lee: first message").wait_for()
    link = office.locator("input[data-link-for='Maya Lee']").input_value()
    body = office.locator("article", has_text="For Maya Lee").locator("textarea").input_value()
    assert link in body and "Hello Maya" in body and "Before today's session" not in body
    shoot(office, shots, "outbox")
    hers_in_outbox = office.locator("article", has_text="For Maya Lee")
    with office.expect_navigation():
        hers_in_outbox.get_by_role("button", name=re.compile("passed it on")).click()
    office.get_by_text("Marked as passed on.").wait_for()

    # Maya, on her phone, opens the link she was given.
    hers = new_context(browser, server, phone=phone)
    mine = hers.new_page()
    mine.goto(link)
    mine.get_by_role("heading", name="Choose a passcode").wait_for()
    mine.get_by_label("New passcode").fill(PASSCODE)
    mine.get_by_label("Type it again").fill(PASSCODE)
    _moving_on(mine, "Set passcode and start")
    while mine.get_by_role("button", name="Save and continue", exact=True).count():
        answer_section(mine, 4)
        _moving_on(mine, "Save and continue")
    shoot(mine, shots, "scheduled-checkin-review-phone")
    mine.get_by_role("button", name="Send my answers").click()
    mine.get_by_role("heading", name=re.compile("Thank you")).wait_for()
    hers.close()

    office.goto(f"/couples/{couple.id}")
    sent = office.locator("section", has=office.get_by_role("heading", name="Questionnaires sent"))
    statuses = [r.inner_text() for r in sent.locator("tbody tr").all()]
    assert sorted("Submitted" in r for r in statuses) == [False, True]  # Maya's sent back, Daniel's still open
    assert all("Before today's session" in r for r in statuses)
    desk.close()
