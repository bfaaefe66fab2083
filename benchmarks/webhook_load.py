"""Signed Twilio SMS webhooks under load: `dorpsplein serve` beside a bare app (a benchmark).

    .venv/bin/python benchmarks/webhook_load.py [--database URL] [--residents 100]
        [--concurrency 20] [--rounds 1] [--workers 1]

(with the test tools installed: `pip install -e '.[test]'`). With `--workers N` the load begins
once all N processes listen, so that no process starts with every kept-alive connection.

Both apps run on this machine, one after the other, under the same load: every resident sends
an order and then "ja" (`--rounds` times), each message a fresh MessageSid and signed as Twilio
signs it; up to `--concurrency` requests are in flight. The bare app is FastAPI under uvicorn
that only checks the signature and answers empty TwiML: the ceiling for this machine. Printed:
requests/s, p50/p95/p99, errors, and the app's share of the bare requests/s. Then the SQL
statements one dialogue turn costs, counted in-process on the same database kind.

`--database` takes a PostgreSQL server URL (a fresh database is created on it and dropped
after); the default is a throw-away SQLite file. The outbox worker of the app sends the
confirmations to a local fake of Twilio's Messages API, as it would to Twilio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.processes import reuse_port_balances  # noqa: E402

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "benchmark-auth-token-0123456789"
OUR_NUMBER = "+3197010000000"
DORPSPLEIN = str(Path(sys.executable).parent / "dorpsplein")
ORDER = "2 krentenbollen en een appeltaart"
BARE_APP = """
from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator
validator = RequestValidator({token!r})
app = FastAPI()

@app.post("/twilio/sms")
async def sms(request: Request) -> Response:
    form = await request.form()
    url = {public!r} + "/twilio/sms"
    params = {{k: v for k, v in form.items() if isinstance(v, str)}}
    if not validator.validate(url, params, request.headers.get("X-Twilio-Signature", "")):
        return Response(status_code=403)
    empty = "<?xml version='1.0' encoding='UTF-8'?><Response/>"
    return Response(empty, media_type="application/xml")

@app.get("/health")
async def health() -> Response:
    return Response('{{"status": "ok"}}', media_type="application/json")
