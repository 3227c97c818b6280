"""Routing pieces every router shares: the ``{id}`` path convertor and the API's router class.

Ids are positive 32-bit integers in both databases. Matching only those in the route
itself means `/clients/abc` or `/clients/99999999999999999999` is simply not found (404),
like any record that doesn't exist, instead of a validation or database error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

# 1 … MAX_ID (2,147,483,647), digit by digit (a regex can't compare numbers).
_UP_TO_MAX_ID = "|".join([
    "[1-9][0-9]{0,8}", "1[0-9]{9}", "20[0-9]{8}", "21[0-3][0-9]{7}", "214[0-6][0-9]{6}",
    "2147[0-3][0-9]{5}", "21474[0-7][0-9]{4}", "214748[0-2][0-9]{3}", "2147483[0-5][0-9]{2}",
    "21474836[0-3][0-9]", "214748364[0-7]",
])


class RecordIdConvertor(Convertor[int]):
    regex = f"(?:{_UP_TO_MAX_ID})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", RecordIdConvertor())


def in_worker_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A plain ``def`` endpoint as a coroutine that runs it in one worker-thread call.

    FastAPI runs a sync endpoint in its thread pool, then hops to the pool a second time to
    validate the returned model; every hop is event-loop work on each request, and the event
    loop is what a busy server runs out of (bench/api.py). As a coroutine, the endpoint's
    result is validated on the loop, where checking a model the route has just built is cheap.
    The signature (``functools.wraps``) is what FastAPI reads for parameters and dependencies.
    """

    @functools.wraps(endpoint)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return call


class ApiRouter(APIRouter):
    """The JSON API's router: routes written as plain functions run through ``in_worker_thread``."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = in_worker_thread(endpoint)
        super().add_api_route(path, endpoint, **kwargs)
