"""Exporting one couple's or one client's record: what is in it, what never is, who may, audit, manifest."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.errors import NotFound
from app.records.export import export_record
from tests.records.export_seed import PDF, Seeded, record_of, seed, unzip


@pytest.fixture
def seeded(factory, db: Session) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(factory, db)


def _export(db: Session, seeded: Seeded, **ids: int) -> bytes:
    made = export_record(db, actor=seeded.counselor, **ids)
    db.commit()
    return made.data


def _ids(doc: dict, key: str) -> set[int]:  # type: ignore[type-arg]
    return {row["id"] for row in doc[key]}


def test_a_couples_export_holds_every_couple_record_and_no_individual_one(db: Session, seeded: Seeded) -> None:
    data = _export(db, seeded, couple_id=seeded.couple.id)
    doc, ids = record_of(data), seeded.ids
    assert doc["kind"] == "couple" and doc["couple"]["id"] == seeded.couple.id
    assert _ids(doc, "clients") == {seeded.a.id, seeded.b.id}
    assert _ids(doc, "sessions") == {ids["both"], ids["b_only"]}  # not A's individual session
    signed = next(s for s in doc["sessions"] if s["id"] == ids["both"])
    assert signed["note_data"] == "JOINT-NOTE" and signed["signed_by_id"] == seeded.counselor.id
    assert signed["signed_at"] and signed["attendee_ids"] == [seeded.a.id, seeded.b.id]
    assert [n["text"] for n in doc["note_addenda"]] == ["JOINT-ADDENDUM"]
    assert _ids(doc, "agreements") == {ids["agreement"]}
    assert [c["to_status"] for c in doc["agreement_status_changes"]] == ["kept"]
    assert [c["outcome"] for c in doc["agreement_check_ins"]] == ["kept"]
    assert _ids(doc, "administrations") == {ids["a_couple"], ids["b_couple"], ids["pending"]}
    assert {r["administration_id"] for r in doc["responses"]} == {ids["a_couple"], ids["b_couple"]}
    assert {s["administration_id"] for s in doc["scores"]} == {ids["a_couple"], ids["b_couple"]}
    assert _ids(doc, "flags") == {ids["b_flag"]}
    assert doc["flags"][0]["resolution_note"] == "B-REVIEW" and doc["flag_reviews"][0]["note"] == "B-REVIEW"
    assert _ids(doc, "reports") == {ids["couple_report"], ids["a_copy"], ids["b_copy"]}
    assert {c["id"] for c in doc["counselors"]} == {seeded.counselor.id}
    text = json.dumps(doc)
    for individual in ("A-INDIVIDUAL-NOTE", "A-INDIVIDUAL-FLAG", "ana-own.pdf"):
        assert individual not in text
    files = unzip(data)
    pdfs = {name for name in files if name.startswith("reports/")}
    assert pdfs == {r["file"] for r in doc["reports"]}
    assert all(files[name].startswith(PDF) for name in pdfs)


def test_a_clients_export_holds_their_own_work_and_never_the_partners_answers(db: Session, seeded: Seeded) -> None:
    doc, ids = record_of(_export(db, seeded, client_id=seeded.a.id)), seeded.ids
    assert doc["kind"] == "client" and _ids(doc, "clients") == {seeded.a.id}
    assert _ids(doc, "couples") == {seeded.couple.id}
    assert doc["partners"] == [{"id": seeded.b.id, "display_name": "Ben Lee"}]  # a name, no contact details
    assert _ids(doc, "sessions") == {ids["both"], ids["a_alone"]}  # not the one B attended alone
    assert _ids(doc, "administrations") == {ids["a_couple"], ids["a_own"], ids["pending"]}
    assert {r["administration_id"] for r in doc["responses"]} == {ids["a_couple"], ids["a_own"]}
    assert {s["administration_id"] for s in doc["scores"]} == {ids["a_couple"], ids["a_own"]}
    assert _ids(doc, "flags") == {ids["a_flag"]}
    assert _ids(doc, "reports") == {ids["a_copy"], ids["a_report"]}  # never the couple's report or B's copy
    assert _ids(doc, "agreements") == {ids["agreement"]}
    text = json.dumps(doc)
    for partners in ("B-COUPLE-FLAG", "B-REVIEW", "B-ALONE-IN-COUPLE", "ben.private@example.test", "ben-copy"):
        assert partners not in text
    assert "ana.private@example.test" in text


def test_unsent_answers_and_link_secrets_never_leave(db: Session, seeded: Seeded) -> None:
    for ids in ({"couple_id": seeded.couple.id}, {"client_id": seeded.a.id}):
        doc = record_of(_export(db, seeded, **ids))
        pending = next(a for a in doc["administrations"] if a["id"] == seeded.ids["pending"])
        assert pending["answers_hidden"] is True and pending["status"] == "in_progress"
        for secret in ("token_hash", "passcode_hash", "reset_code_hash", "link_nonce"):
            assert secret not in pending
        text = json.dumps(doc)
        assert "UNSENT-ANSWER" not in text and "argon2" not in text and "f" * 64 not in text


def test_the_zip_has_its_files_a_fhir_bundle_and_a_manifest_of_checksums(db: Session, seeded: Seeded) -> None:
    files = unzip(_export(db, seeded, couple_id=seeded.couple.id))
    assert {"manifest.json", "record.json", "fhir-bundle.json", "README.txt"} <= set(files)
    assert json.loads(files["fhir-bundle.json"])["resourceType"] == "Bundle"  # its content: tests/records/test_fhir
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "mend-record-export" and manifest["format_version"] == 1
    assert manifest["created_at"] and manifest["record"] == {"kind": "couple", "id": seeded.couple.id}
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry == {"sha256": hashlib.sha256(files[name]).hexdigest(), "bytes": len(files[name])}
    doc = json.loads(files["record.json"])
    assert manifest["counts"]["sessions"] == len(doc["sessions"]) == 2
    assert manifest["counts"]["report_files"] == 3


def test_an_export_is_audited_without_clinical_content(db: Session, seeded: Seeded) -> None:
    _export(db, seeded, client_id=seeded.a.id)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.entity, event.entity_id, event.actor_id) == ("client", seeded.a.id, seeded.counselor.id)
    assert event.detail["counts"]["sessions"] == 2 and event.detail["via"] == "cli"
    text = json.dumps(event.detail)
    assert "NOTE" not in text and "Ana" not in text and "FLAG" not in text


def test_the_owner_may_export_any_record_of_the_practice(db: Session, seeded: Seeded) -> None:
    made = export_record(db, actor=seeded.owner, couple_id=seeded.couple.id)
    assert record_of(made.data)["couple"]["id"] == seeded.couple.id


@pytest.mark.parametrize("who", ["other", "stranger"])
def test_another_caseload_or_practice_gets_not_found(db: Session, seeded: Seeded, who: str) -> None:
    actor = getattr(seeded, who)
    for ids in ({"couple_id": seeded.couple.id}, {"client_id": seeded.a.id}, {"couple_id": 999_999}):
        with pytest.raises(NotFound):
            export_record(db, actor=actor, **ids)
    db.rollback()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "export")).first() is None
