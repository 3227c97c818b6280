"""Routing pieces every router shares: the ``{id}`` path convertor, the API's router class and
the error bodies its document declares.

Ids are positive 32-bit integers in both databases. Matching only those in the route
itself means `/clients/abc` or `/clients/99999999999999999999` is simply not found (404),
like any record that doesn't exist, instead of a validation or database error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from pydantic import BaseModel
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
    """The JSON API's router: routes written as plain functions run through ``in_worker_thread``,
    and every route documents the errors it may answer (``_default_errors``, plus what the
    route declares with ``responses=errors(...)``), each with its error body."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = in_worker_thread(endpoint)
        super().add_api_route(path, endpoint, **kwargs)
        route = self.routes[-1]
        assert isinstance(route, APIRoute)
        declared = {**errors(*_default_errors(route)), **route.responses}
        for status, answer in declared.items():  # an error declared by description alone: its body
            if _is_error(status) and "model" not in answer and "content" not in answer:
                declared[status] = {**errors(int(status))[int(status)], **answer}
        if _media_type(route) != "application/json":  # a PDF or HTML route's errors are JSON still
            declared = {status: _as_json(answer) for status, answer in declared.items()}
        route.responses = declared


def _is_error(status: int | str) -> bool:
    return str(status).isdigit() and int(status) >= 400 and int(status) in ERROR_DESCRIPTIONS


def _media_type(route: APIRoute) -> str | None:
    response_class = route.response_class
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    return getattr(response_class, "media_type", None)


def _as_json(answer: dict[str, Any]) -> dict[str, Any]:
    """An error declared by model, as JSON content naming the model's schema: FastAPI would
    declare it in the route's own media type (``application/pdf``, ``text/html``). The
    schemas are in the document because the JSON routes declare them by model."""
    model = answer.get("model")
    if model not in (ErrorMessage, ValidationErrorBody):
        return answer
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"description": answer["description"], "content": {"application/json": {"schema": ref}}}


# --- the error bodies --------------------------------------------------------------------------
# Every API error is one of two bodies (app.web.errors.respond makes them): a 422 lists what
# could not be read, each item naming its place; every other status carries one message.


class ErrorMessage(BaseModel):
    """Any error but a 422: what happened, in a sentence a person can act on."""

    detail: str


class ValidationItem(BaseModel):
    """One value that could not be read or breaks a rule; ``loc`` is its place, e.g.
    ``["body", "first_name"]`` or ``["query", "client_id"]``."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """A 422: every value that could not be read or breaks a rule."""

    detail: list[ValidationItem]


ERROR_DESCRIPTIONS = {
    400: "The request body could not be read as JSON",
    401: "Not signed in, or the token is wrong or has expired",
    403: "The counselor's role does not allow this",
    404: "No such record in the caller's caseload (or an id that cannot exist)",
    409: "Conflicts with the record's state or with another record; nothing was saved",
    410: "Gone: no longer kept",
    422: "A value could not be read or breaks a rule",
    429: "Too many failed attempts; the Retry-After header says when to try again",
    503: "Mend is busy for a moment; nothing was saved, try again (Retry-After)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` declarations for these error statuses, each with its error body."""
    return {status: {"model": ValidationErrorBody if status == 422 else ErrorMessage,
                     "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def binary(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` declaration of a 200 that is a file (PDF, CSV, zip), not JSON."""
    return {200: {"description": description,
                  "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _default_errors(route: APIRoute) -> tuple[int, ...]:
    """The statuses any API route may answer, read from the route itself: 400 with a body (one
    that is not JSON at all), 401 behind a token, 404 with a record id in the path, 409 on a
    write (a conflict with the record's state, or a unique rule), 422 with parameters or a body,
    503 always. What else a route answers (403, 409 on a read, 410, 429) it declares itself."""
    every = list(_dependants(route.dependant))
    found: list[int] = []
    if any(isinstance(d.call, SecurityBase) for d in every):
        found.append(401)
    if "{" in route.path:
        found.append(404)
    if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
        found.append(409)
    if route.body_field is not None:
        found.append(400)  # a body that is not JSON at all
    if any(d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params
           for d in every):  # where FastAPI would declare its own 422, ours
        found.append(422)
    found.append(503)
    return tuple(found)
