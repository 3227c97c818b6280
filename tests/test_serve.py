"""`mend serve` starts a real server that migrates the database and answers requests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from tests.live_server import free_port, running_server

pytestmark = pytest.mark.slow


def test_mend_serve_answers_and_shows_api_docs():
    port = free_port()
    mend = shutil.which("mend") or os.path.join(os.path.dirname(sys.executable), "mend")
    with running_server([mend, "serve", "--port", str(port)], port=port, output=subprocess.DEVNULL) as base:
        assert httpx.get(f"{base}/docs").status_code == 200
        spec = httpx.get(f"{base}/openapi.json").json()
        assert "/api/v1/auth/token" in spec["paths"]
        assert httpx.get(f"{base}/api/v1/clients").status_code == 401


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
