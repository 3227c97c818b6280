"""uvicorn's own command line, with the listening socket of ``--workers N`` (N > 1) fixed to get TCP_NODELAY.

With several workers uvicorn binds the shared socket itself with ``proto`` left at 0; accepted
connections inherit it, asyncio only sets TCP_NODELAY when ``proto`` is IPPROTO_TCP, so Nagle's
algorithm stays on and every keep-alive response after the first waits ~40 ms for the client's
delayed ACK (https://github.com/Kludex/uvicorn/issues/3149, open as of uvicorn 0.54; ``--workers 1``
is unaffected). Here the listener is re-labelled IPPROTO_TCP, the one-line fix proposed upstream,
so the benchmark measures the apps rather than that stall.

    python -m bench.serve APP [uvicorn options]
"""

from __future__ import annotations

import socket

import uvicorn.config
from uvicorn.main import main

_bind_socket = uvicorn.config.Config.bind_socket


def _bind_tcp_socket(self: uvicorn.config.Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


uvicorn.config.Config.bind_socket = _bind_tcp_socket  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
