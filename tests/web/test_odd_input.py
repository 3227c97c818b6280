"""Odd numbers in page URLs and forms: a normal page or a 404, never a 500."""

from __future__ import annotations

from tests.web.conftest import Browser


def test_odd_page_and_filter_numbers(client, factory):
    me = factory.counselor()
    browser = Browser(client, me)
    for url in ("/clients?page=%C2%B2", "/clients?page=0", "/clients?page=" + "9" * 60,
                "/sessions?couple=%C2%B2", "/sessions?couple=99999999999", "/audit?page=-1"):
        response = browser.get(url)
        assert response.status_code in (200, 403), f"{url}: {response.status_code}"


def test_impossible_ids_in_page_urls_are_404(client, factory):
    browser = Browser(client, factory.counselor())
    for url in ("/couples/99999999999", "/clients/2147483648", "/sessions/abc", "/couples/0"):
        assert browser.get(url).status_code == 404, url


def test_odd_attendee_ids_are_a_form_error(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    response = browser.post(f"/couples/{couple.id}/sessions/new", {
        "starts_at": "2026-11-01T10:00", "duration_minutes": "50", "modality": "in_person",
        "attendee_ids": "²"})
    assert response.status_code == 422
    assert "Tick who attended" in response.text
