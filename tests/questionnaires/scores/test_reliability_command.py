"""`mend reliability`: snapshots when due, `--refresh` whatever the growth, committed by the command."""

from __future__ import annotations

from sqlmodel import func, select
from typer.testing import CliRunner

from app.cli import app
from app.questionnaires.models import ReliabilitySnapshot
from tests.questionnaires.helpers import submitted_in_session, trust

runner = CliRunner()


def _count(db, practice_id: int) -> int:  # type: ignore[no-untyped-def]
    db.commit()  # end the test session's read, so it sees what the command committed
    return db.exec(select(func.count()).select_from(ReliabilitySnapshot).where(
        ReliabilitySnapshot.practice_id == practice_id)).one()


def test_reliability_command_takes_snapshots_only_when_due_or_asked(db, factory) -> None:
    counselor = factory.counselor()
    for person in range(30):
        someone = factory.client(counselor, first=f"P{person}")
        answers = {item.id: 1 + (person + index) % 5 if index % 2 else 1 + person % 5
                   for index, item in enumerate(trust().items) if item.type == "scale"}
        submitted_in_session(db, counselor, someone.id, answers)
    subscales = len(trust().subscales)
    first = runner.invoke(app, ["reliability", "--practice", str(counselor.practice_id)])
    assert first.exit_code == 0, first.output
    assert f"{subscales} snapshots taken" in first.output and "30 clients, 30 administrations (floor)" in first.output
    assert _count(db, counselor.practice_id) == subscales
    again = runner.invoke(app, ["reliability", "--practice", str(counselor.practice_id)])
    assert again.exit_code == 0 and "0 snapshots taken" in again.output
    assert _count(db, counselor.practice_id) == subscales
    forced = runner.invoke(app, ["reliability", "--refresh", "--practice", str(counselor.practice_id)])
    assert forced.exit_code == 0 and "(refresh)" in forced.output
    assert _count(db, counselor.practice_id) == 2 * subscales
