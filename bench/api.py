"""API benchmark: a practice of 10,000 clients, 5,000 couples and 100,000 sessions served by
uvicorn; requests/s and p50/p95 latency for three counselor operations against Mend, against
a minimal hand-written FastAPI + SQLAlchemy Core app doing the same queries on the same database
(bench/minimal_app.py) and against a bare FastAPI app returning canned JSON (bench/bare_app.py),
each app served with 1 and then 2 uvicorn workers, in the same run. The servers are started
through bench/serve.py: uvicorn's own command line, with Mend's fix for its --workers N sockets.
``--before DIR`` also serves an earlier checkout of Mend (e.g. ``git worktree add DIR <commit>``)
on the same database, so a change is measured against what it replaced in one run.

    .venv/bin/python bench/api.py [--database-url URL] [--requests 400] [--concurrency 8]
                                  [--workers 1 2] [--operations search couple create] [--before DIR]

On PostgreSQL (e.g. --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test) the
practice lives in a throw-away schema, dropped at the end. The load generator runs in this
process, talks to 127.0.0.1 only and stops after --requests operations per operation and app.
Figures are printed, never asserted (the machine is noisy); compare the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
N_CLIENTS, N_COUPLES, N_SESSIONS = 10_000, 5_000, 100_000
FIRST = ["Maya", "Daniel", "Zoë", "Lukas", "Priya", "Arjun", "Hana", "Kenji", "Fatima", "Omar",
         "Claire", "Julien", "Ana", "Tomás", "Ines", "Noah", "Leila", "Sam", "Ruth", "Ivo"]
LAST = ["Okafor", "Ågren", "Raman", "Sato", "Haddad", "Dubois", "Martin", "Silva", "Novak", "Berg",
        "Kowalski", "Nguyen", "Costa", "Moreau", "Fischer", "Rossi", "Khan", "Ward", "Lind", "Park"]
OPERATIONS = {"search": "list clients (search)", "couple": "couple + its sessions",
              "create": "create a session"}
APPS = {  # name: (uvicorn app path, routes); "{id}" is a couple id
    "Mend": ("app.main:app", {"search": "/api/v1/clients", "couple": "/api/v1/couples/{id}",
                              "sessions": "/api/v1/couples/{id}/sessions", "create": "/api/v1/sessions"}),
    "minimal": ("bench.minimal_app:app", {"search": "/minimal/clients", "couple": "/minimal/couples/{id}",
                                          "sessions": "/minimal/couples/{id}/sessions",
                                          "create": "/minimal/sessions"}),
    "bare": ("bench.bare_app:app", {"search": "/bare/search", "couple": "/bare/couple",
                                    "sessions": "/bare/sessions", "create": "/bare/created"}),
}
NEW_SESSION = {"starts_at": "2026-11-20T10:00:00Z", "modality": "video", "note_data": "Benchmark note."}


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--requests", type=int, default=400, help="timed operations per operation and app")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], metavar="N",
                        help="uvicorn worker processes per app; one table per value (default: 1 2)")
    parser.add_argument("--operations", nargs="+", choices=list(OPERATIONS), default=list(OPERATIONS),
                        help="a subset of the operations (default: all)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="rounds per operation, the apps taking turns in each (drift hits all alike)")
    parser.add_argument("--before", type=Path, default=None, metavar="DIR",
                        help="an earlier checkout of Mend to serve beside this one")
    parser.add_argument("--stock-uvicorn", action="store_true",
                        help="serve with plain `python -m uvicorn`, without bench/serve.py's TCP_NODELAY fix "
                             "for --workers > 1 (uvicorn issue #3149: ~40 ms per keep-alive request)")
    args = parser.parse_args()
    if args.requests < args.concurrency or min(args.workers) < 1:
        parser.error("need --requests >= --concurrency and --workers >= 1")
    return args


def _set_env(url: str, data_dir: Path) -> None:
    os.environ["MEND_DATABASE_URL"] = url
    os.environ["MEND_DATA_DIR"] = str(data_dir)
    os.environ["MEND_SECRET_KEY"] = "bench-secret"
    os.environ["MEND_ENVIRONMENT"] = "test"


# --- a throw-away PostgreSQL schema (as tests/conftest.py does) ------------------------------


def _pg_admin(url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def create_pg_schema(url: str) -> tuple[str, str]:
    """Create a schema of our own; return it and the URL whose connections use it."""
    schema = f"mend_bench_{uuid.uuid4().hex[:10]}"
    _pg_admin(url, f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    return schema, f"{url}{sep}options=-csearch_path%3D{schema}"


def drop_pg_schema(url: str, schema: str) -> None:
    _pg_admin(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- the practice ----------------------------------------------------------------------------


def build_practice() -> tuple[str, int, list[int]]:
    """Fill the database; return an API token, the practice id and the couple ids."""
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
    return token, pid, couple_ids


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


def _workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes under a supervisor (Linux /proc; none with --workers 1)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    workers = []
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(int(child))
        except OSError:
            continue
    return workers


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    workers: int

    def pids(self) -> list[int]:
        return _workers_of(self.proc.pid) if self.workers > 1 else [self.proc.pid]

    def cpu(self) -> list[int]:
        return [_cpu_ticks(pid) for pid in self.pids()]


SERVE = [str(ROOT / "bench" / "serve.py")]  # uvicorn's command line with the --workers N socket fixed


def start_server(app_path: str, workers: int, extra_env: dict[str, str] | None = None,
                 root: Path = ROOT) -> Server:
    """Serve ``app_path`` from the checkout at ``root`` (this one, or ``--before``'s)."""
    port = _free_port()
    env = {**os.environ, **(extra_env or {}), "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, *SERVE, app_path, "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        cwd=root, env=env, start_new_session=True)
    server = Server(proc, f"http://127.0.0.1:{port}", workers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{server.base}/healthz", timeout=1, trust_env=False).status_code == 200:
                _settle(server, deadline)
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"{app_path} did not start (exit code {proc.poll()})")


def _settle(server: Server, deadline: float) -> None:
    """With several workers, one answering is not all of them ready (and the load's keep-alive
    connections are shared out between them): wait until every worker is up and idle."""
    if server.workers == 1:
        return
    before, quiet = None, 0
    while time.monotonic() < deadline and quiet < 3:
        time.sleep(0.2)
        now = server.cpu()
        quiet = quiet + 1 if len(now) == server.workers and now == before else 0
        before = now


def stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.proc.pid, signal.SIGKILL)  # its own session: the supervisor and its workers
        server.proc.wait()


