"""Words a message's subject or preview must never contain (pure).

The other partner may read the inbox, the lock screen or the preview line, so nothing there
may say what the practice does. ``outreach.wording`` composes messages with the practice's
mail name and re-exports these; the practice settings refuse a mail name holding one. They
live here, below both, because the practice room may not import the outreach room.
"""

from __future__ import annotations

CLINICAL_WORDS = (
    "counsel", "therap", "trust", "affair", "infidel", "betray", "cheat", "questionnaire", "assessment",
    "survey", "intake", "check-in", "checkin", "couple", "marriage", "relationship", "mental", "abuse",
    "safety", "inventory",
)


def clinical_words_in(text: str) -> list[str]:
    lowered = text.casefold()
    return [w for w in CLINICAL_WORDS if w in lowered]


#: What a message says it is from when every word of the practice's name gives away what it does.
NEUTRAL_SENDER = "Your appointments"


def sender_name(name: str, mail_name: str | None) -> str:
    """The name messages carry: the practice's mail name, else its name without any word that
    says what it does ("Harbour Lane Counselling" -> "Harbour Lane"), else a neutral one."""
    if mail_name:
        return mail_name
    kept = " ".join(word for word in name.split() if not clinical_words_in(word))
    return kept or NEUTRAL_SENDER
