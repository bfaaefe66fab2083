"""A paused resident who calls is told so at once and may be put through; nothing is ordered."""

from __future__ import annotations

from core.database import unit_of_work
from orders.models import AddressKind
from orders.residents import find_resident, set_active
from tests.bot.channels.conftest import JANSEN, Served
from tests.bot.channels.test_voice import Call, check_gather, order_count, spoken


def pause(served: Served, *, active: bool) -> None:
    with unit_of_work(served.runtime.sessions) as session:
        resident = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
        assert resident is not None
        set_active(session, resident_id=resident.id, active=active)


def test_a_paused_caller_hears_her_account_is_paused_and_can_reach_the_coordinator(
    served: Served,
) -> None:
    pause(served, active=False)
    before = order_count(served)
    call = Call(served)
    root = call.ring()
    check_gather(root, speech=False)
    said = spoken(root)
    assert "Uw account staat nu stil" in said and "Mevrouw A. Jansen" in said
    assert "het gewone" not in said.lower()
    assert call.press("1").find("Dial") is None
    dial = call.press("0").find("Dial")
    assert dial is not None and (dial.text or "").strip() == "+31306560000"
    assert order_count(served) == before


def test_active_again_she_is_greeted_as_before(served: Served) -> None:
    pause(served, active=False)
    pause(served, active=True)
    said = spoken(Call(served).ring())
    assert "staat nu stil" not in said
    assert "Mevrouw A. Jansen" in said
