"""`dorpsplein orders|rounds|outbox|worker`: following orders, closing rounds, sending messages."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.wording import counted
from bot.senders import default_senders, outbox_log_path
from bot.settings import config_path
from bot.wiring import Runtime
from bot.worker import close_due_rounds, close_now, work_once
from core.database import unit_of_work, utcnow
from orders.closing import CloseReport
from orders.models import DeliveryRound, Order, OrderPart, OrderStatus, OutboxStatus
from orders.notices import describe_round
from orders.outbox import list_outbox
from orders.placing import list_orders, order_by_id, set_status
from orders.pricing import format_euros
from orders.rounds import list_rounds, round_by_id

orders_app: typer.Typer = typer.Typer(
    no_args_is_help=True, help="Orders and what each shop prepares."
)
rounds_app: typer.Typer = typer.Typer(
    no_args_is_help=True, help="Delivery rounds and their cut-off."
)
outbox_app: typer.Typer = typer.Typer(
    no_args_is_help=True, help="Messages waiting, sent, only logged and failed."
)

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _when(delivery_round: DeliveryRound | None, zone: ZoneInfo) -> str:
    if delivery_round is None:
        return "-"
    return describe_round(delivery_round, language="nl", zone=zone)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _order_row(order: Order, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": order.id,
        "status": order.status,
        "resident": order.resident.name,
        "round": _round_ref(order.delivery_round, zone),
        "total_cents": order.total_cents,
        "created_at": _iso(order.created_at),
        "parts": [_part_row(part, zone) for part in order.parts],
    }


def _round_ref(delivery_round: DeliveryRound | None, zone: ZoneInfo) -> dict[str, Any] | None:
    if delivery_round is None:
        return None
    return {
        "id": delivery_round.id,
        "starts_at": _iso(delivery_round.starts_at),
        "description": _when(delivery_round, zone),
    }


def _part_row(part: OrderPart, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "shop": part.shop.name,
        "round": _round_ref(part.delivery_round, zone),
        "subtotal_cents": part.subtotal_cents,
        "lines": [line.as_record() for line in part.lines],
    }


@orders_app.command("list")
@operator_errors
def orders_list(
    as_json: JsonOption = False, config: ConfigOption = None, demo: DemoOption = False
) -> None:
    """List orders with their status, round, total and per shop the lines."""
    runtime = runtime_for(config, demo)
    zone = runtime.settings.zone
    with unit_of_work(runtime.sessions) as session:
        rows = [_order_row(order, zone) for order in list_orders(session)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        when = row["round"]["description"] if row["round"] else "no round"
        typer.echo(
            f"{row['id']:5d}  {row['status']:16s} EUR {format_euros(row['total_cents']):>7s}  "
            f"{row['resident']}  [{when}]"
        )
        for part in row["parts"]:
            lines = ", ".join(f"{line['sku']} x {line['quantity']}" for line in part["lines"])
            later = ""
            if part["round"] and row["round"] and part["round"]["id"] != row["round"]["id"]:
                later = f"  (later: {part['round']['description']})"
            typer.echo(f"         {part['shop']}: {lines}{later}")
    typer.echo(counted(len(rows), "order"))


@orders_app.command("status")
@operator_errors
def orders_status(
    order_id: Annotated[int, typer.Argument(metavar="ORDER")],
    status: Annotated[OrderStatus, typer.Argument(help="ready, out_for_delivery or delivered")],
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Move an order on after its round closed (out_for_delivery tells the resident)."""
    runtime = runtime_for(config, demo)
    with unit_of_work(runtime.sessions) as session:
        order = order_by_id(session, order_id=order_id)
        set_status(session, order=order, status=status, now=utcnow())
    typer.echo(f"Order {order_id}: {status.value}")


def _orders_per_round(session: Session) -> dict[int, int]:
    query = (
        select(OrderPart.round_id, func.count(func.distinct(OrderPart.order_id)))
        .join(OrderPart.order)
        .where(Order.status != OrderStatus.CANCELLED.value, OrderPart.round_id.is_not(None))
        .group_by(OrderPart.round_id)
    )
    return {round_id: count for round_id, count in session.execute(query) if round_id is not None}


