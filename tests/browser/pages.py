"""Small Playwright helpers shared by the browser tests (what a person does, step by step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.factories import PASSWORD

TIMEOUT_MS = 20_000  # generous: a cold server, argon2 and WeasyPrint all take time
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def new_context(browser: Any, base_url: str, *, phone: dict[str, Any] | None = None) -> Any:
    """A fresh browser profile (no cookies): desktop by default, or a phone's settings."""
    options = dict(phone) if phone else {"viewport": DESKTOP}
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def add_client(page: Any, first: str, last: str, email: str) -> None:
    page.goto("/clients/new")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Add client").click()
    page.get_by_text("Client added.").wait_for()


def answer_section(page: Any, value: int) -> None:
    """Answer every question on the current questionnaire page with ``value`` (or the first choice)."""
    questions = page.locator("fieldset.question")
    for index in range(questions.count()):
        question = questions.nth(index)
        preferred = question.locator(f"input[value='{value}']")
        choice = preferred if preferred.count() else question.locator("input").first
        choice.check()


def section_number(page: Any) -> str:
    return page.locator(".progress-text").inner_text()
