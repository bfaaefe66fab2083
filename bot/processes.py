"""`dorpsplein serve --workers N`: N server processes on one port, each listening on a socket
of its own.

uvicorn's own `--workers` binds one socket in its parent process and shares it. Every process
then waits on one accept queue, and the first to wake accepts every connection waiting there.
Clients that keep their connections open (Twilio, a reverse proxy with keep-alive, the load
benchmark) stay with that process while the others idle. Measured with
benchmarks/webhook_load.py on PostgreSQL, both processes listening before the load began: in
one run of three, one of two processes used only its start-up's CPU, and two served what one
does (165 requests/s against 199-223).

With SO_REUSEPORT (Linux), each process binds a socket of its own to the same address, and the
kernel spreads new connections over them by their addresses. uvicorn's supervisor is kept for
what it does well (restarting a process that dies, signals): it sends each process the list of
sockets by pickling it, and a `ReusePortListener` arrives there as a new socket, bound in that
process, instead of a copy of the parent's.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")


def reuse_port_balances() -> bool:
    """Whether the kernel spreads connections over sockets sharing a port. BSD and macOS
    accept SO_REUSEPORT too, but give every connection to one of the sockets."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


class ReusePortListener(socket.socket):
    """A TCP socket bound with SO_REUSEPORT. Pickled to another process, it arrives there as
    a new socket of that process, bound to the same address."""

    def __init__(self, host: str, port: int) -> None:
        # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on accepted sockets
        # that say they are TCP; with 0 every keep-alive request after the first waits about
        # 40 ms for a delayed ACK (uvicorn issue 3149, in uvicorn's own bound socket).
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self.bind((host, port))
        # The port bound, not the one asked for: port 0 is one free port for all processes.
        self.address: tuple[str, int] = (host, self.getsockname()[1])

    def __reduce_ex__(self, protocol: Any) -> tuple[type[ReusePortListener], tuple[str, int]]:
        return ReusePortListener, self.address


def serve_processes(
    app: str, *, host: str, port: int, processes: int, log_level: str = "info"
) -> None:
    """Run `app` (an import path of an app factory) in `processes` processes on host:port,
    until SIGINT or SIGTERM; a process that dies is started again."""
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": processes,
        "proxy_headers": True,
        "log_level": log_level,
    }
    if not reuse_port_balances():
        uvicorn.run(app, **options)
        return
    # Bound here first: a port in use fails at once, not in every process over and over. This
    # socket never listens, so no connection waits on it.
    listener = ReusePortListener(host, port)
    log.info("%d processes, each listening on %s:%d", processes, host, listener.address[1])
    try:
        Multiprocess(uvicorn.Config(app, **options), sockets=[listener]).run()
    finally:
        listener.close()
