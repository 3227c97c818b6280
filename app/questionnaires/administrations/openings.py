"""What happened on each private link (openings, passcodes, locks), and what needs a look.

A client can't tell the counselor "someone else opened my link", so Mend does: every opening
is kept with a keyed hash of a random per-browser cookie (never an address or a user agent),
which is enough to say "opened in a second browser". Locks and failed passcodes show beside it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.security import sign
from app.db import add_when_done
from app.questionnaires.models import Administration, LinkEvent

BROWSER_COOKIE = "mend_b"
_BROWSER_COOKIE_CHARS = 43  # secrets.token_urlsafe(32)


def new_browser_cookie() -> str:
    return secrets.token_urlsafe(32)


def browser_key(cookie: str | None) -> str | None:
    """The keyed hash stored for a browser cookie; None when it isn't one of ours."""
    if not cookie or len(cookie) != _BROWSER_COOKIE_CHARS:
        return None
    return sign(f"q-browser|{cookie}")[:64]


def seen_before(session: Session, administration: Administration, browser: str | None) -> bool:
    """Whether this browser has opened this link before."""
    if browser is None:
        return False
    found = session.exec(select(LinkEvent.id).where(
        LinkEvent.administration_id == administration.id, LinkEvent.browser == browser).limit(1)).first()
    return found is not None


def note_link_event(
    session: Session, administration: Administration, kind: str, *, browser: str | None = None,
    new_browser: bool = False, detail: dict[str, object] | None = None,
) -> None:
    """Keep the event for the counselor's pages and in the audit log (never the passcode)."""
    add_when_done(session, LinkEvent(
        practice_id=administration.practice_id, administration_id=administration.id,  # type: ignore[arg-type]
        kind=kind, browser=browser, new_browser=new_browser,
    ))
    record(session, actor=None, practice_id=administration.practice_id, action=f"link_{kind}",
           entity="administration", entity_id=administration.id,
           detail={"new_browser": new_browser, **(detail or {})})


def _browsers_per_link():  # type: ignore[no-untyped-def]
    """How many different browsers opened each link, and when last: the one aggregate both
    the counselor's lists and the alerts read."""
    return (
        select(LinkEvent.administration_id, func.count(func.distinct(LinkEvent.browser)).label("n"),
               func.max(LinkEvent.at).label("last"))
        .where(LinkEvent.kind == "opened")
        .group_by(col(LinkEvent.administration_id))
    )


def opened_in_browsers(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """How many different browsers opened each of these links (one query for a whole list)."""
    if not ids:
        return {}
    rows = session.exec(_browsers_per_link().where(col(LinkEvent.administration_id).in_(ids))).all()
    return {administration_id: n for administration_id, n, _ in rows}


@dataclass(frozen=True)
class LinkAttention:
    """A link the counselor should know about: locked, passcodes failed, or a second browser."""

    administration_id: int
    client_id: int
    couple_id: int | None
    instrument_id: str
    locked_at: datetime | None
    failed_passcodes: int
    browsers: int
    last_opened_at: datetime | None

    @property
    def summary(self) -> str:
        """In the counselor's words, e.g. "Locked after 5 wrong passcodes · opened in 2 browsers"."""
        parts = []
        if self.locked_at is not None:
            parts.append(f"Locked after {self.failed_passcodes} wrong passcodes; send a new link to unlock")
        elif self.failed_passcodes:
            parts.append(f"{self.failed_passcodes} wrong passcode{'s' if self.failed_passcodes != 1 else ''}")
        if self.browsers > 1:
            parts.append(f"opened in {self.browsers} different browsers")
        return " · ".join(parts)


def link_attention(session: Session, *, where: Sequence[ColumnElement[bool]]) -> list[LinkAttention]:
    """Open links (not submitted or revoked) matching ``where`` that need a look, newest first.

    ``where`` are conditions on ``Administration`` (the caller's scope: practice, caseload,
    couple or client). Two queries whatever the number of links.
    """
    browsers = _browsers_per_link().subquery()
    rows = session.exec(
        select(Administration, browsers.c.n, browsers.c.last)
        .join(browsers, browsers.c.administration_id == Administration.id, isouter=True)
        .where(*where, col(Administration.status).not_in(("submitted", "revoked")),
               (col(Administration.locked_at).is_not(None)) | (col(Administration.passcode_failures) > 0)
               | (func.coalesce(browsers.c.n, 0) > 1))
        .order_by(col(Administration.id).desc())
    ).all()
    return [
        LinkAttention(
            administration_id=a.id, client_id=a.client_id, couple_id=a.couple_id,  # type: ignore[arg-type]
            instrument_id=a.instrument_id, locked_at=a.locked_at, failed_passcodes=a.passcode_failures,
            browsers=n or 0, last_opened_at=last,
        )
        for a, n, last in rows
    ]
