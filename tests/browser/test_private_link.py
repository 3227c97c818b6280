"""A partner's link in real Chromium: the passcode, the other partner with the link, the lock,
resuming with a new link, and leaving quickly without a form page left in history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.pages import answer_section, new_context, section_number, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSCODE = "blue kettle 42"


def _links(page: Any, couple_id: int) -> dict[str, str]:
    page.goto(f"/couples/{couple_id}/send")
    page.get_by_label(re.compile("Trust Rebuilding Inventory")).check()
    page.get_by_role("button", name="Create links").click()
    page.get_by_text("Copy each link into a private message").wait_for()
    return {f.get_attribute("data-link-for").split()[0]: f.input_value() for f in page.locator(".link-field").all()}


def _save_and_continue(page: Any, value: int) -> None:
    answer_section(page, value)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()


def _choose_passcode(page: Any, passcode: str, code: str | None = None) -> None:
    page.get_by_role("heading", name="Choose a passcode").wait_for()
    if code is not None:
        page.get_by_label("Code from your counselor").fill(code)
    page.get_by_label("New passcode").fill(passcode)
    page.get_by_label("Type it again").fill(passcode)
    with page.expect_navigation():
        page.get_by_role("button", name="Set passcode and start").click()


def _history(page: Any) -> list[str]:
    """Every entry of the tab's history, by going back to the start and forward again."""
    length = page.evaluate("history.length")
    for _ in range(length - 1):
        page.go_back()
    seen = [page.content()]
    for _ in range(length - 1):
        page.go_forward()
        seen.append(page.content())
    return seen


def test_the_link_alone_is_not_enough(browser, server, phone, factory, shots):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="passcode@example.com")
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    desk = new_context(browser, server)
    office = desk.new_page()
    sign_in(office, counselor.email)
    links = _links(office, couple.id)

    # Maya, on her phone: a passcode first, then half the questionnaire.
    hers = new_context(browser, server, phone=phone)
    mine = hers.new_page()
    mine.goto(links["Maya"])
    shoot(mine, shots, "passcode-choose-phone")
    _choose_passcode(mine, PASSCODE)
    assert section_number(mine).startswith("Section 1 ")
    _save_and_continue(mine, 4)
    _save_and_continue(mine, 4)
    question_texts = [t.strip() for t in mine.locator("legend.question-text").all_inner_texts()]
    hers.close()

    # Daniel opens her link in his own browser: the passcode page, and nothing of hers.
    his = new_context(browser, server, phone=phone)
    other = his.new_page()
    other.goto(links["Maya"])
    other.get_by_role("heading", name="Enter your passcode").wait_for()
    shoot(other, shots, "passcode-enter-phone")
    html = other.content()
    for hidden in ("Maya", "Daniel", "Lee", "Trust Rebuilding", "checked", *question_texts[:3]):
        assert hidden not in html, hidden
    for attempt in range(5):
        other.get_by_label("Passcode").fill(f"guess {attempt}")
        other.get_by_role("button", name="Continue").click()  # shown again in place: no navigation
        if attempt < 4:
            other.locator(".field-error").get_by_text(f"{4 - attempt} tr").wait_for()
    other.get_by_role("heading", name="This link is locked").wait_for()
    shoot(other, shots, "link-locked-phone")
    assert "Maya" not in other.content()
    his.close()

    # The counselor's couple page says so, and a new link unlocks it, with a one-time code the
    # counselor tells Maya themselves (the link may be read by whoever reads her email).
    office.goto(f"/couples/{couple.id}")
    office.get_by_text(re.compile("locked after 5 wrong passcodes", re.IGNORECASE)).first.wait_for()
    shoot(office, shots, "couple-page-link-locked")
    new_link, code = _resend(office, couple.id)
    shoot(office, shots, "new-link-with-code")

    # Maya resumes on her phone: she clicks the link in her email (a cross-site click), gives
    # the code and a new passcode, and carries on where she left off.
    hers = new_context(browser, server, phone=phone)
    mine = hers.new_page()
    mine.set_content(f'<p>From your counselor: <a href="{new_link}">your questionnaire</a></p>')
    with mine.expect_navigation():
        mine.get_by_role("link", name="your questionnaire").click()
    _choose_passcode(mine, "green kettle 43", code=code)
    assert section_number(mine).startswith("Section 3 ")
    mine.get_by_role("link", name="Leave quickly").click()
    mine.get_by_role("heading", name="Page closed").wait_for()
    shoot(mine, shots, "left-quickly-phone")
    entries = _history(mine)
    assert len(entries) == 2  # about:blank and the neutral page: the form's pages were replaced
    for entry in entries:
        assert "Section" not in entry and "passcode" not in entry.lower() and "Maya" not in entry
    # And the form is closed in that tab: the address bar's Back and a reload show nothing of it.
    mine.goto("/q/form")
    mine.get_by_role("heading", name="This link can't be used").wait_for()
    hers.close()
    desk.close()


def _resend(page: Any, couple_id: int) -> tuple[str, str]:
    """Send Maya a new link from the couple page; returns it and the one-time code shown with it."""
    page.goto(f"/couples/{couple_id}")
    page.get_by_role("button", name=re.compile("Send a new link")).first.click()
    field = page.locator(".link-field").first
    field.wait_for()
    return field.input_value(), page.locator(".reset-code .code").first.inner_text()