@rounds_app.command("list")
@operator_errors
def rounds_list(
    as_json: JsonOption = False, config: ConfigOption = None, demo: DemoOption = False
) -> None:
    """List delivery rounds with their cut-off, status and number of orders."""
    runtime = runtime_for(config, demo)
    zone = runtime.settings.zone
    with unit_of_work(runtime.sessions) as session:
        counts = _orders_per_round(session)
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "starts_at": _iso(r.starts_at),
                "ends_at": _iso(r.ends_at),
                "cutoff_at": _iso(r.cutoff_at),
                "status": r.status,
                "closed_at": _iso(r.closed_at),
                "orders": counts.get(r.id, 0),
                "description": _when(r, zone),
            }
            for r in list_rounds(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        cutoff = datetime.fromisoformat(row["cutoff_at"]).astimezone(zone)
        typer.echo(
            f"{row['id']:4d}  {row['status']:6s}  {row['description']}  "
            f"(cut-off {cutoff:%Y-%m-%d %H:%M})  {counted(row['orders'], 'order')}"
        )
    typer.echo(counted(len(rows), "round"))


def _say_closed(runtime: Runtime, report: CloseReport) -> None:
    with runtime.sessions() as session:
        when = _when(round_by_id(session, round_id=report.round_id), runtime.settings.zone)
    if not report.closed_now:
        typer.echo(f"Round {report.round_id} ({when}) was already closed.")
    elif not report.orders:
        typer.echo(f"Round {report.round_id} ({when}) closed: no orders, nobody to notify.")
    else:
        typer.echo(
            f"Round {report.round_id} ({when}) closed: {counted(report.orders, 'order')}; "
            f"lists queued for {', '.join(report.shops)} and the courier."
        )


@rounds_app.command("close")
@operator_errors
def rounds_close(
    round_id: Annotated[
        int | None,
        typer.Argument(metavar="[ROUND]", help="Close this round now, even before its cut-off."),
    ] = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Close rounds whose cut-off has passed: shops and courier get their lists."""
    runtime = runtime_for(config, demo)
    now = utcnow()
    if round_id is not None:
        _say_closed(runtime, close_now(runtime, round_id=round_id, now=now))
        return
    reports = close_due_rounds(runtime, now=now)
    for report in reports:
        _say_closed(runtime, report)
    if not reports:
        typer.echo("No round has reached its cut-off.")


@outbox_app.command("list")
@operator_errors
def outbox_list(
    as_json: JsonOption = False,
    status: Annotated[
        OutboxStatus | None,
        typer.Option(
            "--status",
            help="Only pending, sent, logged (written to var/outbox.log, reaching nobody) "
            "or failed.",
        ),
    ] = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """List outgoing messages: to whom, how, and whether they went."""
    runtime = runtime_for(config, demo)
    with unit_of_work(runtime.sessions) as session:
        rows: list[dict[str, Any]] = [
            {
                "id": m.id,
                "kind": m.kind,
                "channel": m.channel,
                "recipient": m.recipient,
                "recipient_name": m.recipient_name,
                "status": m.status,
                "attempts": m.attempts,
                "last_error": m.last_error,
                "next_attempt_at": _iso(m.next_attempt_at),
                "sent_at": _iso(m.sent_at),
                "text": m.text,
            }
            for m in list_outbox(session, status=status)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        who = row["recipient_name"] or row["recipient"]
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        typer.echo(
            f"{row['id']:5d}  {row['status']:7s} {row['kind']:18s} {row['channel']:9s} "
            f"{row['recipient']} ({who})  attempts {row['attempts']}{error}"
        )
        for line in row["text"].splitlines():
            typer.echo(f"         | {line}")
    typer.echo(counted(len(rows), "message"))


@operator_errors
def worker(
    once: Annotated[bool, typer.Option("--once", help="One pass, then stop.")] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between passes.")
    ] = 5.0,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Close rounds at their cut-off and send what waits in the outbox."""
    from bot.channels.senders import ChannelSenders
    from bot.secrets import load_secrets

    runtime = runtime_for(config, demo)
    log_file = outbox_log_path(config_path(config))
    others = default_senders(log_file=log_file, echo=typer.echo)
    secrets = load_secrets(runtime.settings, telegram_webhook=False)
    senders = ChannelSenders(runtime, secrets, others=others)
    typer.echo(f"Worker started; channels that are off go to {log_file}", err=True)
    try:
        while True:
            report = work_once(runtime, senders=senders.senders)
            for closed in report.closed:
                _say_closed(runtime, closed)
            sent = report.delivered
            if sent.claimed:
                typer.echo(
                    f"Outbox: {sent.sent} sent, {sent.logged} only logged, "
                    f"{sent.retried} to retry, {sent.failed} failed."
                )
            for message_id, reason in sent.failures:
                typer.echo(f"Message {message_id} failed: {reason}", err=True)
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        typer.echo("Worker stopped.", err=True)
    finally:
        senders.close()
