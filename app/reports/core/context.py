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
    build_agreements,
    build_attendance,
    build_flags,
)
from app.reports.core.audience import SECTIONS, audience_line, audience_note
from app.reports.core.inputs import PartnerInput, ReportInput
from app.reports.core.scores import (
    NO_ASSESSMENTS,
    NOT_SHARED,
    InstrumentScores,
    PartnerScore,
    SubscaleSection,
    build_scores,
)

PAPER_SIZES = {"A4": "A4", "Letter": "letter"}  # context.paper -> CSS @page size


@dataclass(frozen=True)
class PartnerTally:
    """How many subscales changed reliably since baseline, for one partner."""

    partner_name: str
    improved: tuple[str, ...]  # subscale labels
    deteriorated: tuple[str, ...]
    unchanged: tuple[str, ...]
    not_measurable: tuple[str, ...]  # fewer than two scores


@dataclass(frozen=True)
class GapRow:
    """A subscale's partner gap, for the page-1 list of largest gaps."""

    label: str
    size: float
    large: bool
    first_size: float | None  # at the first paired assessments
    higher: str | None  # name of the partner who scores higher now


@dataclass(frozen=True)
class Headline:
    """Page 1's answer to "is this couple getting better?"."""

    verdict: str
    lines: tuple[str, ...]


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
    agreements: Agreements
    open_flags: tuple[FlagRow, ...]
    intake_highlights: tuple[tuple[str, str], ...]
    summary: str | None

    @property
    def subscales(self) -> tuple[SubscaleSection, ...]:
        """Every scored subscale of every questionnaire, in order."""
        return tuple(section for group in self.scores for section in group.sections)

    @property
    def high_flags(self) -> int:
        """Number of open flags marked high severity."""
        return sum(1 for f in self.open_flags if f.severity == "high")


def _tally(name: str, rows: Sequence[tuple[str, PartnerScore]]) -> PartnerTally:
    groups: dict[str, list[str]] = {"improvement": [], "deterioration": [], "none": [], "na": []}
    for label, row in rows:
        key = row.from_baseline.direction if row.from_baseline else "na"
        groups.setdefault(key, []).append(label)
    return PartnerTally(
        partner_name=name,
        improved=tuple(groups["improvement"]),
        deteriorated=tuple(groups["deterioration"]),
        unchanged=tuple(groups["none"]),
        not_measurable=tuple(groups["na"]),
    )


def _tallies(
    partners: Sequence[PartnerInput], sections: Sequence[SubscaleSection]
) -> tuple[PartnerTally, ...]:
    return tuple(
        _tally(p.name, [(s.info.label, s.partners[i]) for s in sections])
        for i, p in enumerate(partners)
    )


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
            first_size=s.gap_first.size if s.gap_first else None,
            higher=_higher(s),
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


def _partner_line(t: PartnerTally, total: int) -> str:
    measured = total - len(t.not_measurable)
    if measured == 0:
        return f"{t.partner_name}: not enough assessments yet to measure change."
    parts = [f"{t.partner_name}: reliably better on {len(t.improved)} of {measured} measured"]
    if t.improved:
        parts[0] += f" ({_names(t.improved)})"
    worse = f"reliably worse on {len(t.deteriorated)}"
    if t.deteriorated:
        worse += f" ({_names(t.deteriorated)})"
    parts.append(worse)
    return "; ".join(parts) + "."


def _verdict(tallies: Sequence[PartnerTally], assessment_count: int) -> str:
    better = sum(len(t.improved) for t in tallies)
    worse = sum(len(t.deteriorated) for t in tallies)
    measured = sum(len(t.improved) + len(t.deteriorated) + len(t.unchanged) for t in tallies)
    if assessment_count == 0:
        return "No assessments yet"
    if measured == 0:
        return "Too early to tell"
    if better and worse:
        return "Mixed: some scores better, some worse"
    if better:
        return "Getting better"
    if worse:
        return "Getting worse"
    return "No reliable change yet"


def _headline(
    tallies: Sequence[PartnerTally],
    gaps: Sequence[GapRow],
    subscale_count: int,
    assessment_count: int,
    shared_only: bool = False,
) -> Headline:
    verdict = _verdict(tallies, assessment_count)
    if assessment_count == 0 and shared_only:
        return Headline("No shared scores yet", ("Scores appear here once a partner agrees to share them.",))
    if assessment_count == 0:
        return Headline(verdict, ("Progress can be measured once a questionnaire is completed.",))
    lines = [_partner_line(t, subscale_count) for t in tallies]
    lines[0:0] = ["Change is counted from each person's first assessment to their latest."]
    if gaps:
        top = gaps[0]
        gap_word = "a large gap" if top.large else "the largest gap"
        lines.append(
            f"Partners differ most on {top.label}: {gap_word} of {fmt.score(top.size)} points."
        )
    return Headline(verdict, tuple(lines))


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
    scores = build_scores(data.scores, partners, empty=NOT_SHARED if data.audience == "couple" else NO_ASSESSMENTS)
    sections = tuple(section for group in scores for section in group.sections)
    assessment_count = sum(group.administrations for group in scores)
    tallies = _tallies(partners, sections)
    gaps = _largest_gaps(sections)
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
        headline=_headline(tallies, gaps, len(sections), assessment_count, shared_only=data.audience == "couple"),
        agreements=build_agreements(data.agreements),
        open_flags=build_flags(data.flags, partners),
        intake_highlights=tuple(data.intake_highlights),
        summary=data.summary,
    )
