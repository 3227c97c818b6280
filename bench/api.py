"""API benchmark: a practice of 10,000 clients, 5,000 couples and 100,000 sessions served by
uvicorn; requests/s and p50/p95 latency for three counselor operations, each next to a bare
FastAPI endpoint returning the same JSON, in the same run.

    .venv/bin/python bench/api.py [--database-url URL] [--requests 400] [--concurrency 8]

Figures are printed, never asserted (the machine is noisy); compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
N_CLIENTS, N_COUPLES, N_SESSIONS = 10_000, 5_000, 100_000
FIRST = ["Maya", "Daniel", "Zoë", "Lukas", "Priya", "Arjun", "Hana", "Kenji", "Fatima", "Omar",
         "Claire", "Julien", "Ana", "Tomás", "Ines", "Noah", "Leila", "Sam", "Ruth", "Ivo"]
LAST = ["Okafor", "Ågren", "Raman", "Sato", "Haddad", "Dubois", "Martin", "Silva", "Novak", "Berg",
        "Kowalski", "Nguyen", "Costa", "Moreau", "Fischer", "Rossi", "Khan", "Ward", "Lind", "Park"]


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per operation")
    parser.add_argument("--concurrency", type=int, default=8)
    return parser.parse_args()


def _set_env(url: str, data_dir: Path) -> None:
    os.environ["MEND_DATABASE_URL"] = url
    os.environ["MEND_DATA_DIR"] = str(data_dir)
    os.environ["MEND_SECRET_KEY"] = "bench-secret"
    os.environ["MEND_ENVIRONMENT"] = "test"


def build_practice() -> tuple[str, list[int]]:
    """Fill the database; return an API token and the couple ids."""
    from sqlalchemy import insert, text
    from sqlmodel import Session

    from app.auth.models import Counselor
    from app.auth.security import hash_password
    from app.auth.service import issue_token
    from app.clients.models import Client, Couple
    from app.db import get_engine
    from app.migrate import upgrade
    from app.practice.models import Practice
    from app.sessions.models import TherapySession

    upgrade()
    engine = get_engine()
    rng = random.Random(1)
    now = datetime.now(UTC)
    with Session(engine) as session:
        practice = Practice(name="Benchmark Practice")
        session.add(practice)
        session.flush()
        owner = Counselor(practice_id=practice.id, email="owner@bench.example.com", full_name="Owner",
                          role="owner", password_hash=hash_password("bench-password"))
        session.add(owner)
        session.flush()
        pid, cid = practice.id, owner.id
        clients = [_client_row(pid, cid, rng.choice(FIRST), f"{rng.choice(LAST)}{i}", now)
                   for i in range(N_CLIENTS)]
        session.execute(insert(Client), clients)
        client_ids = list(session.execute(text("SELECT id FROM client ORDER BY id")).scalars())
        couples = [{"practice_id": pid, "counselor_id": cid, "partner_a_id": client_ids[2 * i],
                    "partner_b_id": client_ids[2 * i + 1], "breach_type": "infidelity",
                    "status": "active", "created_at": now, "updated_at": now}
                   for i in range(N_COUPLES)]
        session.execute(insert(Couple), couples)
        couple_ids = list(session.execute(text("SELECT id FROM couple ORDER BY id")).scalars())
        for start in range(0, N_SESSIONS, 10_000):
            rows = [_session_row(pid, cid, couple_ids[i % N_COUPLES], client_ids, i, now)
                    for i in range(start, start + 10_000)]
            session.execute(insert(TherapySession), rows)
        token = issue_token(session, counselor=session.get(Counselor, cid), kind="api")
        session.commit()
    engine.dispose()
    return token, couple_ids


def _client_row(pid: int, cid: int, first: str, last: str, now: datetime) -> dict:
    from app.clients.models import client_search_name

    return {"practice_id": pid, "counselor_id": cid, "first_name": first, "last_name": last,
            "search_name": client_search_name(first, None, last), "status": "active",
            "created_at": now, "updated_at": now}


def _session_row(pid: int, cid: int, couple_id: int, client_ids: list[int], i: int,
                 now: datetime) -> dict:
    index = (couple_id - 1) % N_COUPLES
    return {"practice_id": pid, "counselor_id": cid, "couple_id": couple_id, "client_id": None,
            "starts_at": now - timedelta(days=7 * (i // N_COUPLES)), "duration_minutes": 50,
            "modality": "in_person", "attendee_ids": [client_ids[2 * index], client_ids[2 * index + 1]],
            "note_data": "Reviewed the week; both partners present.", "note_assessment": "Engaged.",
            "note_plan": "Continue.", "status": "signed", "created_at": now, "updated_at": now}


# --- serving -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app_path: str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, **(extra_env or {}), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app_path, "--port", str(port), "--log-level", "warning",
         "--no-access-log"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{app_path} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- load ----------------------------------------------------------------------------------


@dataclass
class Result:
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int


def run_load(base: str, make_request, total: int, concurrency: int, headers: dict) -> Result:
    """``make_request(client, rng)`` issues one operation; latencies are per operation."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_thread = total // concurrency

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for _ in range(5):  # warm the connection and the server's caches
                make_request(client, rng)
            mine = []
            for _ in range(per_thread):
                t0 = time.perf_counter()
                ok = make_request(client, rng)
                mine.append(time.perf_counter() - t0)
                if not ok:
                    with lock:
                        errors[0] += 1
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return Result(len(latencies) / elapsed, statistics.median(latencies) * 1000,
                  latencies[int(len(latencies) * 0.95) - 1] * 1000, errors[0])


