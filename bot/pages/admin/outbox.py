"""The coordinator's messages page: what failed and why (to try again), how many messages
wait, went or were only logged, and the latest ones still waiting or only logged.

A logged message was only written to var/outbox.log because its channel is off: it reached
nobody, which the page says plainly.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from core.errors import NotFoundError
from orders.models import OutboxMessage, OutboxStatus
from orders.outbox import MessageNotFailedError, retry_failed
from orders.overview import latest_messages, outbox_counts

FAILED_SHOWN = 100
LATEST_SHOWN = 50


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)

    def row(message: OutboxMessage) -> dict[str, Any]:
        kind = f"admin.outbox.kind.{message.kind}"
        channel = f"admin.outbox.channel.{message.channel}"
        return {
            "id": message.id,
            "recipient": message.recipient_name or message.recipient,
            # A kind or channel the words do not know yet is shown as it is stored.
            "kind": kind if pages.words.has("nl", kind) else None,
            "kind_raw": message.kind,
            "channel": channel if pages.words.has("nl", channel) else None,
            "channel_raw": message.channel,
            "status": message.status,
            "attempts": message.attempts,
            "last_error": message.last_error,
            "created_at": message.created_at,
            "when": message.sent_at or message.next_attempt_at or message.created_at,
            "text": message.text,
        }

    @router.get("/admin/outbox")
    def outbox_page(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        with pages.work() as session:
            counts = outbox_counts(session)
            failed = [
                row(m)
                for m in latest_messages(
                    session, statuses=[OutboxStatus.FAILED], limit=FAILED_SHOWN
                )
            ]
            latest = [
                row(m)
                for m in latest_messages(
                    session,
                    statuses=[OutboxStatus.PENDING, OutboxStatus.LOGGED],
                    limit=LATEST_SHOWN,
                )
            ]
        return pages.render(
            request,
            "admin/outbox.html",
            operator=operator,
            counts=[(status.value, counts[status]) for status in OutboxStatus],
            failed=failed,
            latest=latest,
        )

    @router.post("/admin/outbox/{message_id}/retry")
    async def retry(
        message_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        await checked_form(request, operator)
        try:
            with pages.work() as session:
                retry_failed(session, message_id=message_id, now=pages.clock())
        except NotFoundError:
            raise HTTPException(status_code=404) from None
        except MessageNotFailedError:
            return redirect("/admin/outbox", notice="outbox_not_failed", id=message_id)
        # The worker's next pass (within seconds) sends it; it is not sent from this request.
        return redirect("/admin/outbox", notice="outbox_retried", id=message_id)

    return router
