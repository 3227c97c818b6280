"""One client's or one couple's record as a JSON document (``record.json`` of an export).

Which rows belong to whom:

- **A couple**: the couple and both partners, and everything given in the couple's context —
  sessions (notes, attendance, signatures, addenda), agreements (check-ins, status history),
  both partners' couple-context administrations (answers, scores) and flags (reviews), the
  couple's schedules and messages, its reports. Neither partner's individual work.
- **A client**: the client, their individual work, and from each couple they are in: the couple,
  the couple's sessions they attended, the couple's agreements, and *their own* couple-context
  administrations, flags and messages, and the partner copies of reports made for them. Never
  the partner's answers, scores, flags or contact details (the partner appears by name), nor a
  couple report (it holds the partner's scores).

Every table is written with all its columns (``rows.to_json``) except the secrets of a link
(``SECRET_COLUMNS``). Unsent link answers stay the client's (``answers_hidden``): an
administration still open shows its progress, never its answers or scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.engine import Connection

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.clients.subjects import Subject
from app.outreach.models import Message, Schedule
from app.questionnaires.models import Administration, AdministrationFlag, FlagReview, Response, Score
from app.questionnaires.submission.results import answers_hidden
from app.records.rows import to_json
from app.reports.models import Report, ReportFile
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, NoteAddendum, TherapySession

#: What would open a link or prove a passcode: never in a record handed out.
SECRET_COLUMNS = {
    "administration": frozenset({"token_hash", "passcode_hash", "reset_code_hash", "link_nonce"}),
    "message": frozenset({"key"}),  # the reminder's key carries part of the link's token hash
}
FORMAT_VERSION = 1


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


@dataclass
class RecordDocument:
    """``record.json`` plus the report PDFs (zip path → bytes) and the administrations for FHIR."""

    document: dict[str, Any]
    pdfs: dict[str, bytes] = field(default_factory=dict)
    administration_ids: list[int] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {key: len(value) for key, value in self.document.items() if isinstance(value, list)}
        counts["report_files"] = len(self.pdfs)
        return counts


def _rows(conn: Connection, model: Any, *where: Any) -> list[dict[str, Any]]:
    table = _t(model)
    if not where:
        return []
    found = conn.execute(select(table).where(*where).order_by(*table.primary_key.columns))
    return [to_json(table, row, skip=SECRET_COLUMNS.get(table.name, frozenset())) for row in found]


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


def build_record(conn: Connection, subject: Subject) -> RecordDocument:
    """The record of ``subject`` (built by ``load_subject``, so the caseload is checked)."""
    if subject.couple is not None:
        return _couple_record(conn, subject)
    return _client_record(conn, subject)


def _couple_record(conn: Connection, subject: Subject) -> RecordDocument:
    couple_id = subject.id
    c = _t
    sessions = _rows(conn, TherapySession, c(TherapySession).c.couple_id == couple_id)
    administrations = _rows(conn, Administration, c(Administration).c.couple_id == couple_id)
    flags = _rows(conn, AdministrationFlag, c(AdministrationFlag).c.couple_id == couple_id)
    reports = _rows(conn, Report, c(Report).c.couple_id == couple_id)
    doc: dict[str, Any] = {
        "couple": _rows(conn, Couple, c(Couple).c.id == couple_id)[0],
        "clients": _rows(conn, Client, c(Client).c.id.in_(subject.client_ids)),
        "partners": [],
        "schedules": _rows(conn, Schedule, c(Schedule).c.couple_id == couple_id),
        "messages": _rows(conn, Message, c(Message).c.couple_id == couple_id),
    }
    return _finish(conn, subject, doc, sessions, [couple_id], administrations, flags, reports)


def _client_record(conn: Connection, subject: Subject) -> RecordDocument:
    client_id = subject.id
    c = _t
    couples = _rows(conn, Couple, or_(c(Couple).c.partner_a_id == client_id, c(Couple).c.partner_b_id == client_id))
    couple_ids = _ids(couples)
    partner_ids = {row["partner_a_id"] for row in couples} | {row["partner_b_id"] for row in couples}
    partner_ids.discard(client_id)
    partners = conn.execute(select(c(Client)).where(c(Client).c.id.in_(partner_ids)).order_by(c(Client).c.id))
    joint = _rows(conn, TherapySession, c(TherapySession).c.couple_id.in_(couple_ids)) if couple_ids else []
    sessions = sorted(
        _rows(conn, TherapySession, c(TherapySession).c.client_id == client_id)
        + [s for s in joint if client_id in (s["attendee_ids"] or [])],
        key=lambda row: row["id"])
    reports = _rows(conn, Report, or_(c(Report).c.client_id == client_id,
                                      (c(Report).c.partner_id == client_id) & (c(Report).c.audience == "partner")))
    doc: dict[str, Any] = {
        "couples": couples,
        "clients": _rows(conn, Client, c(Client).c.id == client_id),
        "partners": [{"id": p.id, "display_name": f"{p.preferred_name or p.first_name} {p.last_name}"}
                     for p in partners],
        "schedules": _rows(conn, Schedule, c(Schedule).c.client_id == client_id),
        "messages": _rows(conn, Message, c(Message).c.client_id == client_id),
    }
    return _finish(conn, subject, doc, sessions, couple_ids,
                   _rows(conn, Administration, c(Administration).c.client_id == client_id),
                   _rows(conn, AdministrationFlag, c(AdministrationFlag).c.client_id == client_id), reports)


def _finish(conn: Connection, subject: Subject, doc: dict[str, Any], sessions: list[dict[str, Any]],
            couple_ids: list[int], administrations: list[dict[str, Any]], flags: list[dict[str, Any]],
            reports: list[dict[str, Any]]) -> RecordDocument:
    c = _t
    session_ids = _ids(sessions)
    agreements = _rows(conn, Agreement, c(Agreement).c.couple_id.in_(couple_ids)) if couple_ids else []
    agreement_ids = _ids(agreements)
    shown = [row["id"] for row in administrations
             if not answers_hidden(Administration(mode=row["mode"], status=row["status"]))]
    for row in administrations:
        row["answers_hidden"] = row["id"] not in shown
    doc.update({
        "sessions": sessions,
        "note_addenda": _rows(conn, NoteAddendum, c(NoteAddendum).c.session_id.in_(session_ids)),
        "agreements": agreements,
        "agreement_status_changes": _rows(conn, AgreementStatusChange,
                                          c(AgreementStatusChange).c.agreement_id.in_(agreement_ids)),
        "agreement_check_ins": _rows(conn, AgreementCheckIn, c(AgreementCheckIn).c.agreement_id.in_(agreement_ids)),
        "administrations": administrations,
        "responses": _rows(conn, Response, c(Response).c.administration_id.in_(shown)),
        "scores": _rows(conn, Score, c(Score).c.administration_id.in_(shown)),
        "flags": flags,
        "flag_reviews": _rows(conn, FlagReview, c(FlagReview).c.flag_id.in_(_ids(flags))),
        "reports": reports,
    })
    pdfs: dict[str, bytes] = {}
    files = conn.execute(select(c(ReportFile)).where(c(ReportFile).c.report_id.in_(_ids(reports))))
    by_report = {row.report_id: bytes(row.pdf) for row in files}
    for report in reports:
        if report["id"] in by_report:
            path = f"reports/{report['id']}-{_safe(report['filename'])}"
            pdfs[path] = by_report[report["id"]]
            report["file"] = path
        else:
            report["file"] = None  # made before copies were kept
    doc["counselors"] = _counselors(conn, doc)
    head = {"format": "mend-record", "format_version": FORMAT_VERSION, "kind": subject.kind, "id": subject.id}
    return RecordDocument({**head, **doc}, pdfs, shown_submitted(administrations))


def shown_submitted(administrations: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in administrations if row["status"] == "submitted"]


_PEOPLE = ("counselor_id", "signed_by_id", "author_id", "created_by_id", "changed_by_id", "recorded_by_id",
           "resolved_by_id", "by_id", "generated_by_id")


def _counselors(conn: Connection, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The counselors named anywhere in the record: name and role, never a login or a hash."""
    ids: set[int] = set()
    for value in doc.values():
        rows = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        ids |= {row[key] for row in rows for key in _PEOPLE if isinstance(row.get(key), int)}
    found = conn.execute(select(_t(Counselor)).where(_t(Counselor).c.id.in_(ids)).order_by(_t(Counselor).c.id))
    return [{"id": row.id, "full_name": row.full_name, "role": row.role} for row in found]


def _safe(name: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return kept.strip(".-") or "report.pdf"