def mend_operations(couple_ids: list[int]) -> dict:
    def search(client: httpx.Client, rng: random.Random) -> bool:
        return client.get("/api/v1/clients", params={"q": rng.choice(FIRST)[:3], "limit": 50}).is_success

    def couple_with_sessions(client: httpx.Client, rng: random.Random) -> bool:
        cid = rng.choice(couple_ids)
        one = client.get(f"/api/v1/couples/{cid}")
        two = client.get(f"/api/v1/couples/{cid}/sessions", params={"limit": 50})
        return one.is_success and two.is_success

    def create_session(client: httpx.Client, rng: random.Random) -> bool:
        body = {"couple_id": rng.choice(couple_ids), "starts_at": "2026-11-20T10:00:00Z",
                "modality": "video", "note_data": "Benchmark note."}
        return client.post("/api/v1/sessions", json=body).status_code == 201

    return {"list clients (search)": search, "couple + its sessions": couple_with_sessions,
            "create a session": create_session}


def capture_payloads(base: str, headers: dict, couple_ids: list[int], out: Path) -> None:
    """Save one real response of each operation, so the bare app returns the same JSON."""
    with httpx.Client(base_url=base, headers=headers) as client:
        cid = couple_ids[0]
        samples = {
            "search": client.get("/api/v1/clients", params={"q": "May", "limit": 50}).json(),
            "couple": client.get(f"/api/v1/couples/{cid}").json(),
            "sessions": client.get(f"/api/v1/couples/{cid}/sessions", params={"limit": 50}).json(),
            "created": client.post("/api/v1/sessions", json={
                "couple_id": cid, "starts_at": "2026-11-20T10:00:00Z", "modality": "video",
                "note_data": "Benchmark note."}).json(),
        }
    out.write_text(json.dumps(samples))


def bare_operations() -> dict:
    def search(client: httpx.Client, rng: random.Random) -> bool:
        return client.get("/bare/search").is_success

    def couple_with_sessions(client: httpx.Client, rng: random.Random) -> bool:
        return client.get("/bare/couple").is_success and client.get("/bare/sessions").is_success

    def create_session(client: httpx.Client, rng: random.Random) -> bool:
        body = {"couple_id": 1, "starts_at": "2026-11-20T10:00:00Z", "modality": "video",
                "note_data": "Benchmark note."}
        return client.post("/bare/created", json=body).status_code == 201

    return {"list clients (search)": search, "couple + its sessions": couple_with_sessions,
            "create a session": create_session}


def main() -> None:
    args = _args()
    work = Path(tempfile.mkdtemp(prefix="mend-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    _set_env(url, work)
    t0 = time.perf_counter()
    token, couple_ids = build_practice()
    print(f"built {N_CLIENTS:,} clients, {N_COUPLES:,} couples, {N_SESSIONS:,} sessions "
          f"in {time.perf_counter() - t0:.1f} s ({url.split(':')[0]})")
    headers = {"Authorization": f"Bearer {token}"}
    payloads = work / "payloads.json"
    proc, base = start_server("app.main:app")
    try:
        capture_payloads(base, headers, couple_ids, payloads)
        mend = {name: run_load(base, op, args.requests, args.concurrency, headers)
                for name, op in mend_operations(couple_ids).items()}
    finally:
        stop(proc)
    proc, base = start_server("bench.bare_app:app", {"BENCH_PAYLOADS": str(payloads)})
    try:
        bare = {name: run_load(base, op, args.requests, args.concurrency, {})
                for name, op in bare_operations().items()}
    finally:
        stop(proc)
    _print_table(mend, bare, args)


def _print_table(mend: dict[str, Result], bare: dict[str, Result], args: argparse.Namespace) -> None:
    print(f"\n{args.requests} timed operations each, {args.concurrency} concurrent clients, "
          "1 uvicorn worker, 2 cores shared with the load generator")
    head = f"{'operation':<24}{'Mend req/s':>11}{'p50 ms':>8}{'p95 ms':>8}{'bare req/s':>11}" \
           f"{'p50 ms':>8}{'p95 ms':>8}{'bare/Mend':>10}{'err':>5}"
    print(head)
    print("-" * len(head))
    for name, m in mend.items():
        b = bare[name]
        print(f"{name:<24}{m.rps:>11.0f}{m.p50_ms:>8.1f}{m.p95_ms:>8.1f}{b.rps:>11.0f}"
              f"{b.p50_ms:>8.1f}{b.p95_ms:>8.1f}{b.rps / m.rps:>9.2f}x{m.errors + b.errors:>5}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
