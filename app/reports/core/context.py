"""Report context builder: plain data in, plain data out (no DB, no I/O).

``build_report_context`` turns a ``ReportInput`` into a ``ReportContext`` that
the templates render. The same context feeds the PDF and the web preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from app.reports.core import formatting as fmt
from app.reports.core.attendance import (
    Agreements,
    Attendance,
    FlagRow,
    SafetyRow,
    build_agreements,
    build_attendance,
    build_flags,
    build_safety,
)
from app.reports.core.audience import SECTIONS, audience_line, audience_note
from app.reports.core.inputs import PartnerInput, ReportInput
from app.reports.core.roles import gap_sentence, with_role
from app.reports.core.roles import known as roles_known
from app.reports.core.scores import (
    NO_ASSESSMENTS,
    NOT_SHARED,
    InstrumentScores,
    SubscaleSection,
    build_scores,
    change_basis,
)
from app.scoring import Change
from app.scoring.history import HEADLINE_STATES

PAPER_SIZES = {"A4": "A4", "Letter": "letter"}  # context.paper -> CSS @page size


@dataclass(frozen=True)
class PartnerTally:
    """One person's subscales by their latest change from baseline (``ScoreHistory.headline``),
    as subscale labels. ``held_back``: guarded subscales while the person has an open
    high-severity flag, left out of the counts (they read "see safety alert"), unless they got
    reliably worse, which is never reassuring and is counted."""

    partner: PartnerInput
    improved: tuple[str, ...]
    deteriorated: tuple[str, ...]
    unchanged: tuple[str, ...]
    too_early: tuple[str, ...]  # a single comparable score so far
    held_back: tuple[str, ...] = ()

    @property
    def partner_name(self) -> str:
        return self.partner.name

    @property
    def who(self) -> str:
        """The name, with the role beside it where one is known."""
        return with_role(self.partner)

    @property
    def measured(self) -> int:
        return len(self.improved) + len(self.deteriorated) + len(self.unchanged)

    @property
    def columns(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(state, subscale labels) in the order page 1 shows them."""
        return (("improvement", self.improved), ("deterioration", self.deteriorated),
                ("none", self.unchanged), ("too_early", self.too_early))


#: Page 1's column headings for ``PartnerTally.columns``.
TALLY_HEADINGS = (
    ("improvement", "Reliable improvement"),
    ("deterioration", "Reliable deterioration"),
    ("none", "No reliable change"),
    ("too_early", "Too early to tell"),
)


@dataclass(frozen=True)
class GapRow:
    """A subscale's partner gap, for the page-1 list of largest gaps."""

    label: str
    size: float
    large: bool
    first_size: float | None  # at the first paired assessments (None when that is the latest pair)
    higher: str | None  # name of the partner who scores higher now
    sentence: str = ""  # who scores higher or lower, in the roles' terms where known


@dataclass(frozen=True)
class Headline:
    """Page 1's answer to "how is each person doing?": per person, how many subscales changed
    reliably either way, did not, or can't be judged yet. Never one overall verdict: with
    many comparisons, one reliable change alone happens often by chance."""

    title: str
    lines: tuple[str, ...]
    counts: bool  # show the per-person counts (someone has a change to count)


