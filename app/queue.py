"""The task queue: Huey, embedded on a SQLite file by default, on Redis with ``MEND_QUEUE_URL``.

Rooms below ``app.tasks`` must be able to ask for work ("deliver message 7") without importing
the rooms that do it, so Huey knows one task, ``run_job(name, args)``, and the work itself is a
handler registered by name (``app.tasks`` registers them all; a worker imports it at start).
The database stays the truth about what must happen: a job only says "look at row N now", and
every handler checks that row before acting, so a job run twice, late or after a crash does no
harm, and a lost job is found again by the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab

from app.config import get_settings

log = logging.getLogger("mend.queue")

Handler = Callable[..., Any]
_handlers: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the work behind jobs called ``name``."""
    def register(fn: Handler) -> Handler:
        _handlers[name] = fn
        return fn
    return register


def make_huey(url: str, *, name: str) -> Huey:
    """A Huey for ``url``: ``redis://…`` (several machines) or a SQLite file path / ``sqlite:///path``."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, utc=True)
    path = url.removeprefix("sqlite:///") if url else str(get_settings().data_dir / "queue.db")
    return SqliteHuey(name, filename=path, utc=True, timeout=30)


@lru_cache
def get_huey() -> Huey:
    settings = get_settings()
    huey = make_huey(settings.queue_url, name=settings.queue_name)
    _register(huey)
    return huey


def _register(huey: Huey) -> None:
    @huey.task(name="mend.run_job")
    def run_job(name: str, args: list[Any]) -> Any:
        fn = _handlers.get(name)
        if fn is None:
            raise LookupError(f"No handler for job {name!r}; is app.tasks imported in this worker?")
        return fn(*args)

    # Every minute: sends and reminders that came due, and any job a crash lost.
    @huey.periodic_task(crontab(minute="*"), name="mend.sweep")
    def sweep() -> None:
        fn = _handlers.get("sweep")
        if fn is not None:
            fn()

    # Nightly: the practice's own reliability where the data have grown enough.
    @huey.periodic_task(crontab(minute="15", hour="3"), name="mend.nightly")
    def nightly() -> None:
        fn = _handlers.get("nightly")
        if fn is not None:
            fn()

    # Nightly, after the snapshots: records past the practice's retention period, where the owner turned it on.
    @huey.periodic_task(crontab(minute="45", hour="3"), name="mend.purge")
    def purge() -> None:
        fn = _handlers.get("purge")
        if fn is not None:
            fn()

    huey.mend_run_job = run_job  # type: ignore[attr-defined]


def enqueue(name: str, *args: Any, delay: float | None = None) -> Any:
    """Ask a worker to run job ``name`` (now, or after ``delay`` seconds); returns Huey's result handle."""
    run_job = get_huey().mend_run_job  # type: ignore[attr-defined]
    if delay:
        return run_job.schedule(args=(name, list(args)), delay=delay)
    return run_job(name, list(args))


def run_here(name: str, *args: Any) -> Any:
    """Run a job's handler in this process, now (the sweep of a worker starting, tests)."""
    return _handlers[name](*args)


def reset() -> None:
    """Forget the cached Huey (settings changed, tests)."""
    get_huey.cache_clear()
