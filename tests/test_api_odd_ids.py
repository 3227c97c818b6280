"""Ids that can't exist are simply not found: never a validation or database error."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "01", "2147483648", "99999999999999999999"])
def test_impossible_ids_are_404(client, factory, raw):
    headers = factory.headers(factory.owner())
    for path in ("/api/v1/clients/{}", "/api/v1/couples/{}/sessions", "/api/v1/administrations/{}"):
        response = client.get(path.format(raw), headers=headers)
        assert response.status_code == 404, f"{path.format(raw)}: {response.status_code}"


def test_largest_possible_id_is_a_normal_not_found(client, factory):
    headers = factory.headers(factory.owner())
    response = client.get("/api/v1/clients/2147483647", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Client not found"}


def test_nul_characters_in_text_are_rejected_naming_the_field(client, factory):
    headers = factory.headers(factory.owner())
    response = client.post("/api/v1/clients", json={"first_name": "A\x00", "last_name": "B"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "first_name"]
