"""Each partner's side of the breach, as they gave it at intake, in the report's words (pure).

The couples intake asks each partner alone which is closer to their side: the one who was hurt,
the one who caused the hurt, both, or not sure. A report reads scores and gaps in those terms
only where the answers give a clear reading:

- "hurt" and "involved" are roles; "both", "unsure", no answer or an unknown value are not;
- two partners claiming the same role (both "hurt", or both "involved") disagree, so neither
  is used: a report never decides between their accounts;
- one partner's role is used even when the other gave none (it is that person's own answer).

Only the clinical record and the supervision copy show roles (an intake answer is not for the
couple's or a partner's copy; ``app.reports.core.audience``). In a supervision copy the people
are already "Partner A"/"Partner B", so a role beside the label never reveals a name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.reports.core.inputs import PartnerInput

ROLE_ITEM = "my_role"  # the intake question: "Which is closer to your side of it?"
HURT, INVOLVED = "hurt", "involved"
ROLE_WORDS = {HURT: "hurt partner", INVOLVED: "partner who broke trust"}


def couple_roles(answers: Sequence[object]) -> tuple[str | None, ...]:
    """Each person's role from their own answer (partner order), as described above."""
    given = tuple(a if isinstance(a, str) and a in ROLE_WORDS else None for a in answers)
    if len(given) != 2:
        return tuple(None for _ in given)  # one client alone: no partner to read against
    if given[0] is not None and given[0] == given[1]:
        return (None, None)
    return given


def intake_roles(
    found: Mapping[int, tuple[object, Mapping[str, object]]], people: Sequence[int]
) -> tuple[str | None, ...]:
    """Roles from each person's latest intake answers (``latest_answers``' shape), by ``couple_roles``."""
    return couple_roles([found[p][1].get(ROLE_ITEM) if p in found else None for p in people])


def role_words(partner: PartnerInput) -> str | None:
    """``hurt partner`` / ``partner who broke trust``, or None."""
    return ROLE_WORDS.get(partner.role or "")


def with_role(partner: PartnerInput) -> str:
    """The name with the role beside it: ``Maya Okafor (hurt partner)``; the name alone without one."""
    words = role_words(partner)
    return f"{partner.name} ({words})" if words else partner.name


def known(partners: Sequence[PartnerInput]) -> bool:
    """Whether any person here has a role to show."""
    return any(role_words(p) for p in partners)


def reference(partner: PartnerInput) -> str:
    """How a gap sentence names a person: ``the hurt partner (Maya Okafor)``, or the name."""
    words = role_words(partner)
    return f"the {words} ({partner.name})" if words else partner.name


def gap_sentence(partners: Sequence[PartnerInput], difference: float, size: str) -> str:
    """Who scores higher or lower, read from the hurt partner's side where it is known
    (``difference`` is A - B; ``size`` the gap as displayed): ``the hurt partner (Maya Okafor)
    scores 1.20 lower than the partner who broke trust (Daniel Okafor)``."""
    a, b = partners[0], partners[1]
    if not difference:
        return f"{reference(a)} and {reference(b)} score the same"
    by_role = {p.role: p for p in (a, b) if role_words(p)}
    subject = by_role.get(HURT) or by_role.get(INVOLVED) or (a if difference > 0 else b)
    other = b if subject is a else a
    higher = (difference > 0) == (subject is a)
    return f"{reference(subject)} scores {size} {'higher' if higher else 'lower'} than {reference(other)}"
