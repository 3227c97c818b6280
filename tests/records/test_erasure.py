"""Erasure at once by the owner: a mistaken entry goes, a client of record inside retention is
refused with the date it becomes possible, partners wait for their couple, non-owners get 403."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.audit.models import AuditEvent
from app.cli import app as cli
from app.clients.models import Client, Couple
from app.errors import Conflict, Forbidden, InvalidField, NotFound
from app.records import erasure
from app.sessions.models import TherapySession
from tests.records.records_data import SECRETS, at, count_rows, full_couple_record, individual_record

NOW = at(2026, 12, 1)


def mistaken(factory, owner) -> Client:
    """A client entered by mistake: a draft session and an unsent questionnaire, nothing of record."""
    person = factory.client(owner, first="Alex", last="Rivera", email="alex@example.test")
    factory.session.add(TherapySession(practice_id=owner.practice_id, counselor_id=owner.id, client_id=person.id,
                                       starts_at=at(2026, 11, 30), attendee_ids=[person.id], note_data="SECRET-NOTE"))
    factory.session.commit()
    return person


def test_the_owner_erases_a_mistaken_entry_at_once(db, factory):
    owner = factory.owner()
    person = mistaken(factory, owner)
    verdict = erasure.client_verdict(db, actor=owner, client_id=person.id, now=NOW)
    assert verdict.allowed and verdict.reason == "mistaken_entry"
    done = erasure.erase_client(db, actor=owner, client_id=person.id, confirm_name="alex  RIVERA", now=NOW)
    db.commit()
    assert done.removed == {"sessions": 1}
    row = db.get(Client, person.id)
    assert row.display_name == f"Erased client #{person.id}" and row.email is None and row.erased_at == NOW
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert (event.actor_id, event.entity, event.entity_id) == (owner.id, "client", person.id)
    assert event.detail == {"reason": "mistaken_entry", "removed": {"sessions": 1}}
    with pytest.raises(Conflict, match="already erased"):
        erasure.erase_client(db, actor=owner, client_id=person.id, confirm_name=row.display_name, now=NOW)


def test_the_name_must_be_typed(db, factory):
    owner = factory.owner()
    person = mistaken(factory, owner)
    with pytest.raises(InvalidField, match="Type Alex Rivera exactly"):
        erasure.erase_client(db, actor=owner, client_id=person.id, confirm_name="Alex", now=NOW)
    db.rollback()
    assert db.get(Client, person.id).erased_at is None


def test_a_client_of_record_inside_retention_is_refused_with_the_date(db, factory):
    owner = factory.owner()
    person = individual_record(db, factory, owner)  # discharged 10 Mar 2020
    before = count_rows(db)
    with pytest.raises(Conflict) as refused:
        erasure.erase_client(db, actor=owner, client_id=person.id, confirm_name="Alex Rivera", now=at(2027, 3, 10))
    assert refused.value.message == (
        "Alex Rivera has a clinical record (1 signed note, 1 submitted questionnaire, 1 flag), which the practice "
        "keeps for 7 years after discharge: it can be erased from 11 Mar 2027 (kept 7 years after 10 Mar 2020).")
    db.rollback()
    assert count_rows(db) == before
    verdict = erasure.client_verdict(db, actor=owner, client_id=person.id, now=at(2027, 3, 11))
    assert verdict.allowed and verdict.reason == "retention"
    erasure.erase_client(db, actor=owner, client_id=person.id, confirm_name="Alex Rivera", now=at(2027, 3, 11))
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "purge")).one()
    assert event.detail["reason"] == "retention" and event.detail["by"] == "owner"
    assert event.detail["erasable_from"] == "2027-03-11"
    assert not [s for s in SECRETS if s in json.dumps(event.detail)]


def test_a_client_of_record_not_discharged_is_told_once_discharged(db, factory):
    owner = factory.owner()
    person = individual_record(db, factory, owner)
    person.status, person.discharged_at = "active", None
    db.add(person)
    db.commit()
    with pytest.raises(Conflict, match="it can be erased once discharged, 7 years after discharge"):
        erasure.erase_client(db, actor=owner, client_id=person.id, confirm_name="Alex Rivera", now=NOW)


def test_a_partner_waits_for_the_couple_and_a_mistaken_couple_goes_first(db, factory):
    owner = factory.owner()
    couple = factory.couple(owner)  # nothing of record as a couple
    verdict = erasure.client_verdict(db, actor=owner, client_id=couple.partner_a_id, now=NOW)
    assert not verdict.allowed and verdict.couples == [(couple.id, "Jamie & Robin Lee")]
    assert "is a partner in Jamie & Robin Lee (couple #" in verdict.message and "erase the couple" in verdict.message
    done = erasure.erase_couple(db, actor=owner, couple_id=couple.id, confirm_name="Jamie & Robin Lee", now=NOW)
    db.commit()
    assert done.action == "erase" and db.get(Couple, couple.id).erased_at == NOW
    assert db.get(Client, couple.partner_a_id).first_name == "Jamie"  # the partners stay
    assert erasure.client_verdict(db, actor=owner, client_id=couple.partner_a_id, now=NOW).allowed


def test_a_couple_of_record_inside_retention_is_refused_with_the_date(db, factory):
    owner = factory.owner()
    couple = full_couple_record(db, factory, owner)
    with pytest.raises(Conflict, match=r"as a couple \(1 signed note, 2 submitted questionnaires, 2 flags, "
                                       r"1 agreement, 1 report\).*erased from 11 Mar 2027"):
        erasure.erase_couple(db, actor=owner, couple_id=couple.id, confirm_name="Jamie & Robin Lee",
                             now=at(2027, 3, 10))
    db.rollback()
    partner = db.get(Client, couple.partner_b_id)
    partner.status, partner.discharged_at = "active", None
    db.add(partner)
    db.commit()
    verdict = erasure.couple_verdict(db, actor=owner, couple_id=couple.id, now=at(2040, 1, 1))
    assert "once the couple and both partners are discharged, 7 years after the last discharge" in verdict.message


def test_only_the_owner_erases_and_another_practice_s_client_is_not_found(db, factory):
    owner = factory.owner()
    person = mistaken(factory, owner)
    counselor = factory.counselor()
    theirs = factory.client(counselor)  # their own caseload, still not theirs to erase
    with pytest.raises(Forbidden):
        erasure.erase_client(db, actor=counselor, client_id=theirs.id, confirm_name="Alex Rivera", now=NOW)
    with pytest.raises(NotFound):
        erasure.erase_client(db, actor=factory.owner(), client_id=person.id, confirm_name="Alex Rivera", now=NOW)


runner = CliRunner()


def test_mend_erase(db, factory):
    owner = factory.owner()
    person = mistaken(factory, owner)
    of_record = individual_record(db, factory, owner, first="Sam", last="Kit", discharged=at(2025, 6, 1))
    counselor = factory.counselor()
    assert runner.invoke(cli, ["erase", "--client", str(person.id)]).exit_code == 2
    not_owner = runner.invoke(cli, ["erase", "--client", str(person.id), "--as", counselor.email, "--yes"])
    assert not_owner.exit_code == 2 and "Only the practice owner" in not_owner.output
    no_yes = runner.invoke(cli, ["erase", "--client", str(person.id), "--as", owner.email])
    assert no_yes.exit_code == 2 and "add --yes" in no_yes.output
    refused = runner.invoke(cli, ["erase", "--client", str(of_record.id), "--as", owner.email, "--yes"])
    assert refused.exit_code == 2 and "it can be erased from 2 Jun 2032" in refused.output
    done = runner.invoke(cli, ["erase", "--client", str(person.id), "--as", owner.email, "--yes"])
    assert done.exit_code == 0, done.output
    assert f"Erased client #{person.id} (sessions: 1)" in done.output
    db.expire_all()
    assert db.get(Client, person.id).erased_at is not None
