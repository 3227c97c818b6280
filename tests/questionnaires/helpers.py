"""Shared steps for questionnaire tests: giving a questionnaire, walking the public form."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.auth.models import Counselor
from app.db import utcnow
from app.instruments.catalog import default_catalog
from app.instruments.models import Definition
from app.questionnaires.administrations import service
from app.questionnaires.models import Administration
from app.questionnaires.schemas import AdministrationCreate
from app.questionnaires.submission import answering

TRUST = "trust-rebuilding"
PASSCODE = "quiet harbour 7"
_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def trust() -> Definition:
    return default_catalog().latest(TRUST)


def give(http: Any, headers: dict[str, str], client_id: int, **extra: Any) -> dict[str, Any]:
    """POST /administrations and return the JSON (asserting it worked)."""
    body = {"client_id": client_id, "instrument_id": TRUST, **extra}
    response = http.post("/api/v1/administrations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def path_of(link: str) -> str:
    """``http://testserver/q/abc`` -> ``/q/abc`` (TestClient and a live server both take paths)."""
    return "/q/" + link.rsplit("/q/", 1)[1]


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def uniform_answers(definition: Definition, value: int) -> dict[str, int]:
    """Every scale item answered with the same point."""
    return {item.id: value for item in definition.items if item.type == "scale"}


def calm_answers(definition: Definition, value: int) -> dict[str, int]:
    """``uniform_answers`` with every safety-indicator item at its calmest point (1), so only
    what a test sets on purpose raises a safety flag."""
    answers = uniform_answers(definition, value)
    for indicator in definition.indicators.values():
        answers.update({item_id: 1 for item_id in indicator.items})
    return answers


def fear_item(definition: Definition) -> str:
    """The first safety-indicator item ("I feel afraid of my partner." in v2; es4 in v1)."""
    if definition.indicators:
        return definition.indicators["safety"].items[0]
    return "es4"


def section_form(definition: Definition, section_index: int, answers: dict[str, Any]) -> dict[str, Any]:
    section = definition.sections[section_index]
    return {item.id: str(answers[item.id]) for item in section.items if item.id in answers}


def post_section(http: Any, html: str, definition: Definition, index: int, answers: dict[str, Any],
                 action: str = "next") -> Any:
    data = {"_csrf": csrf_of(html), "_section": definition.sections[index].id, "_action": action,
            **section_form(definition, index, answers)}
    return http.post("/q/form", data=data, follow_redirects=False)


def open_form(http: Any, link: str, passcode: str = PASSCODE, code: str | None = None) -> Any:
    """Open the link as its client would: the link, then choose (first time, with the counselor's
    one-time ``code`` after a reset) or give the passcode.

    Returns the first form page (``GET /q/form`` once the passcode is through)."""
    opened = http.get(path_of(link), follow_redirects=False)
    assert opened.status_code == 303, opened.text
    gate = http.get("/q/form")
    assert gate.status_code == 200, gate.text
    if 'action="/q/passcode"' not in gate.text:
        return gate  # this browser gave the passcode a moment ago: the form carries on
    data = {"_csrf": csrf_of(gate.text), "passcode": passcode}
    if 'name="again"' in gate.text:
        data["again"] = passcode
    if code is not None:
        data["code"] = code
    through = http.post("/q/passcode", data=data, follow_redirects=False)
    assert through.status_code == 303, through.text
    page = http.get("/q/form")
    assert page.status_code == 200
    return page


def fill_in_link(http: Any, link: str, answers: dict[str, Any], *, submit: bool = True) -> Any:
    """Open the link, save every section and (optionally) submit; returns the last response."""
    definition = trust()
    page = open_form(http, link)
    for index in range(len(definition.sections)):
        saved = post_section(http, page.text, definition, index, answers)
        assert saved.status_code == 303, saved.text
        page = http.get(saved.headers["location"])
        assert page.status_code == 200
    if not submit:
        return page
    sent = http.post("/q/form", data={"_csrf": csrf_of(page.text), "_section": "_review", "_action": "submit"},
                     follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return http.get("/q/form")


def submitted_in_session(
    db: Session, counselor: Counselor, client_id: int, answers: dict[str, Any], *,
    couple_id: int | None = None, days_ago: float = 0,
) -> Administration:
    """Create, answer and submit through the service (as in-session entry), then backdate it."""
    data = AdministrationCreate(client_id=client_id, couple_id=couple_id, instrument_id=TRUST, mode="in_session")
    administration, _ = service.create_administration(db, actor=counselor, data=data)
    answering.save_in_session(db, actor=counselor, administration_id=administration.id, answers=answers)
    answering.submit_in_session(db, actor=counselor, administration_id=administration.id)
    administration.submitted_at = utcnow() - timedelta(days=days_ago)
    db.add(administration)
    db.commit()
    return administration
