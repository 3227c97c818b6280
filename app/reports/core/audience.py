"""Who a report is for, and what that reader may see (pure).

``for_audience(data, choice)`` takes everything gathered about a couple or client and returns
the ``ReportInput`` that audience may see. The context builder and the templates render it as
they render any report, so each rule lives here once:

- ``clinical`` (the counselor's record): everything. Flags and intake highlights are already
  limited to this couple's or client's own context by ``reports.gather``.
- ``couple``: agreements, attendance and scores, each partner's only from the administrations
  that partner agreed to share (a gap needs both sides shared; changes are measured between
  shared scores only). Never flags, intake answers (not even the roles each partner gave) or
  item answers. Couples only.
- ``partner``: one person's own trajectory (shared or not) and the sessions they attended;
  nothing of the other partner (no name, scores, gaps), no flags, intake (nor role), agreements
  or counselor's summary (free text that may speak of the other partner).
- ``supervision``: "Partner A"/"Partner B" (or "Client") instead of names everywhere, no free
  text (summary, intake, agreement titles: agreements are "Boundary 1", ...); flags stay, by
  label, and so do the roles, beside the label ("Partner A (hurt partner)"), naming no one.
  With ``shift_days`` every date and time moves back by that many days (intervals kept).

What each copy shows is in ``SECTIONS``; ``audience_line`` is what every page prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from app.reports.core.formatting import label as code_label
from app.reports.core.formatting import zone
from app.reports.core.inputs import AUDIENCES, AgreementInput, Audience, PartnerInput, ReportInput
from app.scoring.history import GapPoint, ScoreHistory, SubscaleHistory, Trajectory
from app.scoring.history import retrace as scoring_retrace

#: The sections each copy shows (scores are in every copy).
SECTIONS: dict[Audience, frozenset[str]] = {
    "clinical": frozenset({"flags", "attendance", "agreements", "intake"}),
    "couple": frozenset({"attendance", "agreements"}),
    "partner": frozenset({"attendance"}),
    "supervision": frozenset({"flags", "attendance", "agreements"}),
}

#: How the counselor chooses (the web form and the CLI's help show these).
CHOICES: dict[Audience, tuple[str, str]] = {
    "clinical": ("Clinical record", "For you only: everything, with open flags and intake answers."),
    "couple": ("For the couple", "Agreements, attendance and the scores each partner agreed to share."),
    "partner": ("For one partner", "One person's own scores and sessions, nothing of the other partner."),
    "supervision": ("For supervision", "Partner A and B instead of names, no free text; dates can be shifted."),
}

SHIFT_NOTE = "Dates are shifted by a hidden number of days; the time between them is kept."


@dataclass(frozen=True)
class AudienceChoice:
    """Who the copy is for: ``partner_label`` names the person of a "partner" copy;
    ``shift_days`` (supervision only) moves every date back by that many days."""

    audience: Audience = "clinical"
    partner_label: str | None = None
    shift_days: int = 0


CLINICAL = AudienceChoice()


def _check(data: ReportInput, choice: AudienceChoice) -> None:
    if choice.audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {list(AUDIENCES)}, not {choice.audience!r}")
    if choice.audience == "couple" and data.subject_kind != "couple":
        raise ValueError("a copy for the couple needs a couple")
    labels = [p.label for p in data.partners]
    if choice.audience == "partner" and choice.partner_label not in labels:
        raise ValueError(f"partner_label must be one of {labels}, not {choice.partner_label!r}")
    if choice.audience != "partner" and choice.partner_label is not None:
        raise ValueError("partner_label is only for a partner's copy")
    if choice.shift_days < 0 or (choice.shift_days and choice.audience != "supervision"):
        raise ValueError("only a supervision copy shifts dates, and only backwards (shift_days > 0)")


def for_audience(data: ReportInput, choice: AudienceChoice = CLINICAL) -> ReportInput:
    """The ``ReportInput`` this audience may see, marked with who it is for."""
    _check(data, choice)
    builders = {"clinical": _clinical, "couple": _couple, "partner": _partner, "supervision": _supervision}
    seen = builders[choice.audience](data, choice)
    seen = replace(seen, audience=choice.audience, audience_partner=choice.partner_label,
                   shared_administration_ids=frozenset())
    return shift_dates(seen, choice.shift_days) if choice.shift_days else seen


def _clinical(data: ReportInput, _choice: AudienceChoice) -> ReportInput:
    return data


def _couple(data: ReportInput, _choice: AudienceChoice) -> ReportInput:
    return replace(data, flags=(), safety=(), intake_highlights=(), partners=without_roles(data.partners),
                   scores=shared_only(data.scores, data.shared_administration_ids))


def _partner(data: ReportInput, choice: AudienceChoice) -> ReportInput:
    index = [p.label for p in data.partners].index(choice.partner_label)  # type: ignore[arg-type]
    person = replace(data.partners[index], role=None)
    return replace(
        data,
        subject_name=person.name,
        partners=(person,),
        breach_type=None,
        disclosed_on=None,
        # Only the sessions they came to, and only them in it.
        sessions=tuple(replace(s, attendees=(person.label,)) for s in data.sessions if person.label in s.attendees),
        scores=one_person(data.scores, index),
        agreements=(),
        flags=(),
        safety=(),
        intake_highlights=(),
        summary=None,  # free text written with the whole couple in mind
    )


def _supervision(data: ReportInput, _choice: AudienceChoice) -> ReportInput:
    labels = [p.label for p in data.partners]
    return replace(
        data,
        subject_name=" & ".join(labels) if data.subject_kind == "couple" else labels[0],
        # The role stays beside the label: "Partner A (hurt partner)" names no one.
        partners=tuple(PartnerInput(p.label, p.label, p.label, role=p.role) for p in data.partners),
        agreements=numbered_by_kind(data.agreements),
        intake_highlights=(),
        summary=None,
    )


def without_roles(partners: Sequence[PartnerInput]) -> tuple[PartnerInput, ...]:
    """The people without their intake role (an intake answer, not for the couple's copy)."""
    return tuple(replace(p, role=None) for p in partners)


def numbered_by_kind(agreements: Sequence[AgreementInput]) -> tuple[AgreementInput, ...]:
    """Titles replaced by their kind and a number: "Boundary 1", "Boundary 2", "Rule 1"."""
    seen: dict[str, int] = {}
    out = []
    for a in agreements:
        seen[a.kind] = seen.get(a.kind, 0) + 1
        out.append(replace(a, title=f"{code_label(a.kind)} {seen[a.kind]}"))
    return tuple(out)


# --- scores ------------------------------------------------------------------------------


def one_person(histories: Sequence[ScoreHistory], index: int) -> tuple[ScoreHistory, ...]:
    """Each history with only the ``index``-th person's trajectories and no gaps; questionnaires
    this person never answered are left out."""
    out = []
    for h in histories:
        subscales = tuple(replace(s, trajectories=(s.trajectories[index],), gaps=()) for s in h.subscales)
        kept = replace(h, client_ids=(h.client_ids[index],), subscales=subscales)
        if kept.administrations:
            out.append(kept)
    return tuple(out)


def shared_only(histories: Sequence[ScoreHistory], shared: frozenset[int]) -> tuple[ScoreHistory, ...]:
    """Each history as if only the ``shared`` administrations existed: points of the others are
    dropped and every change is measured again between shared scores (a change from an
    unshared score would give that score away); a gap is kept only when both of its
    administrations are shared. Questionnaires with nothing shared are left out."""
    out = []
    for h in histories:
        subscales = tuple(
            replace(s, trajectories=tuple(retrace(t, s, shared) for t in s.trajectories),
                    gaps=tuple(g for g in s.gaps
                               if g.a_administration_id in shared and g.b_administration_id in shared))
            for s in h.subscales
        )
        kept = replace(h, subscales=subscales)
        if kept.administrations:
            out.append(kept)
    return tuple(out)


def retrace(t: Trajectory, subscale: SubscaleHistory, keep: frozenset[int]) -> Trajectory:
    """A trajectory of the kept administrations only, with its changes measured again by
    ``app.scoring.history.retrace``, as the score history measures them: from the first kept
    score of the same items (the baseline) and the kept score before (the previous), same
    reference SD and direction, judged with the reliability in force at the later score."""
    points = scoring_retrace(t.points, higher_is_better=subscale.higher_is_better,
                             reference_sd=subscale.reference_sd,
                             timeline=subscale.reliabilities or (subscale.reliability,), keep=keep)
    return replace(t, points=points)


# --- dates -------------------------------------------------------------------------------


def shift_dates(data: ReportInput, days: int) -> ReportInput:
    """Every date and time of the report moved back by ``days`` days (wall-clock days in the
    practice's zone, so each day shown is exactly ``days`` earlier and intervals are kept)."""
    local = zone(data.timezone)
    delta = timedelta(days=days)

    def moment(at: datetime) -> datetime:
        return (at.astimezone(local) if at.tzinfo is not None else at) - delta

    def day(on: date) -> date:
        return on - delta

    def gap(g: GapPoint) -> GapPoint:
        return replace(g, a_at=moment(g.a_at), b_at=moment(g.b_at))

    def subscale(s: SubscaleHistory) -> SubscaleHistory:
        return replace(
            s,
            trajectories=tuple(replace(t, points=tuple(replace(p, at=moment(p.at)) for p in t.points))
                               for t in s.trajectories),
            gaps=tuple(gap(g) for g in s.gaps),
        )

    return replace(
        data,
        period_start=day(data.period_start),
        period_end=day(data.period_end),
        generated_at=moment(data.generated_at),
        disclosed_on=day(data.disclosed_on) if data.disclosed_on else None,
        sessions=tuple(replace(s, start=moment(s.start)) for s in data.sessions),
        flags=tuple(replace(f, raised_at=moment(f.raised_at)) for f in data.flags),
        safety=tuple(replace(s, at=moment(s.at)) for s in data.safety),
        scores=tuple(replace(h, subscales=tuple(subscale(s) for s in h.subscales)) for h in data.scores),
        dates_shifted=True,
    )


# --- what each page says -----------------------------------------------------------------


def _person(data: ReportInput) -> PartnerInput | None:
    return next((p for p in data.partners if p.label == data.audience_partner), None)


def audience_line(data: ReportInput) -> str:
    """Printed on every page: who this copy is for."""
    if data.audience == "couple":
        return "For the couple"
    if data.audience == "partner":
        person = _person(data)
        name = (person.first_name or person.name) if person else "one person"
        return f"For {name} only"
    if data.audience == "supervision":
        return "For supervision — pseudonymised" + (", dates shifted" if data.dates_shifted else "")
    return "Clinical record — not for clients"


def audience_note(data: ReportInput) -> str:
    """One sentence under the header: what this copy leaves out."""
    if data.audience == "couple":
        return "Scores appear only from questionnaires each partner agreed to share; no flags or intake answers."
    if data.audience == "partner":
        person = _person(data)
        name = (person.first_name or person.name) if person else "this person"
        return f"Only {name}'s own scores and sessions."
    if data.audience == "supervision":
        note = "Names, contact details and free text are left out."
        return f"{note} {SHIFT_NOTE}" if data.dates_shifted else note
    return "Counselor only: includes open flags and intake answers."