@dataclass(frozen=True)
class ReportContext:
    """Everything the report templates need, already computed."""

    title: str
    lang: str
    audience: str  # clinical | couple | partner | supervision
    audience_line: str  # who the copy is for, printed on every page
    audience_note: str  # what this copy leaves out, under the header
    sections: frozenset[str]  # which of flags, attendance, agreements, intake this copy shows
    dates_shifted: bool
    paper: str  # "A4" | "Letter"
    page_size: str  # CSS @page size keyword, from a fixed list
    practice_name: str
    counselor_name: str
    subject_kind: str
    subject_name: str
    partners: tuple[PartnerInput, ...]
    breach_type: str | None
    disclosed_on: date | None
    period_start: date
    period_end: date
    generated_at: datetime
    generated_by: str
    timezone: str
    as_of: date
    attendance: Attendance
    assessment_count: int
    scores: tuple[InstrumentScores, ...]
    tallies: tuple[PartnerTally, ...]
    largest_gaps: tuple[GapRow, ...]
    headline: Headline
    #: What the change figures shown rest on (distinct, in order of appearance): the footnote
    #: on reliable change is printed only when there is at least one.
    change_bases: tuple[str, ...]
    roles_known: bool  # someone's side of the breach is shown beside their name
    period_from: str | None
    agreements: Agreements
    open_flags: tuple[FlagRow, ...]
    safety: tuple[SafetyRow, ...]
    intake_highlights: tuple[tuple[str, str], ...]
    summary: str | None

    @property
    def subscales(self) -> tuple[SubscaleSection, ...]:
        """Every scored subscale of every questionnaire, in order."""
        return tuple(section for group in self.scores for section in group.sections)

    def basis_mark(self, change: Change) -> int:
        """The footnote number of what ``change`` rests on (``change_bases``, from 1)."""
        return self.change_bases.index(change_basis(change)) + 1

    @property
    def tally_headings(self) -> tuple[tuple[str, str], ...]:
        return TALLY_HEADINGS

    @property
    def high_flags(self) -> int:
        """Number of open flags marked high severity."""
        return sum(1 for f in self.open_flags if f.severity == "high")


def _tallies(
    partners: Sequence[PartnerInput], groups: Sequence[InstrumentScores]
) -> tuple[PartnerTally, ...]:
    """Per person, the scoring engine's headline of every questionnaire (``ScoreHistory.headline``,
    holding back each person's guarded subscales while their alert is open), by label."""
    out = []
    for i, partner in enumerate(partners):
        found: dict[str, list[str]] = {state: [] for state in HEADLINE_STATES}
        held: list[str] = []
        for group in groups:
            if group.history is None:
                continue
            labels = {section.info.id: section.info.label for section in group.sections}
            client_id = group.history.client_ids[i]
            guarded = {client_id: [s.info.id for s in group.sections if s.partners[i].guarded]}
            mine = group.history.headline(guarded).get(client_id)
            if mine is None:
                continue
            for sid, state in mine.states:
                if sid not in mine.held_back:
                    found[state].append(labels[sid])
            held += [labels[sid] for sid in mine.held_back]
        out.append(PartnerTally(partner, *(tuple(found[state]) for state in HEADLINE_STATES), held_back=tuple(held)))
    return tuple(out)


def _higher(section: SubscaleSection) -> str | None:
    difference = section.gap_now.difference if section.gap_now else None
    if not difference:
        return None
    return section.partners[0 if difference > 0 else 1].partner_name


def _largest_gaps(sections: Sequence[SubscaleSection], limit: int = 3) -> tuple[GapRow, ...]:
    rows = [
        GapRow(
            label=s.info.label,
            size=s.gap_now.size,
            large=s.gap_now.large,
            first_size=s.gap_first.size if s.gap_first and s.gap_first != s.gap_now else None,
            higher=_higher(s),
            sentence=gap_sentence([p.partner for p in s.partners], s.gap_now.difference, fmt.score(s.gap_now.size)),
        )
        for s in sections
        if s.gap_now is not None
    ]
    rows.sort(key=lambda r: (-r.size, r.label))
    return tuple(rows[:limit])


