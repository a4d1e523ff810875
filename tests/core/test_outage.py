"""bot.core.outage: whom a failed send points at, and when a platform is down and back."""

from __future__ import annotations

from bot.core.outage import Blame, Outage


def test_one_chat_failing_while_others_succeed_is_that_chats_fault() -> None:
    outage = Outage(after=3)
    assert outage.failed("A", 0.0, "502") is Blame.CHAT
    assert outage.failed("A", 1.0, "502") is Blame.CHAT
    assert outage.succeeded(2.0) is None
    assert not outage.down


def test_several_chats_failing_together_take_the_platform_down() -> None:
    outage = Outage(after=3)
    assert outage.failed("A", 10.0, "502") is Blame.CHAT
    assert outage.failed("B", 10.5, "502") is Blame.UNSURE
    assert outage.failed("C", 11.0, "timeout") is Blame.PLATFORM
    assert outage.down and outage.began is not None
    assert (outage.began.since, outage.began.chats, outage.began.reason) == (10.0, 3, "timeout")


def test_a_success_between_failures_starts_the_count_again() -> None:
    outage = Outage(after=3)
    outage.failed("A", 0.0, "502")
    outage.failed("B", 0.1, "502")
    outage.succeeded(0.2)
    assert outage.failed("C", 0.3, "502") is Blame.CHAT
    assert not outage.down


def test_while_down_one_probe_at_a_time_backing_off() -> None:
    outage = Outage(after=2, probe_base=1.0, probe_max=4.0)
    outage.failed("A", 0.0, "x")
    outage.failed("B", 0.0, "x")
    assert not outage.may_send(0.5)
    assert outage.may_send(1.0)  # the probe
    assert not outage.may_send(1.0)  # no second one while it is out
    outage.failed("A", 1.2, "x")
    assert not outage.may_send(2.9) and outage.may_send(3.2)  # 2 s later
    outage.failed("A", 3.2, "x")
    outage.failed("B", 5.0, "x")  # not a probe's answer: nothing changes
    assert not outage.may_send(7.1) and outage.may_send(7.2)  # 4 s later
    outage.failed("A", 7.2, "x")
    assert not outage.may_send(11.1) and outage.may_send(11.2)  # 4 s, the most


def test_the_first_success_ends_the_outage_with_its_length() -> None:
    outage = Outage(after=2)
    outage.failed("A", 100.0, "x")
    outage.failed("B", 101.0, "x")
    ended = outage.succeeded(121.0)
    assert ended is not None and ended.seconds == 21.0
    assert not outage.down and outage.may_send(121.0)
    assert outage.succeeded(122.0) is None
