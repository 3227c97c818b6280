"""Security headers on every response, as a plain ASGI middleware.

A plain ASGI wrapper only edits the response's start message; Starlette's
``@app.middleware("http")`` would wrap every request in extra tasks and streams, which
measurably slows each API call (see bench/api.py).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# CSP for every HTML page we serve: our own scripts, styles and images only, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
# FastAPI's interactive docs load their scripts from a CDN; they are not clinical pages.
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")


def apply(path: str, headers: MutableHeaders) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    is_html = headers.get("content-type", "").startswith("text/html")
    if is_html and path not in DOCS_PATHS:
        # setdefault: a page needing a narrower policy (the report preview) sets its own.
        headers.setdefault("Content-Security-Policy", CSP)
        # Pages show clinical data; no browser or proxy may keep a copy.
        headers.setdefault("Cache-Control", "no-store")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply(path, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)
