"""Ping (/ipfs/ping/1.0.0): echo, RTT from the injected clock, timeout, mismatch."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError
from p2pgossip.net import PING_PROTOCOL_ID, PingEcho, Pinger


def payload(seed=1):
    return random.Random(seed).randbytes(32)


def test_ping_round_trip_measures_rtt_from_now():
    assert PING_PROTOCOL_ID == "/ipfs/ping/1.0.0"
    pinger, echo = Pinger(), PingEcho()
    sent = pinger.ping(payload(), now=10.0)
    assert sent == payload() and pinger.outstanding
    assert pinger.next_deadline == pytest.approx(30.0)
    back = echo.feed(sent)
    assert back == sent and echo.pings_echoed == 1
    assert pinger.feed(back[:5], now=10.1) == []
    assert pinger.feed(back[5:], now=10.25) == [("pong", pytest.approx(0.25))]
    assert not pinger.outstanding and pinger.next_deadline is None
    # again on the same stream
    assert echo.feed(pinger.ping(payload(2), now=11.0)) == payload(2)
    assert pinger.feed(payload(2), now=11.5) == [("pong", pytest.approx(0.5))]


def test_one_ping_outstanding_at_a_time():
    pinger = Pinger()
    pinger.ping(payload(), now=0.0)
    with pytest.raises(DecodeError, match="already outstanding"):
        pinger.ping(payload(2), now=1.0)
    with pytest.raises(ValueError, match="32 bytes"):
        Pinger().ping(b"short", now=0.0)


def test_timeout_fails_the_stream():
    pinger = Pinger(timeout=5.0)
    pinger.ping(payload(), now=0.0)
    assert pinger.tick(now=4.999) == []
    assert pinger.tick(now=5.0) == [("timeout",)]
    assert pinger.failed and pinger.tick(now=6.0) == []
    assert pinger.feed(payload(), now=6.0) == []  # a late echo is ignored
    with pytest.raises(DecodeError, match="stream failed"):
        pinger.ping(payload(), now=7.0)


@pytest.mark.parametrize(
    "reply",
    [payload(9), payload(1) + b"x", b"unsolicited"],
    ids=["different", "too long", "unsolicited"],
)
def test_wrong_echo_is_a_mismatch(reply):
    pinger = Pinger()
    if reply != b"unsolicited":
        pinger.ping(payload(1), now=0.0)
    assert pinger.feed(reply, now=1.0) == [("mismatch",)]
    assert pinger.failed


@given(st.lists(st.binary(max_size=70), max_size=10))
def test_echo_returns_whole_blocks_in_order(chunks):
    echo = PingEcho()
    out = b"".join(echo.feed(c) for c in chunks)
    data = b"".join(chunks)
    whole = len(data) // 32 * 32
    assert out == data[:whole] and echo.pings_echoed == whole // 32
