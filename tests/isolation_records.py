"""A practice holding one record of every kind, for isolation tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import select

from app.auth.models import AccessToken
from app.instruments.catalog import default_catalog
from app.outreach.models import Message, Schedule
from app.questionnaires.models import Administration, AdministrationFlag
from app.reports.models import Report
from app.sessions.models import AgreementCheckIn, NoteAddendum


@dataclass
class ForeignRecords:
    ids: dict[str, int] = field(default_factory=dict)


def build_foreign_records(factory, marker: str) -> ForeignRecords:
    owner = factory.owner()
    couple = factory.couple(owner, names=(marker, marker + "b"))
    visit = factory.therapy_session(couple, note_data=marker, status="signed")
    agreement = factory.agreement(couple, title=marker)
    trust = default_catalog().latest("trust-rebuilding")
    administration = factory._save(Administration(
        practice_id=owner.practice_id, client_id=couple.partner_a_id, couple_id=couple.id,
        counselor_id=owner.id, instrument_id=trust.id, instrument_version=trust.version,
        definition_checksum=trust.checksum, token_hash="0" * 64,
    ))
    flag = factory._save(AdministrationFlag(
        practice_id=owner.practice_id, administration_id=administration.id,
        client_id=couple.partner_a_id, couple_id=couple.id, item_id="x", severity="high",
        message=marker,
    ))
    report = factory._save(Report(
        practice_id=owner.practice_id, couple_id=couple.id, generated_by_id=owner.id,
        period_start=visit.starts_at.date(), period_end=visit.starts_at.date(), checksum="0" * 64,
        size_bytes=1, filename=f"{marker}.pdf",
    ))
    factory._save(NoteAddendum(practice_id=owner.practice_id, session_id=visit.id,
                               author_id=owner.id, text=marker))
    factory._save(AgreementCheckIn(practice_id=owner.practice_id, agreement_id=agreement.id,
                                   session_id=visit.id, outcome="kept", recorded_by_id=owner.id))
    schedule = factory._save(Schedule(
        practice_id=owner.practice_id, counselor_id=owner.id, couple_id=couple.id, instrument_id=trust.id,
        rule="once", starts_on=date(2026, 1, 5)))
    message = factory._save(Message(
        practice_id=owner.practice_id, client_id=couple.partner_a_id, couple_id=couple.id, schedule_id=schedule.id,
        administration_id=administration.id, key=f"isolation-{marker}-{owner.id}", status="held",
        held_reason="email_unconfirmed", due_at=visit.starts_at))
    factory.token(owner)  # an API token of theirs: /me/tokens/{token_id} must not reach it
    token = factory.session.exec(select(AccessToken).where(AccessToken.counselor_id == owner.id)).first()
    return ForeignRecords(ids={
        "counselor_id": owner.id, "client_id": couple.partner_a_id, "couple_id": couple.id,
        "session_id": visit.id, "agreement_id": agreement.id,
        "administration_id": administration.id, "flag_id": flag.id, "report_id": report.id,
        "schedule_id": schedule.id, "message_id": message.id, "token_id": token.id,
    })
