"""Serving the web app with uvicorn, one or several worker processes, with TCP_NODELAY.

uvicorn (0.54 here) binds the shared socket of ``--workers N`` itself, with the protocol left at 0;
the accepted connections inherit it, and asyncio only switches Nagle's algorithm off
(``TCP_NODELAY``) for sockets that say ``IPPROTO_TCP``. Every reply on a keep-alive connection then
waits for the client's delayed ACK (~40 ms on Linux; uvicorn issue #3149). The ``fd=`` setting does
not help either: uvicorn reopens the descriptor as ``AF_UNIX`` and asyncio skips the option again.

So the listening socket is made here — ``AF_INET``/``AF_INET6``, ``SOCK_STREAM``, ``IPPROTO_TCP``,
``SO_REUSEADDR`` and ``TCP_NODELAY`` set (Linux passes the option on to accepted sockets as well) —
and handed to uvicorn's own supervisor (``Multiprocess``) or server as ``sockets=[...]``.
"""

from __future__ import annotations

import socket
from typing import Any

APP = "liangshan.web.app:app_from_env"


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket with ``TCP_NODELAY``, inheritable by the worker processes.

    Raises ``OSError`` when the address cannot be bound (port in use, unknown host)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(host: str, port: int, workers: int = 1, **options: Any) -> None:
    """Run the app (``APP``, a factory) on ``host:port`` with ``workers`` processes until stopped.

    ``options`` are passed to ``uvicorn.Config`` (access_log, log_level, proxy_headers …)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, workers=workers, **options)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