# --- load ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One app's load on one operation, over one or more rounds."""

    latencies: list[float]  # seconds per operation
    elapsed: float  # seconds the timed operations took, summed over rounds
    errors: int
    cpu_used: list[int]  # CPU ticks per worker process

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(len(ordered) * 0.95) - 1] * 1000

    @property
    def cpu_split(self) -> list[float]:
        """Share of the server's CPU time per worker process."""
        total = sum(self.cpu_used)
        return [u / total for u in self.cpu_used] if total else []

    def plus(self, other: Result) -> Result:
        cpu = [a + b for a, b in zip(self.cpu_used, other.cpu_used, strict=False)] or other.cpu_used
        return Result(self.latencies + other.latencies, self.elapsed + other.elapsed,
                      self.errors + other.errors, cpu)


Operation = Callable[[httpx.Client, random.Random], bool]


def _client(base: str, headers: dict) -> httpx.Client:
    return httpx.Client(base_url=base, headers=headers, timeout=30, trust_env=False)  # never a proxy


def _serving_pid(server: Server, client: httpx.Client) -> int | None:
    """Which worker process accepted the client's (keep-alive) connection, from /proc (Linux)."""
    stream = client.get("/healthz").extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None:
        return None
    client_port, server_port = sock.getsockname()[1], int(server.base.rsplit(":", 1)[1])
    inode = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if (int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)) == (server_port, client_port):
                inode = fields[9]
    for pid in server.pids() if inode else []:
        with contextlib.suppress(OSError):
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
    return None


def _balanced_client(server: Server, headers: dict, taken: dict[int | None, int], quota: int) -> httpx.Client:
    """A connected client, on a worker that holds fewer than ``quota`` of the connections.

    Workers share one listening socket and whichever wakes first accepts every pending
    connection, so left alone all the keep-alive connections may end up on one worker."""
    for _ in range(50):
        client = _client(server.base, headers)
        owner = _serving_pid(server, client) if server.workers > 1 else None
        if owner is None or taken.get(owner, 0) < quota:
            taken[owner] = taken.get(owner, 0) + 1
            return client
        client.close()
    return _client(server.base, headers)  # no luck: take whichever worker


