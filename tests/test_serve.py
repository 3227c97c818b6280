"""`mend serve` starts a real server that migrates the database and answers requests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mend_serve_answers_and_shows_api_docs():
    port = _free_port()
    mend = shutil.which("mend") or os.path.join(os.path.dirname(sys.executable), "mend")
    proc = subprocess.Popen([mend, "serve", "--port", str(port)], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("mend serve did not start")
        assert httpx.get(f"{base}/docs").status_code == 200
        spec = httpx.get(f"{base}/openapi.json").json()
        assert "/api/v1/auth/token" in spec["paths"]
        assert httpx.get(f"{base}/api/v1/clients").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
