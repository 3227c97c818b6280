"""A signed note's content hash: stored at signing (``service.sign_session``), checked on every
read (``service.read_note``, the API's ``SessionPublic.integrity``).

The hash is SHA-256 over canonical JSON of what the signature vouches for: the session's id, the
three DAP texts, the signer and the signing time (ISO, UTC). It is also written into the ``sign``
audit event's detail, so the keyed audit chain (``app.audit.chain``) vouches for it too: whoever
edits a note and its hash in the database still breaks ``mend audit verify`` or the match with the
audit trail. Pure: no database, no web framework.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any, Literal

Integrity = Literal["ok", "changed", "unsealed"]


def _iso(value: datetime) -> str:
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


def note_hash(values: Any) -> str:
    """``values``: a TherapySession, or a mapping with its fields."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    payload = {"session_id": get("id"), "note_data": get("note_data"), "note_assessment": get("note_assessment"),
               "note_plan": get("note_plan"), "signed_by_id": get("signed_by_id"),
               "signed_at": _iso(get("signed_at")) if get("signed_at") is not None else None}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def integrity(values: Any) -> Integrity | None:
    """None for a note not signed; "unsealed" for one signed before integrity checks (no hash
    stored, nothing to check); "ok" or "changed"."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    if get("status") != "signed":
        return None
    stored = get("note_hash")
    if not stored:
        return "unsealed"
    return "ok" if hmac.compare_digest(note_hash(values), stored) else "changed"
