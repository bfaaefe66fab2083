"""The coordinator's orders: a list to filter by round and status, one order in full, and
cancelling an order for a resident who asks by phone (she is told, as if she had asked the
bot). Cancelling follows the resident's own rule: only before her round's cut-off.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from bot.pages.rendering import moment
from core.errors import NotFoundError
from orders.errors import CancelTooLateError, OrderNotOpenError
from orders.models import AddressKind, OrderStatus
from orders.overview import find_orders
from orders.placing import can_still_change, cancel_deadline, cancel_order, order_by_id
from orders.rounds import list_rounds

# How many orders the list shows at most; a filter narrows it down.
SHOWN = 200


def _status_of(text: str) -> OrderStatus | None:
    try:
        return OrderStatus(text)
    except ValueError:
        return None


def _round_of(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)

    @router.get("/admin/orders")
    def orders_page(
        request: Request,
        operator: Annotated[Operator, Depends(coordinator)],
        round: str = "",
        status: str = "",
    ) -> Response:
        round_id, wanted = _round_of(round), _status_of(status)
        with pages.work() as session:
            found = find_orders(session, round_id=round_id, status=wanted, limit=SHOWN + 1)
            rows = [
                {
                    "id": order.id,
                    "resident": order.resident.name,
                    "delivery": order.delivery_round.starts_at if order.delivery_round else None,
                    "status": order.status,
                    "total_cents": order.total_cents,
                    "created_at": order.created_at,
                }
                for order in found[:SHOWN]
            ]
            rounds = [
                {"id": r.id, "starts_at": r.starts_at} for r in reversed(list_rounds(session))
            ]
        return pages.render(
            request,
            "admin/orders.html",
            operator=operator,
            orders=rows,
            more=len(found) > SHOWN,
            rounds=rounds,
            statuses=[s.value for s in OrderStatus],
            chosen_round=round_id,
            chosen_status=wanted.value if wanted else "",
        )

    @router.get("/admin/orders/{order_id}")
    def order_page(
        order_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        now = pages.clock()
        with pages.work() as session:
            try:
                order = order_by_id(session, order_id=order_id)
            except NotFoundError:
                raise HTTPException(status_code=404) from None
            resident = order.resident
            shown = {
                "id": order.id,
                "status": order.status,
                "total_cents": order.total_cents,
                "created_at": order.created_at,
                "cancelled_at": order.cancelled_at,
                "delivery": order.delivery_round.starts_at if order.delivery_round else None,
                "cancellable": can_still_change(order, now=now),
                "open": order.status
                not in (OrderStatus.CANCELLED.value, OrderStatus.DELIVERED.value),
                "deadline": cancel_deadline(order) if order.delivery_round else None,
                "resident": {
                    "name": resident.name,
                    "street": resident.street,
                    "postcode": resident.postcode,
                    "phone": resident.address(AddressKind.PHONE),
                },
                "parts": [
                    {
                        "shop": part.shop.name,
                        "delivery": part.delivery_round.starts_at if part.delivery_round else None,
                        "subtotal_cents": part.subtotal_cents,
                        "lines": [
                            {
                                "name": line.name,
                                "quantity": line.quantity,
                                "unit": line.unit,
                                "unit_price_cents": line.unit_price_cents,
                                "line_total_cents": line.line_total_cents,
                            }
                            for line in part.lines
                        ],
                    }
                    for part in order.parts
                ],
            }
        return pages.render(request, "admin/orders_detail.html", operator=operator, order=shown)

    @router.post("/admin/orders/{order_id}/cancel")
    async def cancel(
        order_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        await checked_form(request, operator)
        back = f"/admin/orders/{order_id}"
        try:
            with pages.work() as session:
                order = order_by_id(session, order_id=order_id)
                cancel_order(
                    session, order=order, now=pages.clock(), zone=pages.runtime.settings.zone
                )
        except NotFoundError:
            raise HTTPException(status_code=404) from None
        except CancelTooLateError as error:
            when = moment(error.cutoff_at, language=operator.language, zone=pages.zone)
            return redirect(back, notice="orders_cancel_too_late", id=order_id, cutoff=when)
        except OrderNotOpenError as error:
            notice = (
                "orders_already_cancelled"
                if error.status == OrderStatus.CANCELLED.value
                else "orders_already_delivered"
            )
            return redirect(back, notice=notice, id=order_id)
        return redirect(back, notice="orders_cancelled", id=order_id)

    return router
