"""Character counters in real Chromium: the count follows typing, is the field's description,
speaks politely only near the limit, and never lets typing pass the maxlength; on a counselor
page and on the client's public form (under its own CSP)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from app.questionnaires.administrations import service
from app.questionnaires.schemas import AdministrationCreate
from tests.browser.pages import new_context, sign_in


def _described_by(page: Any, selector: str) -> str:
    """The text of every element the field's aria-describedby names, in order."""
    return page.eval_on_selector(selector, """field => field.getAttribute('aria-describedby').split(' ')
        .map(id => document.getElementById(id).textContent.trim()).join(' | ')""")


def test_counter_on_a_counselor_page(browser, server, factory):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="counter@example.com")
    context = new_context(browser, server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # a script error would show here
    sign_in(page, counselor.email)
    page.goto("/couples/new")
    summary = page.get_by_label("Summary")  # the accessible name is still the label
    expect(summary).to_have_attribute("maxlength", "2000")
    count = page.locator("#breach_summary-count")
    expect(count).to_have_text("0 of 2,000 characters")
    summary.press_sequentially("Hello")
    expect(count).to_have_text("5 of 2,000 characters")
    expect(summary).to_have_accessible_description(re.compile("5 of 2,000 characters"))
    assert _described_by(page, "#breach_summary").endswith("5 of 2,000 characters")
    live = page.locator("#breach_summary-count-live")
    expect(live).to_have_attribute("aria-live", "polite")
    page.wait_for_timeout(1300)
    expect(live).to_have_text("")  # far from the limit: nothing is spoken
    summary.fill("x" * 1995)
    summary.press_sequentially("ab")
    expect(count).to_have_text("1,997 of 2,000 characters")
    expect(live).to_have_text("3 characters left")  # once typing pauses
    summary.press_sequentially("abcdef")  # the maxlength still stops typing at the limit
    expect(count).to_have_text("2,000 of 2,000 characters")
    expect(live).to_have_text("Limit reached: 2,000 characters")
    assert len(summary.input_value()) == 2000
    assert not errors, errors
    context.close()


def test_counter_on_the_clients_public_form(browser, server, factory, db):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="counter-form@example.com")
    couple = factory.couple(counselor)
    _, link = service.create_administration(db, actor=counselor, data=AdministrationCreate(
        client_id=couple.partner_a_id, couple_id=couple.id, instrument_id="session-checkin"))
    db.commit()
    assert link is not None
    context = new_context(browser, server)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(link[link.index("/q/"):])
    page.get_by_role("heading", name="Choose a passcode").wait_for()
    page.get_by_label("New passcode").fill("blue harbour 12")
    page.get_by_label("Type it again").fill("blue harbour 12")
    with page.expect_navigation():
        page.get_by_role("button", name="Set passcode and start").click()
    answer = page.locator("textarea[name=topic_today]")
    expect(answer).to_have_attribute("maxlength", "1000")
    count = page.locator("#f-topic_today-count")
    expect(count).to_have_text("0 of 1,000 characters")
    answer.press_sequentially("The week")
    expect(count).to_have_text("8 of 1,000 characters")
    expect(answer).to_have_accessible_description(re.compile("8 of 1,000 characters"))
    expect(page.locator("#f-topic_today-count-live")).to_have_attribute("aria-live", "polite")
    assert not blocked, blocked  # the form's CSP lets the counter run
    context.close()
