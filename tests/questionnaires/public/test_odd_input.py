"""Odd input at the public form and the answers API: a clear answer, never a 500."""

from __future__ import annotations

from tests.questionnaires.helpers import csrf_of, give, open_form, trust

HUGE = "9" * 5000


def _opened(client, factory):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya", last="Okafor")
    created = give(client, factory.headers(counselor), maya.id)
    open_form(client, created["link"])
    return counselor, created


def test_a_five_thousand_digit_answer_is_an_error_message_and_keeps_the_page(client, factory):
    _opened(client, factory)
    page = client.get("/q/form")
    section = trust().sections[0]
    first, second = section.items[0].id, section.items[1].id
    response = client.post("/q/form", data={"_csrf": csrf_of(page.text), "_section": section.id,
                                            "_action": "next", first: HUGE, second: "4"})
    assert response.status_code == 422
    assert f'id="f-{second}-3" value="4" checked' in response.text  # what was typed is kept


def test_odd_page_numbers_fall_back_to_where_the_client_left_off(client, factory):
    _opened(client, factory)
    for page in ("²", "٣", "9" * 10, "0", "-1"):
        response = client.get("/q/form", params={"page": page})
        assert response.status_code == 200, page
        assert f"Section 1 of {len(trust().sections) + 1}" in response.text
    assert client.get("/q/form", params={"page": "9" * 400}).status_code == 400  # too long to be a page


def test_forged_cookies_get_the_calm_invalid_page(client, factory):
    calm = client.get("/q/not-a-real-token-at-all")
    for value in (f"1.{HUGE}.o.x", "99999999999999999999.99999999999.o.x", "1.2", "a.b.c", "1.9999999999.z.x"):
        client.cookies.set("mend_q", value, path="/q")
        response = client.get("/q/form")
        assert response.status_code == calm.status_code, value
        assert response.text == calm.text
        client.cookies.clear()


def test_huge_numbers_through_the_api_are_422_naming_the_item(client, factory, db):
    counselor = factory.counselor()
    maya = factory.client(counselor)
    headers = factory.headers(counselor)
    created = client.post("/api/v1/administrations", json={"client_id": maya.id, "instrument_id": "trust-rebuilding",
                                                           "mode": "in_session"}, headers=headers).json()
    item = trust().sections[0].items[0].id
    response = client.put(f"/api/v1/administrations/{created['id']}/answers",
                          json={"answers": {item: HUGE}}, headers=headers)
    assert response.status_code == 422
    assert item in str(response.json()["detail"])