def run_load(server: Server, make_request: Operation, total: int, concurrency: int, headers: dict) -> Result:
    """``make_request(client, rng)`` issues one operation; latencies are per operation."""
    latencies: list[float] = []
    errors = [0]
    lock, connecting = threading.Lock(), threading.Lock()
    warm = threading.Barrier(concurrency + 1)
    per_thread = total // concurrency
    taken: dict[int | None, int] = {}
    quota = -(-concurrency // server.workers)

    def attempt(client: httpx.Client, rng: random.Random) -> bool:
        try:
            return make_request(client, rng)
        except httpx.HTTPError:  # a timeout or a dropped connection counts as a failed operation
            return False

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with connecting:  # one connection at a time, shared out evenly between the workers
                client = _balanced_client(server, headers, taken, quota)
            try:
                for _ in range(5):  # warm the connection and the server's caches
                    attempt(client, rng)
                warm.wait()
                mine, failed = [], 0
                for _ in range(per_thread):
                    t0 = time.perf_counter()
                    ok = attempt(client, rng)
                    mine.append(time.perf_counter() - t0)
                    failed += not ok
            finally:
                client.close()
        except BaseException:
            warm.abort()  # nobody waits for a client that is gone
            raise
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    try:
        warm.wait(timeout=300)  # the clock starts when every client is connected and warm
    except threading.BrokenBarrierError:
        raise RuntimeError(f"the load generator failed while warming up against {server.base}") from None
    cpu_before = server.cpu()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if len(latencies) < per_thread * concurrency:
        raise RuntimeError(f"a load-generator thread failed against {server.base}")
    used = [after - before for after, before in zip(server.cpu(), cpu_before, strict=False)]
    return Result(latencies, elapsed, errors[0], used)


def operations(routes: dict[str, str], couple_ids: list[int]) -> dict[str, Operation]:
    """The three operations against one app's routes (the bare app ignores ids and parameters)."""

    def search(client: httpx.Client, rng: random.Random) -> bool:
        return client.get(routes["search"], params={"q": rng.choice(FIRST)[:3], "limit": 50}).is_success

    def couple_with_sessions(client: httpx.Client, rng: random.Random) -> bool:
        cid = rng.choice(couple_ids)
        one = client.get(routes["couple"].format(id=cid))
        two = client.get(routes["sessions"].format(id=cid), params={"limit": 50})
        return one.is_success and two.is_success

    def create_session(client: httpx.Client, rng: random.Random) -> bool:
        body = {"couple_id": rng.choice(couple_ids), **NEW_SESSION}
        return client.post(routes["create"], json=body).status_code == 201

    return {"search": search, "couple": couple_with_sessions, "create": create_session}


def samples(server: Server, routes: dict[str, str], headers: dict, couple_id: int, *, create: bool) -> dict:
    """One response of each read (and, if ``create``, of the write)."""
    with _client(server.base, headers) as client:
        out = {
            "search": client.get(routes["search"], params={"q": "May", "limit": 50}).json(),
            "couple": client.get(routes["couple"].format(id=couple_id)).json(),
            "sessions": client.get(routes["sessions"].format(id=couple_id), params={"limit": 50}).json(),
        }
        if create:
            out["created"] = client.post(routes["create"], json={"couple_id": couple_id, **NEW_SESSION}).json()
    return out


def capture_and_compare(headers: dict, couple_id: int, practice_id: int, payloads: Path) -> str:
    """Save one real Mend response of each operation (the bare app serves them) and check that
    the minimal app answers the same JSON, before any load changes the data."""
    mend = start_server(APPS["Mend"][0], 1)
    minimal = start_server(APPS["minimal"][0], 1, {"MINIMAL_PRACTICE_ID": str(practice_id)})
    try:
        ours = samples(mend, APPS["Mend"][1], headers, couple_id, create=False)
        theirs = samples(minimal, APPS["minimal"][1], {}, couple_id, create=False)
        ours["created"] = samples(mend, APPS["Mend"][1], headers, couple_id, create=True)["created"]
        theirs["created"] = samples(minimal, APPS["minimal"][1], {}, couple_id, create=True)["created"]
    finally:
        stop(mend)
        stop(minimal)
    payloads.write_text(json.dumps(ours))
    differ = [name for name in ours if name != "created" and ours[name] != theirs[name]]
    volatile = {"id", "created_at", "updated_at"}
    made_a, made_b = ({k: v for k, v in s["created"].items() if k not in volatile} for s in (ours, theirs))
    if made_a != made_b:
        differ.append("created")
    return "same JSON as Mend" if not differ else f"JSON differs from Mend's for: {', '.join(differ)}"


# --- report --------------------------------------------------------------------------------


def machine_facts(url: str, schema: str | None) -> list[str]:
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    model = ""
    with contextlib.suppress(OSError):
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("fastapi", "uvicorn", "sqlalchemy", "pydantic"))
    lines = [f"machine : {cores} cores ({usable} usable){', ' + model if model else ''}; {platform.platform()}",
             f"python  : {platform.python_implementation()} {platform.python_version()}; {versions}"]
    if url.startswith("sqlite"):
        import sqlite3

        lines.append(f"database: SQLite {sqlite3.sqlite_version} (WAL), file {url.split('///', 1)[1]}")
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar_one()
        finally:
            engine.dispose()
        host = url.split("@", 1)[-1].split("/", 1)[0]
        lines.append(f"database: PostgreSQL {version} at {host}, schema {schema} ({url.split(':')[0]})")
    lines.append(f"load    : client threads in this process on 127.0.0.1, sharing the {usable} cores with the servers")
    lines.append("serving : " + ("python -m uvicorn APP --workers N (stock)" if SERVE[0] == "-m" else
                                 "bench/serve.py APP --workers N (uvicorn's CLI with app/serving.py's TCP_NODELAY "
                                 "fix for N > 1, uvicorn issue #3149; --stock-uvicorn to see it without)"))
    return lines


