"""A bare FastAPI app returning the same JSON as Mend's endpoints: the benchmark's yardstick."""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI

app = FastAPI()
_PAYLOADS: dict[str, Any] = json.loads(open(os.environ["BENCH_PAYLOADS"]).read())  # noqa: SIM115


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/bare/{name}")
def fetch(name: str) -> Any:
    return _PAYLOADS[name]


@app.post("/bare/created", status_code=201)
def create(body: dict[str, Any]) -> Any:
    return _PAYLOADS["created"]
