"""Running Mend under uvicorn, with the one fix its multi-worker mode needs.

With ``--workers N`` (N > 1) uvicorn binds the listening socket itself and leaves its
``proto`` at 0. Accepted connections inherit that, and asyncio turns TCP_NODELAY on only for
sockets that say IPPROTO_TCP, so Nagle's algorithm stays on and every keep-alive response
after the first waits about 40 ms for the client's delayed ACK (uvicorn issue #3149, open as
of uvicorn 0.54). ``with_tcp_nodelay`` relabels the listener, the fix proposed upstream.
"""

from __future__ import annotations

import socket

import uvicorn
import uvicorn.config

_bind_socket = uvicorn.config.Config.bind_socket


def _bind_tcp_socket(self: uvicorn.config.Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


def with_tcp_nodelay() -> None:
    """Make uvicorn's own listening socket an IPPROTO_TCP one (safe to call twice)."""
    uvicorn.config.Config.bind_socket = _bind_tcp_socket  # type: ignore[method-assign]


def run(*, host: str, port: int, workers: int) -> None:
    """Serve ``app.main:app`` with ``workers`` processes."""
    with_tcp_nodelay()
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=True)
