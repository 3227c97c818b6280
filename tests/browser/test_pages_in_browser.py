"""Smaller checks in real Chromium: errors a person can act on, and what must stay closed."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import new_context, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_wrong_password_shows_an_error(browser, server, factory):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="pw@example.com")
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, counselor.email, password="not the password")
    page.get_by_role("alert").get_by_text("don't match").wait_for()
    assert page.get_by_label("Email address").input_value() == counselor.email
    context.close()


def test_a_form_error_keeps_what_was_typed(browser, server, factory, shots):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="form@example.com")
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, counselor.email)
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Ines")
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_role("button", name="Add client").click()
    page.locator(".error-summary").wait_for()
    assert page.locator("#last_name-error").inner_text().endswith("This is required")
    assert page.get_by_label("First name").input_value() == "Ines"
    assert page.get_by_label("Pronouns").input_value() == "she/her"
    shoot(page, shots, "form-error")
    page.locator(".error-summary a").first.click()  # the summary links to the field
    assert page.evaluate("document.activeElement.id") == "last_name"
    context.close()


def test_a_revoked_link_shows_the_calm_invalid_page(browser, server, phone, factory):  # type: ignore[no-untyped-def]
    counselor = factory.counselor(email="revoke@example.com")
    couple = factory.couple(counselor)
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, counselor.email)
    page.goto(f"/couples/{couple.id}/send")
    page.locator(f"#client_{couple.partner_b_id}").uncheck()
    page.get_by_role("button", name="Create links").click()
    link = page.locator(".link-field").first.input_value()
    page.goto(f"/couples/{couple.id}")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("The link was revoked").wait_for()
    client_context = new_context(browser, server, phone=phone)
    client_page = client_context.new_page()
    response = client_page.goto(link)
    assert response is not None and response.status == 404
    client_page.get_by_role("heading", name="This link can't be used").wait_for()
    assert "Jamie" not in client_page.content()
    client_context.close()
    context.close()


def test_another_practice_couple_is_not_found(browser, server, factory):  # type: ignore[no-untyped-def]
    theirs = factory.couple(factory.owner())
    counselor = factory.counselor(email="iso@example.com")
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, counselor.email)
    page.get_by_role("heading", level=1, name=re.compile("^Today")).wait_for()
    response = page.goto(f"/couples/{theirs.id}")
    assert response is not None and response.status == 404
    page.get_by_role("heading", name="Page not found").wait_for()
    assert "Jamie" not in page.content()
    context.close()