def print_table(workers: int, results: dict[str, dict[str, Result]], args: argparse.Namespace) -> None:
    plural = "worker" if workers == 1 else "workers"
    print(f"\n{workers} uvicorn {plural} per app; {args.requests} timed operations per operation and app "
          f"in {args.rounds} rounds taking the apps in turn, {args.concurrency} concurrent clients")
    others = [name for name in results if name != "Mend"]
    head = f"{'operation':<23}{'Mend r/s':>9}{'p50':>7}{'p95':>7}" + "".join(
        f" |{name[:8] + ' r/s':>13}{'Mend÷it':>8}" for name in others) + f" |{'errors':>10}"
    print(head)
    print("-" * len(head))
    for key in args.operations:
        m = results["Mend"][key]
        row = f"{OPERATIONS[key]:<23}{m.rps:>9.0f}{m.p50_ms:>7.1f}{m.p95_ms:>7.1f}"
        for name in others:
            other = results[name][key]
            row += f" |{other.rps:>13.0f}{m.rps / other.rps:>7.2f}x"
        row += f" |{'/'.join(str(r[key].errors) for r in results.values()):>10}"
        print(row)
    print("r/s = operations per second; p50/p95 = Mend's latency per operation in ms; "
          "Mend÷it = Mend's r/s ÷ that app's r/s (above 1: Mend serves more); errors in the order "
          + "/".join(results))
    if workers > 1:
        for name, per_op in results.items():
            splits = "; ".join(f"{key} " + "/".join(f"{share:.0%}" for share in per_op[key].cpu_split)
                               for key in args.operations)
            print(f"CPU split over the {workers} {name} workers: {splits}")


def measure(apps: dict, workers: int, env: dict, args: argparse.Namespace, couple_ids: list[int],
            headers: dict) -> dict[str, dict[str, Result]]:
    """Every app served at once; each operation's load given in ``--rounds`` rounds that take
    the apps in turn, so a machine that slows down for a minute slows them all alike."""
    servers = {}
    try:
        for name, (app_path, _routes) in apps.items():
            root = args.before.resolve() if name == "before" else ROOT
            servers[name] = start_server(app_path, workers, env[name], root=root)
        results: dict[str, dict[str, Result]] = {name: {} for name in apps}
        per_round = max(args.concurrency, args.requests // args.rounds)
        for key in args.operations:
            for _ in range(args.rounds):
                for name, (_app_path, routes) in apps.items():
                    load = run_load(servers[name], operations(routes, couple_ids)[key], per_round,
                                    args.concurrency, headers if name in ("Mend", "before") else {})
                    so_far = results[name].get(key)
                    results[name][key] = so_far.plus(load) if so_far else load
        return results
    finally:
        for server in servers.values():
            stop(server)


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    global SERVE
    args = _args()
    if args.stock_uvicorn:
        SERVE = ["-m", "uvicorn"]
    work = Path(tempfile.mkdtemp(prefix="mend-bench-"))
    admin_url, schema = args.database_url, None
    if admin_url.startswith("postgresql"):
        schema, url = create_pg_schema(admin_url)
    else:
        url = admin_url or f"sqlite:///{work / 'bench.db'}"
    try:
        _set_env(url, work)
        print("\n".join(machine_facts(url, schema)))
        t0 = time.perf_counter()
        token, practice_id, couple_ids = build_practice()
        print(f"built {N_CLIENTS:,} clients, {N_COUPLES:,} couples, {N_SESSIONS:,} sessions "
              f"in {time.perf_counter() - t0:.1f} s")
        headers = {"Authorization": f"Bearer {token}"}
        payloads = work / "payloads.json"
        print(f"minimal app: {capture_and_compare(headers, couple_ids[0], practice_id, payloads)}")
        env = {"Mend": {}, "minimal": {"MINIMAL_PRACTICE_ID": str(practice_id)},
               "bare": {"BENCH_PAYLOADS": str(payloads)}, "before": {}}
        apps = dict(APPS)
        if args.before:
            apps["before"] = APPS["Mend"]
        for workers in args.workers:
            results = measure(apps, workers, env, args, couple_ids, headers)
            print_table(workers, results, args)
    finally:
        if schema:
            drop_pg_schema(admin_url, schema)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
