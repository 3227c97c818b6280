"""Two-factor sign-in (TOTP, RFC 6238) and one-time recovery codes.

* The secret is kept on the counselor (``totp_secret``) from the start of enrolment; two-factor
  is on once a first code confirmed it (``totp_enabled_at``).
* A code is accepted for the current 30-second step or one step either side (clock drift), and
  only for a step later than ``totp_last_step``: the step is moved on by a conditional UPDATE, so
  one code can't sign in twice, even by two requests at once.
* Recovery codes are 80 random bits (16 base32 characters, shown in groups of four), stored
  only as SHA-256: enough entropy that the hash can't be searched, and a hash lookup rather than
  ten argon2 checks. Each works once (``used_at``, also a conditional UPDATE).
* Between the password and the code there is no session: the sign-in form carries a *pending*
  value, an HMAC with the app secret over the counselor, an expiry of ``PENDING_SECONDS`` and
  their password hash (a password change voids it).
* Wrong codes are failed sign-ins: they add ``LoginFailure`` rows under the same keys as a wrong
  password (``service.note_failure``), so the password throttle limits them too.

The practice's requirement (``Practice.require_two_factor``) is read through a table clause:
``app.auth`` sits below ``app.practice`` and may not import it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from base64 import b32encode

import pyotp
import sqlalchemy as sa
from sqlmodel import Session, col, delete, select, update

from app.audit.service import record
from app.auth.models import Counselor, RecoveryCode
from app.auth.security import same_secret, sign
from app.db import utcnow

ISSUER = "Mend"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
PENDING_SECONDS = 5 * 60

_practice = sa.table("practice", sa.column("id"), sa.column("require_two_factor"))


def _now() -> float:
    """The clock for codes (tests replace it)."""
    return time.time()


def is_enabled(counselor: Counselor) -> bool:
    return counselor.totp_enabled_at is not None and bool(counselor.totp_secret)


def practice_requires(session: Session, practice_id: int) -> bool:
    found = session.exec(
        select(_practice.c.require_two_factor).where(_practice.c.id == practice_id)  # type: ignore[call-overload]
    ).first()
    return bool(found)


def must_enrol(session: Session, counselor: Counselor) -> bool:
    """The practice requires two-factor and this counselor hasn't turned it on."""
    return not is_enabled(counselor) and practice_requires(session, counselor.practice_id)


# --- enrolment ------------------------------------------------------------------------


def provisioning_uri(counselor: Counselor) -> str:
    assert counselor.totp_secret
    return pyotp.TOTP(counselor.totp_secret).provisioning_uri(name=counselor.email, issuer_name=ISSUER)


def start_enrolment(session: Session, *, counselor: Counselor) -> None:
    """A new secret, not yet in force (any earlier unconfirmed one is replaced)."""
    if is_enabled(counselor):
        return
    counselor.totp_secret = pyotp.random_base32()
    counselor.totp_last_step = None
    session.add(counselor)
    session.flush()


def confirm_enrolment(session: Session, *, counselor: Counselor, code: str) -> list[str] | None:
    """Turn two-factor on with a first code; the ten recovery codes, or None if the code is wrong."""
    if is_enabled(counselor) or not counselor.totp_secret:
        return None
    if not _take_totp_step(session, counselor, code):
        return None
    counselor.totp_enabled_at = utcnow()
    session.add(counselor)
    codes = _replace_recovery_codes(session, counselor)
    record(session, actor=counselor, practice_id=counselor.practice_id, action="two_factor_enabled",
           entity="counselor", entity_id=counselor.id)
    session.flush()
    return codes


def disable(session: Session, *, counselor: Counselor) -> None:
    """Turn two-factor off (the caller checked a code or the password); codes go too."""
    counselor.totp_secret = None
    counselor.totp_enabled_at = None
    counselor.totp_last_step = None
    session.add(counselor)
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.counselor_id) == counselor.id))
    record(session, actor=counselor, practice_id=counselor.practice_id, action="two_factor_disabled",
           entity="counselor", entity_id=counselor.id)
    session.flush()