def _names(labels: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _person_lines(tallies: Sequence[PartnerTally], groups: Sequence[InstrumentScores]) -> list[str]:
    """One line per person with no or a single assessment (never one per subscale)."""
    lines = []
    for t in tallies:
        said = [(g.title, line) for g in groups for line in g.people if line.partner == t.partner]
        if t.measured or not said:
            continue
        if len(groups) == 1:
            lines.append(f"{t.who}: {said[0][1].text[0].lower()}{said[0][1].text[1:]}.")
        else:
            lines.append(f"{t.who}: " + "; ".join(f"{title}, {line.text[0].lower()}{line.text[1:]}"
                                                for title, line in said) + ".")
    return lines


def _headline(
    tallies: Sequence[PartnerTally],
    gaps: Sequence[GapRow],
    groups: Sequence[InstrumentScores],
    assessment_count: int,
    shared_only: bool = False,
) -> Headline:
    if assessment_count == 0 and shared_only:
        return Headline(NOT_SHARED, ("Scores appear here once a partner agrees to share them.",), counts=False)
    if assessment_count == 0:
        return Headline(NO_ASSESSMENTS, ("Progress can be measured once a questionnaire is completed.",),
                        counts=False)
    counts = any(t.measured for t in tallies)
    lines = _person_lines(tallies, groups)
    for t in tallies:
        if t.held_back:
            lines.append(f"{t.who}: {_names(t.held_back)} not counted — see safety alert.")
    if gaps:
        top = gaps[0]
        gap_word = "a large gap" if top.large else "the largest gap"
        lines.append(f"Partners differ most on {top.label} ({gap_word}): {top.sentence}.")
    title = "Change since each person's first assessment" if counts else "Too early to tell"
    return Headline(title, tuple(lines), counts=counts)


def _check(data: ReportInput) -> None:
    if data.audience not in SECTIONS:
        raise ValueError(f"audience must be one of {sorted(SECTIONS)}, not {data.audience!r}")
    if data.paper not in PAPER_SIZES:
        raise ValueError(f"paper must be one of {sorted(PAPER_SIZES)}, not {data.paper!r}")
    if data.period_end < data.period_start:
        raise ValueError("period_end is before period_start")


def build_report_context(data: ReportInput) -> ReportContext:
    """Compute attendance, score changes, gaps, agreements, flags and the headline."""
    _check(data)
    as_of = min(data.generated_at.date(), data.period_end)
    partners = tuple(data.partners)
    # A guarded score reads "see safety alert" wherever the copy shows the flag behind it.
    alerted = frozenset(f.partner_label for f in data.flags if f.severity == "high") \
        if "flags" in SECTIONS[data.audience] else frozenset()
    scores = build_scores(data.scores, partners, empty=NOT_SHARED if data.audience == "couple" else NO_ASSESSMENTS,
                          alerted=alerted, guarded=data.safety_subscales, zone=data.timezone)
    sections = tuple(section for group in scores for section in group.sections)
    assessment_count = sum(group.administrations for group in scores)
    tallies = _tallies(partners, scores)
    gaps = _largest_gaps(sections)
    bases = tuple(dict.fromkeys(change_basis(c) for s in sections for c in s.changes))
    return ReportContext(
        title=f"Progress report — {data.subject_name}",
        lang="en",
        audience=data.audience,
        audience_line=audience_line(data),
        audience_note=audience_note(data),
        sections=SECTIONS[data.audience],
        dates_shifted=data.dates_shifted,
        paper=data.paper,
        page_size=PAPER_SIZES[data.paper],
        practice_name=data.practice_name,
        counselor_name=data.counselor_name,
        subject_kind=data.subject_kind,
        subject_name=data.subject_name,
        partners=partners,
        breach_type=data.breach_type,
        disclosed_on=data.disclosed_on,
        period_start=data.period_start,
        period_end=data.period_end,
        generated_at=data.generated_at,
        generated_by=data.generated_by or data.counselor_name,
        timezone=data.timezone,
        as_of=as_of,
        attendance=build_attendance(
            data.sessions,
            partners,
            period_start=data.period_start,
            period_end=data.period_end,
            as_of=as_of,
        ),
        assessment_count=assessment_count,
        scores=scores,
        tallies=tallies,
        largest_gaps=gaps,
        headline=_headline(tallies, gaps, scores, assessment_count, shared_only=data.audience == "couple"),
        change_bases=bases,
        roles_known=roles_known(partners),
        period_from=data.period_from,
        agreements=build_agreements(data.agreements),
        open_flags=build_flags(data.flags, partners),
        safety=build_safety(data.safety, partners),
        intake_highlights=tuple(data.intake_highlights),
        summary=data.summary,
    )
