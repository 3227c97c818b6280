"""`mend export`: a record's zip, the caseload wall, the practice export's actor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.audit.models import AuditEvent
from app.cli import app
from tests.records.export_seed import Seeded, record_of, seed, unzip

runner = CliRunner()


@pytest.fixture
def seeded(factory, db: Session) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(factory, db)


def test_export_a_couple_and_a_client_to_a_file(seeded: Seeded, tmp_path: Path, db: Session) -> None:
    out = tmp_path / "couple.zip"
    done = runner.invoke(app, ["export", "--couple", str(seeded.couple.id), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert record_of(out.read_bytes())["couple"]["id"] == seeded.couple.id and "Wrote" in done.output
    done = runner.invoke(app, ["export", "--client", str(seeded.a.id), "-o", str(tmp_path / "a.zip"),
                               "--as", seeded.owner.email])
    assert done.exit_code == 0, done.output
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()
    assert [(e.entity, e.actor_id, e.detail["via"]) for e in events] == [
        ("couple", seeded.counselor.id, "cli"), ("client", seeded.owner.id, "cli")]


@pytest.mark.parametrize("args", [
    ["--couple", "{couple}", "--as", "{other}"],  # another counselor's caseload
    ["--client", "{a}", "--as", "{stranger}"],  # another practice
    ["--couple", "999999"],
    ["--client", "999999"],
])
def test_the_cli_refuses_what_the_actor_may_not_see(seeded: Seeded, tmp_path: Path, args: list[str],
                                                     db: Session) -> None:
    values = {"couple": seeded.couple.id, "a": seeded.a.id, "other": seeded.other.email,
              "stranger": seeded.stranger.email}
    out = tmp_path / "x.zip"
    done = runner.invoke(app, ["export", *(a.format(**values) for a in args), "-o", str(out)])
    assert done.exit_code == 2 and "in this caseload" in done.output and not out.exists()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_exactly_one_thing_is_exported(seeded: Seeded) -> None:
    done = runner.invoke(app, ["export", "--couple", str(seeded.couple.id), "--client", str(seeded.a.id)])
    assert done.exit_code == 2 and "exactly one" in done.output


def test_the_practice_export_is_the_owners(seeded: Seeded, tmp_path: Path) -> None:
    refused = runner.invoke(app, ["export", "--practice", "--as", seeded.counselor.email, "-o",
                                  str(tmp_path / "p.zip")])
    assert refused.exit_code == 2 and "Only the practice owner" in refused.output
    several = runner.invoke(app, ["export", "--practice", "-o", str(tmp_path / "p.zip")])
    assert several.exit_code == 2 and "--practice-id" in several.output  # two practices here
    out = tmp_path / "p.zip"
    done = runner.invoke(app, ["export", "--practice", "--practice-id", str(seeded.owner.practice_id), "-o", str(out)])
    assert done.exit_code == 0, done.output
    document = json.loads(unzip(out.read_bytes())["practice.json"])
    assert {row["id"] for row in document["tables"]["practice"]} == {seeded.owner.practice_id}
    assert {row["practice_id"] for row in document["tables"]["client"]} == {seeded.owner.practice_id}
    assert seeded.stranger.id not in {row["id"] for row in document["tables"]["counselor"]}