def regenerate_recovery_codes(session: Session, *, counselor: Counselor) -> list[str]:
    """Ten new codes; the old ones stop working."""
    codes = _replace_recovery_codes(session, counselor)
    record(session, actor=counselor, practice_id=counselor.practice_id, action="recovery_codes_renewed",
           entity="counselor", entity_id=counselor.id)
    session.flush()
    return codes


def recovery_codes_left(session: Session, *, counselor: Counselor) -> int:
    rows = session.exec(select(RecoveryCode.id).where(
        col(RecoveryCode.counselor_id) == counselor.id, col(RecoveryCode.used_at).is_(None))).all()
    return len(rows)


def _new_recovery_code() -> str:
    raw = b32encode(secrets.token_bytes(10)).decode()  # 80 bits, 16 characters
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(("mend-recovery:" + _normalise(code)).encode()).hexdigest()


def _replace_recovery_codes(session: Session, counselor: Counselor) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.counselor_id) == counselor.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(counselor_id=counselor.id, code_hash=_code_hash(code)))
    return codes


# --- checking a code --------------------------------------------------------------------


def _matching_step(secret: str, code: str) -> int | None:
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6 or len(digits) != len(code.replace(" ", "")):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(_now()) // STEP_SECONDS
    for step in range(now_step + DRIFT_STEPS, now_step - DRIFT_STEPS - 1, -1):
        if same_secret(totp.generate_otp(step), digits):
            return step
    return None


def _take_totp_step(session: Session, counselor: Counselor, code: str) -> bool:
    """A right code for a step later than the last one used, claimed by a conditional UPDATE."""
    if not counselor.totp_secret:
        return False
    step = _matching_step(counselor.totp_secret, code.strip())
    if step is None:
        return False
    last = col(Counselor.totp_last_step)
    claimed = session.exec(  # type: ignore[call-overload]
        update(Counselor)
        .where(col(Counselor.id) == counselor.id, sa.or_(last.is_(None), last < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    counselor.totp_last_step = step
    return True


def _take_recovery_code(session: Session, counselor: Counselor, code: str) -> bool:
    if len(_normalise(code)) != 16:
        return False
    claimed = session.exec(  # type: ignore[call-overload]
        update(RecoveryCode)
        .where(col(RecoveryCode.counselor_id) == counselor.id, col(RecoveryCode.code_hash) == _code_hash(code),
               col(RecoveryCode.used_at).is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)


def check_code(session: Session, *, counselor: Counselor, code: str, purpose: str = "sign_in") -> bool:
    """A current code or an unused recovery code; audits a recovery code's use and any failure
    (never the code). The caller counts a failure toward throttling (``service.note_failure``)."""
    code = (code or "").strip()[:64]
    if code and is_enabled(counselor):
        if _take_totp_step(session, counselor, code):
            return True
        if _take_recovery_code(session, counselor, code):
            record(session, actor=counselor, practice_id=counselor.practice_id, action="recovery_code_used",
                   entity="counselor", entity_id=counselor.id, detail={"purpose": purpose,
                   "left": recovery_codes_left(session, counselor=counselor)})
            return True
    record(session, actor=counselor, practice_id=counselor.practice_id, action="two_factor_failed",
           entity="counselor", entity_id=counselor.id, detail={"purpose": purpose})
    session.flush()
    return False


# --- the half-signed-in state -------------------------------------------------------------


def _pending_signature(counselor: Counselor, expires: int) -> str:
    return sign(f"two-factor-pending:{counselor.id}:{expires}:{counselor.password_hash}")


def pending_value(counselor: Counselor) -> str:
    """What the code form carries after a right password: counselor, expiry, HMAC."""
    expires = int(time.time()) + PENDING_SECONDS
    return f"{counselor.id}.{expires}.{_pending_signature(counselor, expires)}"


def counselor_for_pending(session: Session, value: str) -> Counselor | None:
    """The counselor a pending value names, while it is unexpired and their password unchanged."""
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    expires = int(parts[1])
    if expires < time.time() or expires > time.time() + PENDING_SECONDS + 5:
        return None
    counselor = session.get(Counselor, int(parts[0]))
    if counselor is None or not counselor.active or not is_enabled(counselor):
        return None
    if not same_secret(parts[2], _pending_signature(counselor, expires)):
        return None
    return counselor



