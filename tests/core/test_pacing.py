"""bot.core.pacing: token buckets per chat, per group and overall, booked slot by slot."""

from __future__ import annotations

import itertools

from bot.core.pacing import Limits, Pacer, Rate

TELEGRAM = Limits(overall=Rate(30), chat=Rate(1), group=Rate(20 / 60))


def test_private_chats_share_the_overall_rate_without_taking_turns() -> None:
    """3,000 chats booked at once get slots 1/30 s apart: 30 a second overall, none later."""
    pacer = Pacer(TELEGRAM)
    slots = [pacer.reserve(str(chat), group=False, now=0.0) for chat in range(3000)]
    assert slots == sorted(slots)
    assert abs(slots[-1] - 2999 / 30) < 1e-6
    assert all(b - a > 1 / 30 - 1e-9 for a, b in itertools.pairwise(slots))


def test_one_chat_gets_one_a_second() -> None:
    """Three sends to one private chat are a second apart; its wait says so."""
    pacer = Pacer(TELEGRAM)
    assert [pacer.reserve("7", group=False, now=0.0) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.wait("7", group=False, now=0.5) == 2.5
    assert pacer.wait("8", group=False, now=0.5) == 0.0


def test_a_group_gets_twenty_a_minute() -> None:
    """A group's sends are three seconds apart; a private chat is not slowed by it."""
    pacer = Pacer(TELEGRAM)
    assert pacer.reserve("-100", group=True, now=0.0) == 0.0
    assert pacer.wait("-100", group=True, now=1.0) == 2.0
    assert pacer.reserve("-100", group=True, now=3.0) == 3.0
    assert pacer.reserve("5", group=False, now=3.0) == 3.0 + 1 / 30


def test_a_burst_lets_that_many_go_back_to_back() -> None:
    """A bucket of burst 3 lets three go at once, then the steady rate."""
    pacer = Pacer(Limits(chat=Rate(1, burst=3)))
    assert [pacer.reserve("1", group=False, now=0.0) for _ in range(4)] == [0, 0, 0, 1.0]


def test_a_flood_wait_holds_only_that_chat() -> None:
    """hold(chat) delays that chat only; the platform is not paused."""
    pacer = Pacer(TELEGRAM)
    pacer.hold("1", until=10.0)
    assert pacer.wait("1", group=False, now=0.0) == 10.0
    assert pacer.wait("2", group=False, now=0.0) == 0.0
    assert not pacer.paused(0.0)


def test_a_global_flood_wait_pauses_every_chat() -> None:
    """hold(None) pauses the platform, and every slot booked next comes after it."""
    pacer = Pacer(TELEGRAM)
    pacer.hold(None, until=5.0)
    assert pacer.paused(4.9) and not pacer.paused(5.0)
    assert pacer.reserve("1", group=False, now=0.0) == 5.0


def test_no_limits_never_waits_but_still_holds() -> None:
    """A platform without limits of ours (Discord) sends at once, yet keeps flood waits."""
    pacer = Pacer(Limits())
    assert [pacer.reserve("1", group=True, now=2.0) for _ in range(3)] == [2.0] * 3
    pacer.hold("1", until=4.0)
    assert pacer.wait("1", group=False, now=2.0) == 2.0


def test_idle_chats_are_forgotten() -> None:
    """Buckets of chats whose slots are past are swept, so memory follows the busy chats."""
    pacer = Pacer(TELEGRAM)
    for chat in range(5000):
        pacer.reserve(f"early{chat}", group=False, now=0.0)
    for chat in range(4000):
        pacer.reserve(f"late{chat}", group=False, now=10_000.0)
    assert len(pacer._chats) <= 4000
    assert pacer.wait("early1", group=False, now=10_000.0) == 0.0
