"""The `mend` command: create-practice, create-counselor, demo (idempotent), check-assessments."""

from __future__ import annotations

from sqlmodel import func, select
from typer.testing import CliRunner

from app.auth.models import Counselor
from app.cli import app
from app.clients.models import Couple
from app.practice.models import Practice
from app.sessions.models import Agreement, TherapySession

runner = CliRunner()


def test_create_practice_and_counselor(db):
    r = runner.invoke(app, ["create-practice", "--name", "Quiet Harbour", "--owner-email",
                            "Owner@Example.com", "--owner-name", "Olu Owner",
                            "--password", "a long password"])
    assert r.exit_code == 0, r.output
    practice = db.exec(select(Practice).where(Practice.name == "Quiet Harbour")).one()
    owner = db.exec(select(Counselor).where(Counselor.practice_id == practice.id)).one()
    assert (owner.email, owner.role) == ("owner@example.com", "owner")
    assert owner.password_hash.startswith("$argon2")
    r = runner.invoke(app, ["create-counselor", "--practice-id", str(practice.id), "--email",
                            "c@example.com", "--full-name", "Cy", "--password", "another long one"])
    assert r.exit_code == 0, r.output
    dup = runner.invoke(app, ["create-counselor", "--practice-id", str(practice.id), "--email",
                              "c@example.com", "--full-name", "Cy", "--password", "another long one"])
    assert dup.exit_code == 2
    assert "already exists" in dup.output


def test_create_practice_rejects_bad_input(db):
    r = runner.invoke(app, ["create-practice", "--name", "X", "--owner-email", "nope",
                            "--owner-name", "N", "--password", "short"])
    assert r.exit_code == 2
    assert "email" in r.output
    assert db.exec(select(func.count()).select_from(Practice)).one() == 0


def test_demo_is_idempotent_and_prints_logins(db, client):
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "owner@harbourlane-demo.com" in first.output
    counts = _counts(db)
    assert counts["couples"] == 6
    assert counts["counselors"] == 3
    assert counts["sessions"] >= 6 * 12
    assert counts["agreements"] >= 12
    second = runner.invoke(app, ["demo"])
    assert "already present" in second.output
    assert _counts(db) == counts
    login = client.post("/api/v1/auth/token", data={"username": "owner@harbourlane-demo.com",
                                                     "password": "demo-owner-pass"})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    couple_id = client.get("/api/v1/couples", headers=headers).json()["items"][0]["id"]
    history = client.get(f"/api/v1/couples/{couple_id}/scores?instrument_id=trust-rebuilding",
                         headers=headers)
    assert history.status_code == 200, history.text
    assert len(history.text) > 1000  # both partners have several scored administrations
    flags = client.get("/api/v1/flags?status=open", headers=headers).json()
    assert any(f["severity"] == "high" for f in flags)


def _counts(db) -> dict[str, int]:
    db.rollback()
    return {
        "couples": db.exec(select(func.count()).select_from(Couple)).one(),
        "counselors": db.exec(select(func.count()).select_from(Counselor)).one(),
        "sessions": db.exec(select(func.count()).select_from(TherapySession)).one(),
        "agreements": db.exec(select(func.count()).select_from(Agreement)).one(),
    }


def test_check_assessments_passes_on_shipped_files():
    r = runner.invoke(app, ["check-assessments"])
    assert r.exit_code == 0, r.output


def test_check_assessments_names_file_and_problem(tmp_path):
    (tmp_path / "broken.v1.yaml").write_text("id: broken\nversion: 1\n")
    r = runner.invoke(app, ["check-assessments", "--directory", str(tmp_path)])
    assert r.exit_code == 1
    assert "broken.v1.yaml" in r.output


def test_worker_and_serve_say_how_the_queue_runs():
    worker = runner.invoke(app, ["worker", "--help"])
    assert worker.exit_code == 0, worker.output
    assert "MEND_QUEUE_URL" in worker.output and "--threads" in worker.output and "--workers" in worker.output
    assert "--parent-pid" not in worker.output  # for `mend serve` and `mend report` only
    serve = runner.invoke(app, ["serve", "--help"])
    assert serve.exit_code == 0, serve.output
    assert "--no-worker" in serve.output and "--queue-workers" in serve.output


def test_report_all_with_no_active_couple_starts_no_worker(tmp_path):
    out = tmp_path / "none"
    result = runner.invoke(app, ["report", "--all", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 0 reports in" in result.output and "worker" not in result.output
    assert out.is_dir()


def test_report_all_says_when_the_queue_cannot_be_reached(tmp_path, factory, monkeypatch):
    from app.config import get_settings
    from app.queue import reset
    from tests.live_server import free_port

    factory.couple(factory.counselor())
    monkeypatch.setattr(get_settings(), "queue_url", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    reset()
    try:
        result = runner.invoke(app, ["report", "--all", "--out-dir", str(tmp_path / "out")])
    finally:
        reset()
    assert result.exit_code == 2, result.output
    assert "can't be reached" in result.output and "Traceback" not in result.output
