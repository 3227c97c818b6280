"""Benchmark: ``mend audit verify`` over a practice's 100,000 audit events.

Run: ``.venv/bin/python bench/audit_verify.py [--events 100000] [--url postgresql+psycopg://…]``

Uses its own temporary SQLite database by default (or the PostgreSQL database given with
``--url``, which must be empty and is migrated first), migrated with ``app.migrate.upgrade``. The
events are made fast: computed in Python with the chain's own functions (``app.audit.chain``) and
bulk-inserted with Core in batches, then verified through the CLI command. Prints figures; never
fails on time (but exits 1 if the chain doesn't verify).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="mend-bench-audit-"))
    os.environ["MEND_DATABASE_URL"] = args.url or f"sqlite:///{data_dir / 'bench.db'}"
    os.environ["MEND_DATA_DIR"] = str(data_dir)
    os.environ["MEND_SECRET_KEY"] = "bench-secret-not-for-production"
    os.environ["MEND_ENVIRONMENT"] = "development"
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import insert
    from typer.testing import CliRunner

    from app import models  # noqa: F401 - every table
    from app.audit.chain import GENESIS, hash_event, practice_key
    from app.audit.models import AuditEvent
    from app.cli import app as cli
    from app.db import get_engine
    from app.migrate import upgrade
    from app.practice.models import Practice

    upgrade()
    engine = get_engine()
    from sqlmodel import Session

    with Session(engine) as session:
        practice = Practice(name="Bench practice")
        session.add(practice)
        session.commit()
        practice_id = practice.id

    class Row:
        __slots__ = ("action", "actor_id", "actor_kind", "at", "chain_seq", "detail", "entity", "entity_id",
                     "practice_id")

    started = time.perf_counter()
    key, prev = practice_key(practice_id), GENESIS
    base = datetime(2025, 1, 1, tzinfo=UTC)
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    batch: list[dict[str, object]] = []
    actions = ("read_note", "update", "create", "read", "sign")
    with engine.begin() as conn:
        for seq in range(1, args.events + 1):
            row = Row()
            row.practice_id, row.chain_seq, row.actor_id, row.actor_kind = practice_id, seq, None, "system"
            row.action, row.entity, row.entity_id = actions[seq % 5], "therapy_session", seq // 3
            row.detail = {"fields": ["note_data"]} if seq % 5 == 1 else {}
            row.at = base + timedelta(seconds=seq * 7, microseconds=seq % 1000)
            prev = hash_event(key, prev, row)
            batch.append({name: getattr(row, name) for name in Row.__slots__} | {"chain_hash": prev})
            if len(batch) == 5000:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)
    made = time.perf_counter() - started
    print(f"made {args.events:,} chained events in {made:.1f} s ({engine.dialect.name})")

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = CliRunner().invoke(cli, ["audit", "verify"])
        timings.append(time.perf_counter() - started)
        if result.exit_code != 0:
            print(result.output)
            raise SystemExit(1)
    print(result.output.strip())
    print(f"mend audit verify over {args.events:,} events: best {min(timings):.2f} s, "
          f"median {sorted(timings)[1]:.2f} s (3 runs, wall clock of the command)")


if __name__ == "__main__":
    main()
