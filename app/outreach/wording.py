"""What a message to a client says (pure).

The other partner may read the inbox, the lock screen or the preview line, so nothing a
stranger could see says what the practice does: the subject and the first line name the
practice only (its ``mail_name``, which a practice called "… Counselling" sets to something
plain), never counselling, trust, an affair or a questionnaire's title. The body says a message
is waiting, gives the link and how long it works, and a link to stop reminders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# Words a subject or preview must never contain (checked by the tests and by the practice
# settings, which refuse a mail name holding one), kept in the practice room below this one.
from app.practice.mail_name import CLINICAL_WORDS, clinical_words_in

__all__ = ["CLINICAL_WORDS", "Wording", "clinical_words_in", "compose", "time_left"]


@dataclass(frozen=True)
class Wording:
    subject: str
    preview: str  # the first line of the body: what an inbox list shows beside the subject
    body: str


def time_left(now: datetime, expires_at: datetime) -> str:
    """"7 days", "1 day", "5 hours", "less than an hour": whole hours rounded up, then whole days,
    so a link made a moment ago for 7 days says 7 days."""
    seconds = (expires_at - now).total_seconds()
    if seconds < 3600:
        return "less than an hour"
    hours = math.ceil(seconds / 3600)
    if hours < 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


def _until(expires_at: datetime, zone: ZoneInfo) -> str:
    local = expires_at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def compose(*, kind: str, sender: str, first_name: str, link: str, expires_at: datetime, now: datetime,
            zone: ZoneInfo, stop_link: str | None) -> Wording:
    """The subject, preview and plain-text body of an invitation or a reminder."""
    left = time_left(now, expires_at)
    if kind == "reminder":
        subject = f"Reminder: a message from {sender}"
        preview = f"{sender} sent you a message that is still waiting for you."
    else:
        subject = f"A message from {sender}"
        preview = f"{sender} has a message waiting for you."
    lines = [
        preview,
        "",
        f"Hello {first_name},",
        "",
        "You can read it privately here:",
        link,
        "",
        f"This link works until {_until(expires_at, zone)} ({left} left). You'll be asked for the "
        "passcode you choose the first time you open it.",
        "",
        "If this isn't for you, please ignore it and delete it.",
    ]
    if stop_link:
        lines += ["", f"To stop reminders about this message: {stop_link}"]
    lines += ["", sender]
    return Wording(subject=subject, preview=preview, body="\n".join(lines) + "\n")
