"""Every route the app registers, flattened (FastAPI may nest included routers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.routing import Route


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    for route in app.router.routes:
        yield from _flatten(route)


def _flatten(route: object) -> Iterator[RouteInfo]:
    if hasattr(route, "effective_route_contexts"):  # FastAPI's lazily included router
        for context in route.effective_route_contexts():  # type: ignore[attr-defined]
            original = context.original_route
            methods = getattr(original, "methods", None) or set()
            yield RouteInfo(context.path, frozenset(methods) - {"HEAD"})
        return
    if isinstance(route, Route):
        yield RouteInfo(route.path, frozenset(route.methods or set()) - {"HEAD"})
