"""A couple whose record has one of everything, in both contexts, for the export tests.

Partner A has individual work (a session, an administration with a flag, a report); partner B has
couple-context answers with a reviewed flag, and a couple-context session A didn't attend.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.practice.models import Practice
from app.questionnaires.models import Administration, AdministrationFlag, FlagReview, Response
from app.reports.models import Report, ReportFile
from app.sessions.models import AgreementCheckIn, AgreementStatusChange, NoteAddendum, TherapySession
from tests.factories import Factory
from tests.reports.db_factories import keyed_answers, same_everywhere, submit

PDF = b"%PDF-1.7\n% a kept copy for the export tests\n%%EOF\n"
NOW = datetime.now(UTC)


@dataclass
class Seeded:
    owner: Counselor
    counselor: Counselor
    other: Counselor  # same practice, another caseload
    stranger: Counselor  # another practice's owner
    couple: Couple
    a: Client
    b: Client
    ids: dict[str, Any]


def _add(db: Session, row: Any) -> Any:
    db.add(row)
    db.flush()
    return row


def _flag(db: Session, admin: Administration, client: Client, couple: Couple | None, text: str) -> AdministrationFlag:
    return _add(db, AdministrationFlag(practice_id=client.practice_id, administration_id=admin.id, client_id=client.id,
                                       couple_id=couple.id if couple else None, item_id="safety",
                                       severity="high", message=text, raised_at=NOW))


def _report(db: Session, counselor: Counselor, *, couple: Couple | None = None, client: Client | None = None,
            audience: str = "clinical", partner: Client | None = None, name: str = "report.pdf") -> Report:
    report = _add(db, Report(practice_id=counselor.practice_id, couple_id=couple.id if couple else None,
                             client_id=client.id if client else None, generated_by_id=counselor.id,
                             period_start=date(2025, 1, 1), period_end=date(2025, 3, 1), checksum="0" * 64,
                             size_bytes=len(PDF), filename=name, audience=audience,
                             partner_id=partner.id if partner else None))
    _add(db, ReportFile(report_id=report.id, pdf=PDF + name.encode()))
    return report


def seed(factory: Factory, db: Session) -> Seeded:
    owner = factory.owner()
    practice_id = owner.practice_id
    practice = db.get_one(Practice, practice_id)
    counselor = factory.counselor(practice)
    other = factory.counselor(practice)
    stranger = factory.owner()
    couple = factory.couple(counselor, names=("Ana", "Ben"))
    a, b = db.get_one(Client, couple.partner_a_id), db.get_one(Client, couple.partner_b_id)
    a.email, b.email = "ana.private@example.test", "ben.private@example.test"
    db.add_all([a, b])
    both = factory.therapy_session(couple, status="signed", signed_by_id=counselor.id, signed_at=NOW,
                                   note_data="JOINT-NOTE")
    _add(db, NoteAddendum(practice_id=practice_id, session_id=both.id, author_id=counselor.id, text="JOINT-ADDENDUM"))
    b_only = factory.therapy_session(couple, note_data="B-ALONE-IN-COUPLE")
    b_only.attendee_ids = [b.id]
    db.add(b_only)
    a_alone = _add(db, TherapySession(practice_id=practice_id, counselor_id=counselor.id, client_id=a.id,
                                      starts_at=NOW - timedelta(days=3), attendee_ids=[a.id],
                                      note_data="A-INDIVIDUAL-NOTE"))
    agreement = factory.agreement(couple, title="No contact with the third party")
    _add(db, AgreementStatusChange(practice_id=practice_id, agreement_id=agreement.id, from_status="active",
                                   to_status="kept", changed_by_id=counselor.id, note="held for a month"))
    _add(db, AgreementCheckIn(practice_id=practice_id, agreement_id=agreement.id, session_id=both.id,
                              outcome="kept", recorded_by_id=counselor.id))
    answers = keyed_answers(same_everywhere([4] * 5))
    a_couple = submit(db, a, answers=answers, when=NOW - timedelta(days=20), couple=couple).administration
    b_couple = submit(db, b, answers=keyed_answers(same_everywhere([2] * 5)), when=NOW - timedelta(days=19),
                      couple=couple).administration
    a_own = submit(db, a, answers=answers, when=NOW - timedelta(days=10)).administration
    # An unsent link: its saved answer stays the client's.
    pending = _add(db, Administration(practice_id=practice_id, client_id=a.id, couple_id=couple.id,
                                      counselor_id=counselor.id, instrument_id=a_couple.instrument_id,
                                      instrument_version=1, definition_checksum=a_couple.definition_checksum,
                                      mode="link", status="in_progress", token_hash="f" * 64,
                                      passcode_hash="$argon2id$secret", link_nonce="n" * 32))
    _add(db, Response(practice_id=practice_id, administration_id=pending.id, item_id="unsent", value="UNSENT-ANSWER"))
    b_flag = _flag(db, b_couple, b, couple, "B-COUPLE-FLAG")
    _add(db, FlagReview(practice_id=practice_id, flag_id=b_flag.id, action="resolved", note="B-REVIEW",
                        by_id=counselor.id))
    b_flag.resolved_at, b_flag.resolved_by_id, b_flag.resolution_note = NOW, counselor.id, "B-REVIEW"
    a_flag = _flag(db, a_own, a, None, "A-INDIVIDUAL-FLAG")
    couple_report = _report(db, counselor, couple=couple, name="couple.pdf")
    a_copy = _report(db, counselor, couple=couple, audience="partner", partner=a, name="ana-copy.pdf")
    b_copy = _report(db, counselor, couple=couple, audience="partner", partner=b, name="ben-copy.pdf")
    a_report = _report(db, counselor, client=a, name="ana-own.pdf")
    db.commit()
    ids = {"both": both.id, "b_only": b_only.id, "a_alone": a_alone.id, "agreement": agreement.id,
           "a_couple": a_couple.id, "b_couple": b_couple.id, "a_own": a_own.id, "pending": pending.id,
           "b_flag": b_flag.id, "a_flag": a_flag.id, "couple_report": couple_report.id, "a_copy": a_copy.id,
           "b_copy": b_copy.id, "a_report": a_report.id}
    return Seeded(owner, counselor, other, stranger, couple, a, b, ids)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def record_of(data: bytes) -> dict[str, Any]:
    return json.loads(unzip(data)["record.json"])  # type: ignore[no-any-return]
