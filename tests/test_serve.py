"""`mend serve` starts a real server that migrates the database and answers requests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from app import queue, worker
from app.config import get_settings
from tests.live_server import free_port, running_server
from tests.worker_process import queue_for, wait_until, workers_on

pytestmark = pytest.mark.slow


def test_mend_serve_answers_and_shows_api_docs():
    port = free_port()
    with running_server([_mend(), "serve", "--port", str(port)], port=port, output=subprocess.DEVNULL) as base:
        assert httpx.get(f"{base}/docs").status_code == 200
        spec = httpx.get(f"{base}/openapi.json").json()
        assert "/api/v1/auth/token" in spec["paths"]
        assert httpx.get(f"{base}/api/v1/clients").status_code == 401


@pytest.fixture
def same_queue(tmp_path, monkeypatch):
    """A queue of the test's own, for the server's worker and for this process (which reads its heartbeat)."""
    with queue_for("sqlite", tmp_path) as env:
        monkeypatch.setattr(get_settings(), "queue_url", env["MEND_QUEUE_URL"])
        monkeypatch.setattr(get_settings(), "queue_name", env["MEND_QUEUE_NAME"])
        queue.reset()
        yield env
        queue.reset()


def _mend() -> str:
    return shutil.which("mend") or os.path.join(os.path.dirname(sys.executable), "mend")


def test_mend_serve_runs_the_queue_worker_beside_it_and_stops_it_with_the_server(same_queue):
    port = free_port()
    name = same_queue["MEND_QUEUE_NAME"]
    with running_server([_mend(), "serve", "--port", str(port), "--queue-workers", "1"], port=port, env=same_queue,
                        output=subprocess.DEVNULL):
        wait_until(worker.alive, timeout=20, what="the worker's heartbeat")
        assert len(workers_on(name)) == 3  # the consumer, its scheduler and one worker process
    wait_until(lambda: not workers_on(name), timeout=20, what="the worker to stop with the server")
    assert not worker.alive()  # stopped gracefully: it took its heartbeat with it


def test_mend_serve_no_worker_leaves_the_queue_to_mend_worker(same_queue):
    port = free_port()
    with running_server([_mend(), "serve", "--port", str(port), "--no-worker"], port=port, env=same_queue,
                        output=subprocess.DEVNULL) as base:
        assert httpx.get(f"{base}/healthz").status_code == 200
        time.sleep(worker.HEARTBEAT_SECONDS * 2)  # a worker would have written its heartbeat by now
        assert not worker.alive()
        assert workers_on(same_queue["MEND_QUEUE_NAME"]) == []


def test_workers_listen_on_a_tcp_socket_so_responses_are_not_held_back(monkeypatch):
    """uvicorn's multi-worker listener says proto 0, so asyncio never sets TCP_NODELAY and each
    keep-alive response waits ~40 ms (uvicorn #3149); app.serving relabels it IPPROTO_TCP."""
    import socket

    import uvicorn.config

    from app.serving import with_tcp_nodelay

    monkeypatch.setattr(uvicorn.config.Config, "bind_socket", uvicorn.config.Config.bind_socket)  # undone after
    config = uvicorn.config.Config("app.main:app", host="127.0.0.1", port=free_port())
    with_tcp_nodelay()
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        sock.listen()
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        assert accepted.proto == socket.IPPROTO_TCP  # what asyncio checks before setting TCP_NODELAY
        accepted.close()
        client.close()
    finally:
        sock.close()
