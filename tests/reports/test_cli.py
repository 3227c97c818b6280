"""`mend report`: one couple to a file, or every active couple in worker processes."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app
from app.reports.models import Report, ReportFile
from tests.factories import Factory
from tests.reports import pdf_helpers
from tests.reports.db_factories import realistic_couple

runner = CliRunner()


def test_one_couple_to_a_file(db: Session, factory: Factory, tmp_path: Path) -> None:
    s = realistic_couple(db, factory, weeks=3)
    out = tmp_path / "okafor.pdf"
    result = runner.invoke(app, ["report", "--couple", str(s.couple.id), "-o", str(out), "--from", "2020-01-01",
                                 "--summary", "From the command line", "--paper", "Letter"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert "From the command line" in pdf_helpers.text(out.read_bytes())
    row = db.exec(select(Report)).one()
    assert (row.couple_id, row.generated_by_id, str(row.period_start)) == (s.couple.id, s.counselor.id, "2020-01-01")
    assert db.get(ReportFile, row.id).pdf == out.read_bytes()  # type: ignore[union-attr]  (kept, to download again)


def test_as_another_counselor_is_scoped(db: Session, factory: Factory, tmp_path: Path) -> None:
    s = realistic_couple(db, factory, weeks=1)
    stranger = factory.owner()
    result = runner.invoke(app, ["report", "--couple", str(s.couple.id), "-o", str(tmp_path / "x.pdf"),
                                 "--as", stranger.email])
    assert result.exit_code == 2
    assert "Couple not found" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_needs_a_target(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--couple", "1"])
    assert result.exit_code == 2 and "--all --out-dir" in result.output


def test_all_active_couples_with_two_workers(db: Session, factory: Factory, tmp_path: Path) -> None:
    first = realistic_couple(db, factory, weeks=2)
    second = realistic_couple(db, factory, first.counselor, names=("Zoë", "Lukas"), last="Ågren", weeks=2)
    elsewhere = realistic_couple(db, factory, weeks=1)  # another practice, another counselor
    paused = factory.couple(first.counselor, status="paused")
    result = runner.invoke(app, ["report", "--all", "--out-dir", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 reports in" in result.output and str(tmp_path) in result.output
    files = sorted(tmp_path.glob("*.pdf"))
    assert len(files) == 3
    assert all(f.read_bytes().startswith(b"%PDF") for f in files)
    assert any(f.name.startswith("mend-report-agren-") for f in files)
    rows = db.exec(select(Report)).all()
    assert sorted(r.couple_id for r in rows) == sorted([first.couple.id, second.couple.id, elsewhere.couple.id])
    assert paused.id not in {r.couple_id for r in rows}
    by_couple = {r.couple_id: r.generated_by_id for r in rows}
    assert by_couple[elsewhere.couple.id] == elsewhere.counselor.id  # each couple's own counselor
    # Each batch report is kept too, byte for byte the file written.
    kept = {db.get(ReportFile, r.id).pdf for r in rows}  # type: ignore[union-attr]
    assert kept == {f.read_bytes() for f in files}
