"""The whole journey in real Chromium: counselor, two partners on phones, the PDF report."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.pages import (
    DESKTOP,
    PHONE,
    add_client,
    answer_section,
    new_context,
    section_number,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _create_couple(page: Any) -> str:
    """Two clients, then the couple; returns the couple page's path."""
    add_client(page, "Maya", "Okafor", "maya@example.com")
    add_client(page, "Jonah", "Okafor", "jonah@example.com")
    page.goto("/couples/new")
    page.locator("#a_client_id").select_option(label="Okafor, Maya")
    page.locator("#b_client_id").select_option(label="Okafor, Jonah")
    page.get_by_label("What is the couple working on?").select_option("infidelity")
    page.get_by_label("Summary").fill("Affair disclosed in January; both want to rebuild.")
    page.get_by_role("button", name="Add couple").click()
    page.get_by_text("Couple added.").wait_for()
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def _record_and_sign_session(page: Any, couple_path: str) -> str:
    page.goto(couple_path)
    page.get_by_role("link", name="Record a session").click()
    page.get_by_label("Data").fill("Both partners attended. Maya described the discovery.")
    page.get_by_role("button", name="Save session").click()
    page.get_by_text("Session recorded.").wait_for()
    page.get_by_label("Assessment").fill("High distress, shared wish to continue.")
    page.get_by_label("Plan").fill("Transparency agreement; assessment for both.")
    page.get_by_label("I have reviewed this note and it is complete").check()
    page.get_by_role("button", name="Save and sign").click()
    page.get_by_text("Note signed.").wait_for()
    assert page.locator("#note-form").count() == 0  # locked: the editor is gone
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def _add_agreement(page: Any, couple_path: str) -> None:
    page.goto(couple_path)
    page.get_by_role("link", name="Add an agreement").click()
    page.get_by_label("Kind").select_option("transparency_practice")
    page.get_by_label("Agreement", exact=True).fill("Phones open to each other")
    page.get_by_role("button", name="Add agreement").click()
    page.get_by_text("Agreement added.").wait_for()


def _send_assessment(page: Any, couple_path: str) -> dict[str, str]:
    """Send the trust-rebuilding assessment to both partners; the links, by first name."""
    page.goto(couple_path)
    page.get_by_role("link", name="Send a questionnaire").click()
    page.get_by_label(re.compile("Trust Rebuilding Inventory")).check()
    page.get_by_role("button", name="Create links").click()
    page.get_by_text("Copy each link into a private message").wait_for()
    links = {}
    for field in page.locator(".link-field").all():
        links[field.get_attribute("data-link-for").split()[0]] = field.input_value()
    assert set(links) == {"Maya", "Jonah"}
    return links


def _partner_answers(browser: Any, base_url: str, phone: dict[str, Any], link: str, value: int,
                     shots: Path, name: str) -> None:
    """A passcode, half the sections on one phone, close it, reopen the link, resume and finish."""
    passcode = f"{name} private words"
    first = new_context(browser, base_url, phone=phone)
    page = first.new_page()
    page.goto(link)
    page.get_by_label("New passcode").fill(passcode)
    page.get_by_label("Type it again").fill(passcode)
    _moving_on(page, "Set passcode and start")
    total = int(section_number(page).split()[-1])  # the sections plus the final "check your answers" step
    sections = total - 1
    half = (sections + 1) // 2
    for _ in range(half):
        answer_section(page, value)
        if name == "maya" and section_number(page).startswith("Section 1 "):
            shoot(page, shots, "phone-form-page")
        _moving_on(page, "Save and continue")
    first.close()

    second = new_context(browser, base_url, phone=phone)
    page = second.new_page()
    page.goto(link)
    page.get_by_label("Passcode").fill(passcode)
    _moving_on(page, "Continue")
    assert section_number(page) == f"Section {half + 1} of {total}"  # resumed where they left off
    _moving_on(page, "Back")
    checked = page.locator(f"fieldset.question input[value='{value}']:checked")
    assert checked.count() == page.locator("fieldset.question").count()  # answers were kept
    _moving_on(page, "Save and continue")
    for _ in range(sections - half):
        answer_section(page, value)
        _moving_on(page, "Save and continue")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name=re.compile("Thank you")).wait_for()
    second.close()


def _moving_on(page: Any, button: str) -> None:
    """Press a form button and wait for the next page (the form's script replaces this one)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def _download_report(page: Any, couple_path: str, shots: Path) -> str:
    page.goto(f"{couple_path}/report")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Confidential").first.wait_for()
    shoot(page, shots, "report-preview")
    page.goto(f"{couple_path}/report")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download PDF").click()
    data = Path(info.value.path()).read_bytes()
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_whole_journey(browser, server, phone, factory, shots):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="casey@example.com", name="Casey Counselor")
    context = new_context(browser, server)
    page = context.new_page()
    page.goto("/login")
    shoot(page, shots, "login")
    sign_in(page, counselor.email)
    page.get_by_role("heading", level=1, name=re.compile("^Today")).wait_for()

    couple_path = _create_couple(page)
    session_path = _record_and_sign_session(page, couple_path)
    _add_agreement(page, couple_path)
    links = _send_assessment(page, couple_path)

    _partner_answers(browser, server, phone, links["Maya"], 4, shots, "maya")
    _partner_answers(browser, server, phone, links["Jonah"], 2, shots, "jonah")

    page.goto(couple_path)
    scores = page.locator(".score-table")
    scores.wait_for()
    table = scores.inner_text()
    assert "Maya" in table and "Jonah" in table and "Transparency" in table
    assert page.locator("svg[role=img]").count() >= 3
    text = _download_report(page, couple_path, shots)
    for expected in ("Maya", "Jonah", "Page 1 of", "Transparency", "Confidential"):
        assert expected in text, expected

    _look_at_pages(browser, server, counselor.email, couple_path, session_path, shots)
    context.close()


def _look_at_pages(browser: Any, base_url: str, email: str, couple_path: str, session_path: str,
                   shots: Path) -> None:
    """Screenshots of the main pages at desktop and phone size, for people to review."""
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = new_context(browser, base_url, phone={"viewport": viewport})
        page = context.new_page()
        sign_in(page, email)
        page.get_by_role("heading", level=1, name=re.compile("^Today")).wait_for()
        for name, path in (("dashboard", "/dashboard"), ("couple", couple_path), ("session", session_path)):
            page.goto(path)
            shoot(page, shots, f"{name}-{size}")
        context.close()
