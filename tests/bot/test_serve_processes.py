"""`dorpsplein serve --workers 2`: both processes take connections, also kept-alive ones, and
one that dies is replaced."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bot.processes import reuse_port_balances
from bot.web import bound_socket

DORPSPLEIN = str(Path(sys.executable).parent / "dorpsplein")

pytestmark = pytest.mark.skipif(
    not reuse_port_balances(), reason="the kernel spreads connections over sockets on Linux only"
)


def free_port() -> int:
    with bound_socket("127.0.0.1", 0) as sock:
        port: int = sock.getsockname()[1]
        return port


def sockets_on(server: psutil.Process, port: int, status: str) -> dict[int, set[int]]:
    """Per process under `server`: its sockets on the port in this state, by inode (a socket
    shared between processes has one)."""
    out: dict[int, set[int]] = {}
    for child in server.children(recursive=True):
        try:
            for conn in child.net_connections(kind="tcp"):
                if conn.status == status and conn.laddr.port == port:
                    inode = os.stat(f"/proc/{child.pid}/fd/{conn.fd}").st_ino
                    out.setdefault(child.pid, set()).add(inode)
        except (psutil.NoSuchProcess, FileNotFoundError):
            out.pop(child.pid, None)  # ended while we looked: it holds no sockets any more
    return out


def listening(server: psutil.Process, port: int) -> dict[int, set[int]]:
    return sockets_on(server, port, psutil.CONN_LISTEN)


def test_processes_share_kept_alive_connections_and_one_that_dies_is_replaced(
    config_file: Path,
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [DORPSPLEIN, "serve", "--workers", "2", "--port", str(port), "--config", str(config_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = psutil.Process(process.pid)
    connections: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 90
        while len(listening(server, port)) < 2:
            assert process.poll() is None, "serve --workers 2 stopped"
            assert time.monotonic() < deadline, "two processes did not both listen"
            time.sleep(0.2)
        # Each process listens on a socket of its own, not on one it shares.
        sockets = list(listening(server, port).values())
        assert [len(own) for own in sockets] == [1, 1] and sockets[0] != sockets[1]

        # As Twilio or a proxy keeps them: opened at once and reused for every request.
        for _ in range(40):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.connect()
            connections.append(connection)
        for _ in range(2):
            for connection in connections:
                connection.request("GET", "/health")
                answer = connection.getresponse()
                answer.read()
                assert answer.status == 200
        # The connections each process accepted and holds open.
        held = {
            pid: len(own) for pid, own in sockets_on(server, port, psutil.CONN_ESTABLISHED).items()
        }
        assert sum(held.values()) == 40
        # The kernel spreads them by address; each process has a fair share, not none.
        assert len(held) == 2 and min(held.values()) >= 5, held

        # A process that dies is started again, and listens on a socket of its own again.
        for connection in connections:
            connection.close()
        dead = next(iter(held))
        os.kill(dead, signal.SIGKILL)
        deadline = time.monotonic() + 90
        while True:
            now_listening = listening(server, port)
            if len(now_listening) == 2 and dead not in now_listening:
                break
            assert process.poll() is None, "serve --workers 2 stopped when one process died"
            assert time.monotonic() < deadline, "the process that died was not replaced"
            time.sleep(0.2)
        sockets = list(now_listening.values())
        assert sockets[0] != sockets[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/health")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        for connection in connections:
            connection.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("serve --workers 2 did not stop on SIGTERM")
