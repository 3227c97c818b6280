"""Progress reports: gather from the database, render, record who generated what, keep the
PDF and hand the same copy out again (checked against its checksum first).

The pieces (``gather_report``, ``render_report``, ``record_report``) are kept
apart so the batch can end its read transaction before the CPU-heavy render.
Services flush; the caller commits, except where ``generate_report`` says why it
commits itself (ARCHITECTURE.md lists every deliberate commit).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, TypedDict, Unpack

from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.subjects import Subject, load_subject
from app.errors import NotFound
from app.reports.core.context import build_report_context
from app.reports.core.inputs import Audience, Paper, ReportInput
from app.reports.gather import GatheredReport, gather_report
from app.reports.models import Report, ReportFile


@dataclass(frozen=True)
class GeneratedReport:
    """A rendered report and its stored record."""

    pdf: bytes
    html: str
    filename: str
    record: Report


@dataclass(frozen=True)
class ReportEntry:
    """A stored report record with the name of the counselor who generated it."""

    report: Report
    generated_by_name: str
    kept: bool = False  # its PDF is stored and can be downloaded again (not for reports made before)


@dataclass(frozen=True)
class KeptCopy:
    """A stored report opened for download. ``pdf`` is set only when the stored bytes match the
    record's checksum and size; otherwise ``problem`` says why not."""

    report: Report
    subject: Subject
    pdf: bytes | None
    problem: Literal["not_kept", "mismatch"] | None


class ReportOptions(TypedDict, total=False):
    """What to report on and how: the keyword arguments every entry point below shares
    (and passes on to ``gather_report``). Exactly one of couple_id / client_id; ``audience``
    (default clinical) with ``partner_id`` for a partner's copy and ``dates_shifted`` for
    supervision (``app.reports.core.audience``)."""

    couple_id: int | None
    client_id: int | None
    period_start: date | None
    period_end: date | None
    summary: str | None
    paper: Paper
    now: datetime | None
    audience: Audience
    partner_id: int | None
    dates_shifted: bool


def build_report_input(
    session: Session,
    *,
    actor: Counselor,
    **options: Unpack[ReportOptions],
) -> ReportInput:
    """Everything this copy of a report about this couple or client shows, as plain data."""
    return gather_report(session, actor=actor, **options).data


def render_input(data: ReportInput) -> tuple[str, bytes]:
    """HTML and PDF from one context (imports WeasyPrint on first use)."""
    from app.reports.render import render_report

    return render_report(build_report_context(data))


def _choice(gathered: GatheredReport) -> dict[str, object]:
    """What the audit keeps of who a copy is for."""
    return {"audience": gathered.audience, "partner_id": gathered.partner_id,
            "dates_shifted": gathered.dates_shifted}


def record_report(
    session: Session, *, actor: Counselor, gathered: GatheredReport, pdf: bytes, via: str = "api",
) -> Report:
    """Store the report's record (checksum, size, the real period, who the copy is for), the PDF
    itself (``ReportFile``, so the same copy can be downloaded again) and an audit event. The
    record keeps the real period and time even when the copy's dates are shifted; the shift
    itself is stored nowhere (only inside the kept PDF's own dates)."""
    subject = gathered.subject
    report = Report(
        practice_id=subject.practice_id,
        couple_id=subject.couple_id,
        client_id=subject.id if subject.couple is None else None,
        generated_by_id=actor.id,  # type: ignore[arg-type]
        generated_at=gathered.generated_at,
        period_start=gathered.period_start,
        period_end=gathered.period_end,
        checksum=hashlib.sha256(pdf).hexdigest(),
        size_bytes=len(pdf),
        filename=gathered.filename,
        audience=gathered.audience,
        partner_id=gathered.partner_id,
        dates_shifted=gathered.dates_shifted,
    )
    session.add(report)
    session.flush()
    session.add(ReportFile(report_id=report.id, pdf=pdf))  # type: ignore[arg-type]
    session.flush()
    _audit(session, actor=actor, subject=subject, action="generate_report", detail={
        "report_id": report.id, "period_start": gathered.period_start.isoformat(),
        "period_end": gathered.period_end.isoformat(), "via": via, **_choice(gathered),
    })
    return report


