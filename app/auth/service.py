"""Logging in and out, token checks, failed-login throttling, and managing counselors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from app.audit.service import record
from app.auth.models import AccessToken, Counselor, LoginFailure
from app.auth.schemas import CounselorCreate, CounselorUpdate
from app.auth.security import hash_password, new_token, token_hash, verify_password
from app.config import get_settings
from app.db import utcnow
from app.errors import Forbidden, InvalidField, NotFound, TooManyAttempts
from app.pagination import paged
from app.updates import apply_update


def _throttle_keys(email: str, address: str | None) -> list[str]:
    keys = [f"account:{email.strip().lower()}"]
    if address:
        keys.append(f"address:{address}")
    return keys


def check_throttle(session: Session, *, email: str, address: str | None) -> None:
    """Refuse (429) while an account or address has too many recent failures."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    since = utcnow() - window
    for key in _throttle_keys(email, address):
        rows = session.exec(
            select(LoginFailure.failed_at)
            .where(LoginFailure.key == key, col(LoginFailure.failed_at) > since)
            .order_by(col(LoginFailure.failed_at))
        ).all()
        if len(rows) >= settings.login_max_failures:
            oldest = rows[len(rows) - settings.login_max_failures]
            retry = int((oldest + window - utcnow()).total_seconds()) + 1
            raise TooManyAttempts(max(retry, 1))


def authenticate(
    session: Session, *, email: str, password: str, address: str | None
) -> Counselor | None:
    """The counselor for these credentials, or None after recording a failure.

    Commits once itself, on purpose: the read transaction ends before the deliberately
    slow password hash (~0.2 s of argon2), because on SQLite a write transaction holds
    the database's single writer lock and every other writer would wait on the hash.
    The caller must let its transaction commit even on failure, so the failure counts.
    """
    check_throttle(session, email=email, address=address)
    counselor = session.exec(
        select(Counselor).where(func.lower(Counselor.email) == email.strip().lower())
    ).first()
    stored_hash = counselor.password_hash if counselor else None
    session.commit()  # see the docstring: never hold the writer lock across the hash
    ok = verify_password(stored_hash, password)
    if counselor is None or not ok or not counselor.active:
        note_failure(session, email=email, address=address)
        return None
    if counselor.totp_enabled_at is None:
        # With two-factor on, the failures are cleared only once the code passes too, so a
        # right password can't reset the count of wrong codes.
        clear_failures(session, email=email)
    return counselor


def note_failure(session: Session, *, email: str, address: str | None) -> None:
    """Count a failed sign-in (a wrong password or a wrong second-factor code)."""
    for key in _throttle_keys(email, address):
        session.add(LoginFailure(key=key))
    session.flush()


def clear_failures(session: Session, *, email: str) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.key) == _throttle_keys(email, None)[0]))


