"""Counselor pages on the demo practice: the median and p95 time of each page a counselor's day
passes through (Today, a couple, a session, the audit log filtered to one client, the report
form), served in this process by the real app on a throw-away SQLite file.

    .venv/bin/python bench/pages.py [--rounds 30]

Prints figures, asserts nothing (the machine is noisy); compare pages within one run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

_DATA = Path(tempfile.mkdtemp(prefix="mend-bench-pages-"))
os.environ.update({"MEND_DATABASE_URL": f"sqlite:///{_DATA / 'mend.db'}", "MEND_DATA_DIR": str(_DATA),
                   "MEND_SECRET_KEY": "bench-secret-key", "MEND_BASE_URL": "http://testserver"})

from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.db import get_engine  # noqa: E402
from app.demo import DEMO_LOGINS, ensure_demo  # noqa: E402
from app.main import app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Client, Couple, TherapySession  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _ids() -> dict[str, int]:
    with Session(get_engine()) as session:
        couple = session.exec(select(Couple).order_by(Couple.id)).first()
        assert couple is not None
        therapy = session.exec(select(TherapySession).where(TherapySession.couple_id == couple.id)).first()
        client = session.get(Client, couple.partner_a_id)
        assert therapy is not None and client is not None
        return {"couple": couple.id or 0, "session": therapy.id or 0, "client": client.id or 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    upgrade()
    with Session(get_engine()) as session:
        ensure_demo(session)
        session.commit()
    ids = _ids()
    pages = {"Today (dashboard)": "/dashboard", "couple page": f"/couples/{ids['couple']}",
             "session page": f"/sessions/{ids['session']}",
             "audit log, one client": f"/audit?person=client-{ids['client']}",
             "report form": f"/couples/{ids['couple']}/report", "sessions list": "/sessions"}
    email, password, _ = DEMO_LOGINS[0]  # the owner: the audit log is theirs
    with TestClient(app) as client:
        token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"})
        print(f"{'page':<24} {'median ms':>10} {'p95 ms':>8}   ({rounds} rounds, demo practice, SQLite)")
        for name, url in pages.items():
            first = client.get(url, follow_redirects=False)
            assert first.status_code == 200 and "Sign out" in first.text, url  # signed in, not the login page
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"{name:<24} {statistics.median(times):>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