def _audit(
    session: Session, *, actor: Counselor, subject: Subject, action: str, detail: dict[str, object]
) -> None:
    # Filed under the couple/client, so "who looked at this couple" is one audit query.
    record(session, actor=actor, practice_id=subject.practice_id,
           action=action, entity=subject.kind, entity_id=subject.id, detail=detail)


def generate_report(
    session: Session,
    *,
    actor: Counselor,
    via: str = "api",
    **options: Unpack[ReportOptions],
) -> GeneratedReport:
    """Build, render and record one report (PDF plus the HTML it was made from).

    Commits once itself, on purpose: the read transaction ends before the ~0.7 s render,
    because on SQLite a write transaction holds the database's single writer lock and
    other requests must not wait on a PDF. The Report row is then written in the caller's
    next transaction.
    """
    gathered = gather_report(session, actor=actor, **options)
    session.commit()
    html, pdf = render_input(gathered.data)
    report = record_report(session, actor=actor, gathered=gathered, pdf=pdf, via=via)
    return GeneratedReport(pdf=pdf, html=html, filename=gathered.filename, record=report)


def preview_html(
    session: Session,
    *,
    actor: Counselor,
    **options: Unpack[ReportOptions],
) -> str:
    """The report's HTML from the same context as the PDF; audited, but no Report record."""
    from app.reports.render import render_html

    gathered = gather_report(session, actor=actor, **options)
    _audit(session, actor=actor, subject=gathered.subject, action="preview_report", detail={
        "period_start": gathered.period_start.isoformat(), "period_end": gathered.period_end.isoformat(),
        **_choice(gathered),
    })
    return render_html(build_report_context(gathered.data))


def list_reports(
    session: Session, *, actor: Counselor, couple_id: int | None = None, client_id: int | None = None
) -> list[ReportEntry]:
    """A couple's or client's generated reports, newest first."""
    subject = load_subject(session, actor=actor, couple_id=couple_id, client_id=client_id)
    owner = col(Report.couple_id) == subject.id if subject.couple else col(Report.client_id) == subject.id
    rows = session.exec(
        select(Report, Counselor.full_name, ReportFile.report_id)  # whether a file is kept, not the file
        .join(Counselor, col(Counselor.id) == Report.generated_by_id)
        .outerjoin(ReportFile, col(ReportFile.report_id) == Report.id)
        .where(owner, Report.practice_id == actor.practice_id)
        .order_by(col(Report.generated_at).desc(), col(Report.id).desc())
    ).all()
    return [ReportEntry(report=report, generated_by_name=name, kept=kept is not None) for report, name, kept in rows]


def open_copy(session: Session, *, actor: Counselor, report_id: int, via: str = "web") -> KeptCopy:
    """A stored report's PDF, to download the same copy again, scoped like its couple or client
    (another practice's or caseload's report is ``NotFound``).

    The bytes are given out only when their SHA-256 and size match the record; a copy that
    doesn't match (or a report made before copies were kept) comes back with its ``problem``
    and no bytes. Either way it is audited under the couple or client: ``report_downloaded``,
    or ``report_download_refused`` with the reason. Writes nothing else, so a GET may call it."""
    report = session.get(Report, report_id)
    if report is None or report.practice_id != actor.practice_id:
        raise NotFound("Report")
    subject = (load_subject(session, actor=actor, couple_id=report.couple_id) if report.couple_id is not None
               else load_subject(session, actor=actor, client_id=report.client_id))
    stored = session.get(ReportFile, report_id)
    problem: Literal["not_kept", "mismatch"] | None = None
    if stored is None:
        problem = "not_kept"
    elif len(stored.pdf) != report.size_bytes or not hmac.compare_digest(
            hashlib.sha256(stored.pdf).hexdigest(), report.checksum):
        problem = "mismatch"
    detail: dict[str, object] = {"report_id": report.id, "via": via}
    _audit(session, actor=actor, subject=subject,
           action="report_downloaded" if problem is None else "report_download_refused",
           detail=detail if problem is None else {**detail, "reason": problem})
    return KeptCopy(report=report, subject=subject, pdf=None if problem or stored is None else bytes(stored.pdf),
                    problem=problem)