def issue_token(session: Session, *, counselor: Counselor, kind: str = "api") -> str:
    settings = get_settings()
    minutes = settings.access_token_minutes if kind == "api" else settings.web_session_minutes
    token = new_token()
    session.add(
        AccessToken(
            counselor_id=counselor.id,
            token_hash=token_hash(token),
            kind=kind,
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    record(
        session,
        actor=counselor,
        practice_id=counselor.practice_id,
        action="login",
        entity="counselor",
        entity_id=counselor.id,
        detail={"kind": kind},
    )
    session.flush()
    return token


# Built once: every request runs it, and building an ORM statement costs more than running it.
_COUNSELOR_FOR_TOKEN = (
    select(Counselor)
    .join(AccessToken, col(AccessToken.counselor_id) == Counselor.id)
    .where(
        col(AccessToken.token_hash) == bindparam("token_hash"),
        col(AccessToken.kind) == bindparam("kind"),
        col(AccessToken.revoked_at).is_(None),
        col(AccessToken.expires_at) > bindparam("now"),
        col(Counselor.active).is_(True),
    )
)


def counselor_for_token(session: Session, *, token: str, kind: str) -> Counselor | None:
    """The active counselor owning an unexpired, unrevoked token of this kind."""
    params = {"token_hash": token_hash(token), "kind": kind, "now": utcnow()}
    return session.exec(_COUNSELOR_FOR_TOKEN, params=params).first()


def revoke_token(session: Session, *, token: str) -> None:
    row = session.exec(select(AccessToken).where(AccessToken.token_hash == token_hash(token))).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()


def own_tokens(session: Session, *, counselor: Counselor) -> list[AccessToken]:
    """The counselor's live browser sessions and API tokens, newest first."""
    return list(session.exec(
        select(AccessToken).where(
            col(AccessToken.counselor_id) == counselor.id, col(AccessToken.revoked_at).is_(None),
            col(AccessToken.expires_at) > utcnow())
        .order_by(col(AccessToken.created_at).desc(), col(AccessToken.id).desc())
    ).all())


def end_own_token(session: Session, *, counselor: Counselor, token_id: int) -> AccessToken:
    """Revoke one of the counselor's own sessions or tokens (404 for anyone else's)."""
    row = session.get(AccessToken, token_id)
    if row is None or row.counselor_id != counselor.id:
        raise NotFound("Session")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        record(session, actor=counselor, practice_id=counselor.practice_id, action="end_session",
               entity="counselor", entity_id=counselor.id, detail={"kind": row.kind})
        session.flush()
    return row


# --- counselors (staff) -------------------------------------------------------


def _require_owner(actor: Counselor) -> None:
    if not actor.is_owner:
        raise Forbidden("Only the practice owner can manage counselors")


def list_counselors(session: Session, *, actor: Counselor) -> list[Counselor]:
    query = select(Counselor).where(Counselor.practice_id == actor.practice_id)
    if not actor.is_owner:
        query = query.where(Counselor.active == True)  # noqa: E712
    return list(session.exec(query.order_by(Counselor.full_name)).all())


def page_counselors(
    session: Session, *, actor: Counselor, q: str | None, offset: int, limit: int
) -> tuple[list[Counselor], int]:
    """The practice's counselors for the API, searchable by name or email."""
    query = select(Counselor).where(Counselor.practice_id == actor.practice_id)
    if not actor.is_owner:
        query = query.where(Counselor.active == True)  # noqa: E712
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Counselor.full_name).like(pattern),
                                func.lower(Counselor.email).like(pattern)))
    return paged(session, query, order_by=(Counselor.full_name, Counselor.id), offset=offset, limit=limit)


def get_counselor(session: Session, *, actor: Counselor, counselor_id: int) -> Counselor:
    found = session.get(Counselor, counselor_id)
    if found is None or found.practice_id != actor.practice_id:
        raise NotFound("Counselor")
    return found


def create_counselor(
    session: Session, *, practice_id: int, data: CounselorCreate, actor: Counselor | None
) -> Counselor:
    """Add a counselor; ``actor`` None means the CLI (trusted, no role check)."""
    if actor is not None:
        _require_owner(actor)
    email = data.email.strip().lower()
    taken = session.exec(select(Counselor.id).where(func.lower(Counselor.email) == email)).first()
    if taken is not None:
        raise InvalidField("email", "A counselor with this email already exists")
    counselor = Counselor(
        practice_id=practice_id,
        email=email,
        full_name=data.full_name.strip(),
        role=data.role,
        password_hash=hash_password(data.password),
    )
    session.add(counselor)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same email
        raise InvalidField("email", "A counselor with this email already exists") from exc
    record(session, actor=actor, practice_id=practice_id, action="create", entity="counselor",
           entity_id=counselor.id, actor_kind="counselor" if actor else "system")
    return counselor


def update_counselor(
    session: Session, *, actor: Counselor, counselor_id: int, data: CounselorUpdate
) -> Counselor:
    _require_owner(actor)
    counselor = get_counselor(session, actor=actor, counselor_id=counselor_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if counselor.id == actor.id and (changes.get("role") == "counselor" or changes.get("active") is False):
        raise InvalidField("role", "An owner cannot demote or retire themselves")
    if "password" in changes:
        counselor.password_hash = hash_password(changes.pop("password"))
    if changes.get("active") is False:
        _revoke_all(session, counselor_id=counselor.id)
    apply_update(session, counselor, changes, actor=actor, practice_id=actor.practice_id, entity="counselor")
    return counselor


def _revoke_all(session: Session, *, counselor_id: int | None) -> None:
    tokens = session.exec(
        select(AccessToken).where(
            AccessToken.counselor_id == counselor_id, col(AccessToken.revoked_at).is_(None)
        )
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
        session.add(token)
