"""The API does what its OpenAPI document says: schemathesis fuzzes every operation of the app's
own ``/openapi.json`` with a real token on a seeded database.

Each operation is one test with a fresh seed (the database is emptied after every test), so an
operation that deletes or changes its record affects only its own later examples, which then
meet a documented 404 or 409. Examples are few, derandomized and without a deadline, so the run
is repeatable and fits CI; the figures (operations, test cases, failures) print at the end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.instruments.catalog import default_catalog
from app.main import create_app
from app.questionnaires.models import Administration

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 15

app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)

FIGURES = {"operations": set(), "cases": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures(request) -> Iterator[None]:
    """Print the run's figures: operations, test cases sent (Hypothesis replays included), and
    operations that failed."""
    failed_before = request.session.testsfailed
    yield
    failures = request.session.testsfailed - failed_before
    line = (f"schemathesis: {len(FIGURES['operations'])} operations, {FIGURES['cases']} test cases, "
            f"{failures} failing operations")
    print("\n" + line)


@pytest.fixture
def seeded(factory) -> dict:
    """A practice with an owner and a couple: sessions (draft and signed), an agreement and an
    administration; the ids every ``{..._id}`` path parameter may be pointed at."""
    owner = factory.owner()
    couple = factory.couple(owner)
    draft = factory.therapy_session(couple)
    factory.therapy_session(couple, status="signed", days_ago=14)
    agreement = factory.agreement(couple)
    trust = default_catalog().latest("trust-rebuilding")
    given = factory._save(Administration(
        practice_id=owner.practice_id, client_id=couple.partner_a_id, couple_id=couple.id,
        counselor_id=owner.id, instrument_id=trust.id, instrument_version=trust.version,
        definition_checksum=trust.checksum, mode="in_session"))
    return {
        "headers": factory.headers(owner),
        "ids": {"couple_id": couple.id, "client_id": couple.partner_a_id, "session_id": draft.id,
                "agreement_id": agreement.id, "administration_id": given.id,
                "counselor_id": owner.id},
    }


@schema.parametrize()
@schema.given(real_ids=st.booleans())
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_document(case, real_ids, seeded):
    if real_ids:  # half the examples address the seeded records, not only ids that don't exist
        for name in list(case.path_parameters or {}):
            if name in seeded["ids"]:
                case.path_parameters[name] = seeded["ids"][name]
    FIGURES["operations"].add(f"{case.method} {case.path}")
    FIGURES["cases"] += 1
    case.call_and_validate(headers=seeded["headers"], checks=CHECKS)


def _operations() -> list[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method, op in ops.items()
            if "401" in op["responses"] and path != "/api/v1/auth/token"]


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_every_operation_behind_a_token_answers_401_without_one(client, token):
    """No token or a wrong one: the documented 401 and its body, before any parameter is read."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for method, path in _operations():
        response = client.request(method, _with_ids(path), headers=headers)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json() == {"detail": response.json()["detail"]}
        assert isinstance(response.json()["detail"], str)


def _with_ids(path: str) -> str:
    import re

    return re.sub(r"\{[a-z_]+\}", "1", path)


@pytest.mark.parametrize("query", ["client_id=-44105466658243032907776", "couple_id=0",
                                   "client_id=2147483648", "client_id=abc"])
def test_ids_in_a_query_that_cannot_exist_are_a_documented_422(client, factory, query):
    response = client.get(f"/api/v1/sessions?{query}", headers=factory.headers(factory.owner()))
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["query", query.split("=")[0]]
    assert {"msg", "type"} <= set(item)


def test_a_domain_rule_broken_is_the_same_422_body(client, factory):
    """An InvalidField from a service has the shape of FastAPI's own validation errors."""
    me = factory.owner()
    couple = factory.couple(me)
    response = client.patch(f"/api/v1/couples/{couple.id}", headers=factory.headers(me),
                            json={"disclosed_on": "2030-01-01"})
    assert response.status_code == 422, response.text
    [item] = response.json()["detail"]
    assert item["loc"][0] == "body" and item["type"] == "value_error" and item["msg"]


def test_every_error_status_is_declared_with_one_of_the_two_bodies():
    document = app.openapi()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if int(status) < 400:
                    continue
                schema = answer["content"]["application/json"]["schema"]
                expected = "ValidationErrorBody" if status == "422" else "ErrorMessage"
                assert schema == {"$ref": f"#/components/schemas/{expected}"}, (method, path, status)
                assert list(answer["content"]) == ["application/json"], (method, path, status)
