"""50 clients fill in their links at once against a real server; some submit twice at the same moment.

Every administration must end with exactly one submission: status submitted, one set of
scores, one audit "submit", no duplicate responses, and no 5xx along the way. With one worker,
50 clients are more than its 40 threads: a request that waits for the writer lock must never
keep the lock's holder from ending its transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import func, select

from app.audit.models import AuditEvent
from app.questionnaires.models import Administration, Response, Score
from tests.live_server import running_server
from tests.questionnaires.helpers import csrf_of, fill_in_link, trust, uniform_answers

CLIENTS = 50
pytestmark = pytest.mark.slow


@pytest.fixture(params=[1, 2], ids=["one worker", "two workers"])
def live_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """uvicorn on the test database; always stopped, even on failure."""
    with running_server(workers=request.param) as base:
        yield base


class _Statuses:
    """Every status code seen, from every thread."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self._lock = threading.Lock()

    def hook(self, response: httpx.Response) -> None:
        with self._lock:
            self.codes.append(response.status_code)


def _fill(base: str, link: str, twice: bool, seen: _Statuses) -> None:
    hooks = {"response": [seen.hook]}
    with httpx.Client(base_url=base, timeout=60, event_hooks=hooks) as http:
        review = fill_in_link(http, link, uniform_answers(trust(), 4), submit=False)
        data = {"_csrf": csrf_of(review.text), "_section": "_review", "_action": "submit"}
        if not twice:
            sent = http.post("/q/form", data=data, follow_redirects=True)
            assert sent.status_code == 200 and "Thank you" in sent.text, sent.text
            return
        # The same browser sending its submit twice at once (a double tap on a slow network).
        with httpx.Client(base_url=base, timeout=60, cookies=http.cookies, event_hooks=hooks) as second:
            barrier = threading.Barrier(2)

            def send(client: httpx.Client) -> httpx.Response:
                barrier.wait()
                return client.post("/q/form", data=data, follow_redirects=True)

            with ThreadPoolExecutor(2) as both:
                results = list(both.map(send, [http, second]))
        for result in results:
            assert result.status_code == 200 and "Thank you" in result.text, result.text


def test_fifty_clients_submit_exactly_once(live_server, factory, db):
    counselor = factory.counselor()
    headers = factory.headers(counselor)
    clients = [factory.client(counselor, first=f"Client{n}") for n in range(CLIENTS)]
    with httpx.Client(base_url=live_server, timeout=30, headers=headers) as api:
        made = [api.post("/api/v1/administrations", json={"client_id": c.id, "instrument_id": "trust-rebuilding"})
                for c in clients]
    assert all(r.status_code == 201 for r in made), [r.text for r in made if r.status_code != 201]
    links = [r.json()["link"] for r in made]
    seen = _Statuses()
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_fill, live_server, link, n % 5 == 0, seen) for n, link in enumerate(links)]
        for future in futures:
            future.result()
    elapsed = time.monotonic() - started
    print(f"\n{CLIENTS} clients, {len(seen.codes)} requests in {elapsed:.1f} s")
    failed = [code for code in seen.codes if code >= 500]
    assert not failed, f"{len(failed)} server errors among {len(seen.codes)} requests: {sorted(set(failed))}"

    ids = [r.json()["id"] for r in made]
    definition = trust()
    rows = db.exec(select(Administration).where(Administration.id.in_(ids))).all()  # type: ignore[attr-defined]
    assert len(rows) == CLIENTS
    for row in rows:
        assert row.status == "submitted" and row.submitted_at is not None
        scores = db.exec(select(func.count()).select_from(Score).where(Score.administration_id == row.id)).one()
        assert scores == len(definition.subscales)
        responses = db.exec(select(Response.item_id).where(Response.administration_id == row.id)).all()
        assert len(responses) == len(set(responses)) == len(definition.items)
        submits = db.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "administration", AuditEvent.entity_id == row.id,
            AuditEvent.action == "submit")).one()
        assert submits == 1