"""


class FakeTwilioApi:
    """Answers the Messages API as Twilio does (201 with a sid), counting what was sent."""

    def __init__(self) -> None:
        self.sent = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Kept-alive connections, as Twilio's API keeps them (HTTP/1.0 would make the
            # app's client connect anew for every message).
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.sent += 1
                body = json.dumps({"sid": f"SM{uuid.uuid4().hex}", "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    # CPU seconds the server's processes used under the load (None where /proc is missing).
    cpu: float | None = None
    # CPU seconds this load generator used, and the share of all the machine's cores busy
    # meanwhile (server, database, generator): near 100%, more processes have no core to use.
    driver_cpu: float = 0.0
    busy: float | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def line(self) -> str:
        failed = sum(self.errors.values())
        driver = self.driver_cpu / max(1, len(self.latencies)) * 1000
        return (
            f"{self.name:<28} {self.rate:8.1f} req/s   p50 {self.percentile(0.50):7.1f} ms   "
            f"p95 {self.percentile(0.95):7.1f} ms   p99 {self.percentile(0.99):7.1f} ms   "
            f"errors {failed}{' ' + str(self.errors) if failed else ''}"
            + (f"   CPU {self.cpu / len(self.latencies) * 1000:.1f} ms/req" if self.cpu else "")
            + f"\n{'':<28} load generator CPU {driver:.1f} ms/req"
            + (f", machine {self.busy:.0%} busy ({os.cpu_count()} cores)" if self.busy else "")
        )


def cpu_ticks() -> tuple[int, int] | None:
    """Busy and total ticks of all cores so far (Linux /proc/stat; None elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants so far (Linux /proc).

    Unlike requests/s this hardly moves when something else runs on the machine, so it
    compares two runs on a busy machine fairly.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server at {url} stopped (exit {process.returncode})")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


def wait_listening(pid: int, port: int, count: int, seconds: float = 90) -> None:
    """Until `count` sockets of the server's processes listen on the port: /health answers
    once the first process is up, and connections made before the others listen all stay
    with it. (uvicorn's own --workers shares one socket: one is all there will be.)"""
    server = psutil.Process(pid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listeners = set()
        for process in [server, *server.children(recursive=True)]:
            try:
                for conn in process.net_connections(kind="tcp"):
                    if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port:
                        listeners.add(os.stat(f"/proc/{process.pid}/fd/{conn.fd}").st_ino)
            except (psutil.NoSuchProcess, FileNotFoundError):
                continue  # ended while we looked
        if len(listeners) >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"{count} processes did not all listen on port {port}")


def phones(count: int) -> list[str]:
    return [f"+3161{number:07d}" for number in range(5000, 5000 + count)]


def prepare_database(url: str, config: Path, residents: list[str]) -> None:
    """The demo village and `residents` more residents, in a migrated database."""
    from bot.demo_village import load_demo
    from bot.settings import load_settings
    from bot.wiring import start
    from core.database import unit_of_work
    from orders.residents import add_resident

    settings = load_settings(config)
    runtime = start(settings=settings)
    with unit_of_work(runtime.sessions) as session:
        load_demo(session, settings=settings)
        for number, phone in enumerate(residents):
            add_resident(
                session,
                name=f"Bewoner {number}",
                street=f"Kerkdijk {number + 1}",
                postcode="3981 AB",
                phone=phone,
                area=settings.delivery_area,
            )
    runtime.engine.dispose()


async def drive(
    name: str, url: str, public: str, residents: list[str], *, concurrency: int, rounds: int
) -> Result:
    validator = RequestValidator(AUTH_TOKEN)
    result = Result(name)
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def post(sender: str, body: str) -> None:
            form = {
                "MessageSid": f"SM{uuid.uuid4().hex}",
                "AccountSid": ACCOUNT_SID,
                "From": sender,
                "To": OUR_NUMBER,
                "Body": body,
                "NumMedia": "0",
                "ApiVersion": "2010-04-01",
            }
            form["SmsSid"] = form["MessageSid"]
            signature = validator.compute_signature(public + "/twilio/sms", form)
            async with gate:
                started = time.perf_counter()
                try:
                    answer = await client.post(
                        "/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}
                    )
                    status = str(answer.status_code)
                except httpx.HTTPError as error:
                    status = type(error).__name__
                elapsed = time.perf_counter() - started
            if status == "200":
                result.latencies.append(elapsed)
            else:
                result.errors[status] = result.errors.get(status, 0) + 1

        async def resident(sender: str) -> None:
            for _ in range(rounds):
                await post(sender, ORDER)
                await post(sender, "ja")

        started, driver, ticks = time.perf_counter(), time.process_time(), cpu_ticks()
        await asyncio.gather(*(resident(sender) for sender in residents))
        result.seconds = time.perf_counter() - started
        result.driver_cpu = time.process_time() - driver
        after = cpu_ticks()
        if ticks is not None and after is not None and after[1] > ticks[1]:
            result.busy = (after[0] - ticks[0]) / (after[1] - ticks[1])
    return result


def statements_per_turn(config: Path, residents: list[str]) -> dict[str, float]:
    """SQL statements of one dialogue turn, per kind of message (in this process)."""
    from bot.messages import InboundMessage
    from bot.settings import load_settings
    from bot.wiring import build_dialogue, start

    runtime = start(settings=load_settings(config))
    dialogue = build_dialogue(runtime)
    counted = {"n": 0}

    def count(*_: Any) -> None:
        counted["n"] += 1

    event.listen(runtime.engine, "before_cursor_execute", count)
    totals: dict[str, list[int]] = {ORDER: [], "ja": []}
    for sender in residents[:10]:
        for body in (ORDER, "ja"):
            counted["n"] = 0
            message = InboundMessage(
                channel="sms", sender=sender, text=body, message_id=f"SM{uuid.uuid4().hex}"
            )
            dialogue.handle(message)
            totals[body].append(counted["n"])
    runtime.engine.dispose()
    return {body: statistics.mean(values) for body, values in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="PostgreSQL server URL (default: SQLite file)")
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="dorpsplein serve --workers")
    args = parser.parse_args()

    fake = FakeTwilioApi()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        admin = None
        if args.database:
            name = f"dorpsplein_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            database = make_url(args.database).set(database=name).render_as_string(False)
        else:
            database = f"sqlite:///{tmp / 'bench.db'}"
        app_port, bare_port = free_port(), free_port()
        public = f"http://127.0.0.1:{app_port}"
        bare_public = f"http://127.0.0.1:{bare_port}"
        config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
        config.update(database_url=database, public_url=public)
        config["channels"]["sms"] = {"enabled": True, "from_number": OUR_NUMBER}
        config["rate_limits"] = {"per_sender_per_minute": 1000, "global_per_minute": 1_000_000}
        config_file = tmp / "config.yml"
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        residents = phones(args.residents)
        env = {
            **os.environ,
            "DORPSPLEIN_CONFIG": str(config_file),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": fake.url,
        }
        subprocess.run(
            [DORPSPLEIN, "db", "upgrade"], env=env, check=True, cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        prepare_database(database, config_file, residents)
        load = {"concurrency": args.concurrency, "rounds": args.rounds}
        print(
            f"{args.residents} residents x {args.rounds} round(s) x 2 messages, "
            f"{args.concurrency} concurrent; database: {make_url(database).get_backend_name()}; "
            f"serve --workers {args.workers}"
        )

        bare_file = tmp / "bare_app.py"
        bare_file.write_text(BARE_APP.format(token=AUTH_TOKEN, public=bare_public))
        bare = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(bare_port),
             "--log-level", "warning"],
            cwd=tmp, env=env,
        )  # fmt: skip
        try:
            wait_healthy(bare_public, bare)
            before = cpu_seconds(bare.pid)
            bare_result = asyncio.run(
                drive("bare FastAPI (signature)", bare_public, bare_public, residents, **load)
            )
            bare_result.cpu = cpu_seconds(bare.pid) - before
        finally:
            bare.terminate()
            bare.wait()
        print(bare_result.line())

        app = subprocess.Popen(
            [DORPSPLEIN, "serve", "--port", str(app_port),
             "--workers", str(args.workers)],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_healthy(public, app)
            if args.workers > 1 and reuse_port_balances():
                wait_listening(app.pid, app_port, args.workers)
            before = cpu_seconds(app.pid)
            app_result = asyncio.run(
                drive(f"dorpsplein serve x{args.workers}", public, public, residents, **load)
            )
            app_result.cpu = cpu_seconds(app.pid) - before
        finally:
            app.terminate()
            app.wait()
        print(app_result.line())
        print(f"ratio: {app_result.rate / bare_result.rate:.0%} of the bare app's requests/s")
        per_turn = statements_per_turn(config_file, residents)
        print(
            "SQL statements per turn: "
            + ", ".join(f"{body!r}: {count:.1f}" for body, count in per_turn.items())
        )
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
