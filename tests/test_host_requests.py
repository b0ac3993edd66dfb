"""Request/response in the connection machine (host/requests.cpp): one stream per exchange,
length-prefixed request and response, limits, deadlines, and what a hostile requester can
and cannot do to the responder."""

from __future__ import annotations

import pytest
from _sansio import varint
from host_pair import MS, Pair, Raw, connection, proposal
from hypothesis import given, settings
from hypothesis import strategies as st

PROTO = "/test/echo/1.0.0"
S = 1000 * MS


def served(**kwargs) -> Pair:
    kwargs.setdefault("request_protocols", [PROTO])
    p = Pair(listener=connection(False, **kwargs))
    p.drive()
    return p


def ask(p: Pair, token: int, data: bytes, max_response: int = 1 << 20, timeout: int = 5 * S):
    p.dialer.request(token, PROTO, data, max_response, p.now + timeout, p.now)
    p.drive()


def outcomes(p: Pair) -> list[tuple]:
    return [e for e in p.events["dialer"] if e[0] in ("response", "request_failed")]


def answer_all(p: Pair, reply=lambda data: data[::-1]) -> None:
    """Answers every request the listener has received and not answered yet."""
    answered = 0
    while answered < len(p.of("listener", "request")):
        _, stream, _, data = p.of("listener", "request")[answered]
        p.listener.respond(stream, reply(data), p.now)
        answered += 1
        p.drive()


def test_a_request_is_answered_on_its_own_stream() -> None:
    p = served()
    ask(p, 7, b"hello")
    [(kind, stream, protocol, data)] = p.of("listener", "request")
    assert (kind, protocol, data) == ("request", PROTO, b"hello")
    p.listener.respond(stream, b"olleh", p.now)
    p.drive()
    assert outcomes(p) == [("response", 7, b"olleh")]
    # Nothing is left waiting on either side.
    assert p.dialer.next_deadline_ns is None and p.listener.next_deadline_ns is None
    p.listener.respond(stream, b"again", p.now)  # the stream is gone: ignored
    p.drive()
    assert outcomes(p) == [("response", 7, b"olleh")]


def test_an_unserved_protocol_fails_with_unsupported_protocol() -> None:
    p = served(request_protocols=[])
    ask(p, 1, b"x")
    assert outcomes(p) == [("request_failed", 1, "unsupported_protocol")]
    assert not p.dialer.closed and not p.listener.closed


def test_no_answer_times_out_on_both_sides() -> None:
    p = served(request_timeout_s=8.0)
    ask(p, 3, b"q", timeout=5 * S)
    [(_, stream, _, _)] = p.of("listener", "request")
    p.advance(5 * S)
    assert outcomes(p) == [("request_failed", 3, "timeout")]
    p.advance(3 * S)
    assert p.of("listener", "stream_refused")[-1:] in ([], [("stream_refused", "request_timeout")])
    p.listener.respond(stream, b"late", p.now)
    p.drive()
    assert outcomes(p) == [("request_failed", 3, "timeout")]
    assert p.dialer.next_deadline_ns is None and p.listener.next_deadline_ns is None


def test_the_responder_times_out_an_unanswered_request() -> None:
    p = served(request_timeout_s=2.0)
    ask(p, 4, b"q", timeout=60 * S)
    p.advance(2 * S)
    assert p.of("listener", "stream_refused") == [("stream_refused", "request_timeout")]
    assert outcomes(p) == [("request_failed", 4, "reset")]


def test_a_response_above_the_limit_is_refused() -> None:
    p = served()
    ask(p, 5, b"q", max_response=10)
    answer_all(p, lambda _: b"x" * 11)
    assert outcomes(p) == [("request_failed", 5, "response_too_large")]


def test_a_request_above_the_limit_resets_its_stream_only() -> None:
    p = served(max_request_size=100)
    ask(p, 6, b"x" * 101)
    assert p.of("listener", "stream_refused") == [("stream_refused", "request_too_large")]
    assert outcomes(p) == [("request_failed", 6, "reset")]
    ask(p, 7, b"x" * 100)
    answer_all(p)
    assert outcomes(p)[-1] == ("response", 7, b"x" * 100)


def test_a_refused_request_is_a_reset() -> None:
    p = served()
    ask(p, 8, b"q")
    [(_, stream, _, _)] = p.of("listener", "request")
    p.listener.refuse(stream, p.now)
    p.drive()
    assert outcomes(p) == [("request_failed", 8, "reset")]


def test_megabytes_each_way_pass_the_stream_windows() -> None:
    big = bytes(range(256)) * 12_000  # 3 MB, over ten yamux windows
    p = served(max_request_size=4 << 20)
    ask(p, 9, big, max_response=8 << 20)
    answer_all(p, lambda d: d + d)
    assert outcomes(p) == [("response", 9, big + big)]


def test_a_closing_connection_fails_its_outstanding_requests() -> None:
    p = served()
    ask(p, 10, b"a")
    ask(p, 11, b"b")
    p.dialer.handle_bytes(p.now, bytes(range(256)) * 4)  # garbage: the Noise session fails
    events = p.dialer.poll_events()
    failed = sorted(e for e in events if e[0] == "request_failed")
    assert failed == [("request_failed", 10, "connection_closed")] + [
        ("request_failed", 11, "connection_closed")
    ]
    assert events[-1][0] == "closed"


def test_a_request_without_a_connection_fails_at_once() -> None:
    c = connection(True)
    c.request(1, PROTO, b"x", 100, 5 * S, 0)
    assert c.poll_events() == [("request_failed", 1, "connection_closed")]


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 70_000), min_size=1, max_size=12),
    chunks=st.lists(st.integers(1, 9000), min_size=1, max_size=5),
)
def test_concurrent_requests_each_get_their_own_answer(sizes: list[int], chunks: list[int]):
    p = Pair(chunks=chunks, listener=connection(False, request_protocols=[PROTO]))
    p.drive()
    sent = {token: bytes([token]) * n for token, n in enumerate(sizes, start=1)}
    for token, data in sent.items():
        p.dialer.request(token, PROTO, data, 1 << 20, p.now + 5 * S, p.now)
    p.drive()
    answer_all(p, lambda d: b"re:" + d)
    assert sorted(outcomes(p)) == sorted(("response", t, b"re:" + d) for t, d in sent.items())


# ---- a hostile requester ------------------------------------------------------------------


def raw_served(**kwargs) -> Raw:
    kwargs.setdefault("request_protocols", [PROTO])
    kwargs.setdefault("stream_negotiation_timeout_s", 0.0)  # Raw opens no pubsub stream
    raw = Raw(**kwargs)
    raw.mux()
    raw.events()
    return raw


def test_requests_on_a_kept_stream_are_answered_in_turn() -> None:
    raw = raw_served()
    sid = raw.open_stream(PROTO)
    # Two requests at once, as go-libp2p-kad-dht's reused streams may send them.
    raw.send_stream(sid, varint(3) + b"one" + varint(3) + b"two")
    first = raw.events()
    assert [e[2:] for e in first if e[0] == "request"] == [(PROTO, b"one")]
    raw.victim.respond(sid, b"1", 0)
    second = raw.events()
    assert [e[2:] for e in second if e[0] == "request"] == [(PROTO, b"two")]
    raw.victim.respond(sid, b"2", 0)
    answers = raw.send_stream(sid, b"")
    assert (
        b"".join(e[2] for e in answers if e[:2] == ("data", sid))
        == varint(1) + b"1" + varint(1) + b"2"
    )


def test_a_stalled_half_request_is_reset_at_the_deadline() -> None:
    raw = raw_served(request_timeout_s=1.0)
    sid = raw.open_stream(PROTO)
    raw.send_stream(sid, varint(50) + b"only part")
    assert raw.victim.next_deadline_ns is not None
    raw.victim.handle_timeout(raw.victim.next_deadline_ns)
    assert raw.events() == [("stream_refused", "request_timeout")]
    assert not raw.victim.closed and raw.victim.next_deadline_ns is None


def test_bytes_piled_behind_an_unanswered_request_are_bounded() -> None:
    raw = raw_served(max_request_size=1000)
    sid = raw.open_stream(PROTO)
    raw.send_stream(sid, varint(10) + b"x" * 10)
    assert [e[0] for e in raw.events()] == ["request"]
    events = raw.send_stream(sid, b"y" * 600)
    assert ("reset", sid) not in events
    assert ("reset", sid) in raw.send_stream(sid, b"y" * 600)
    assert raw.events() == [("stream_refused", "request_too_large")]
    raw.victim.respond(sid, b"late", 0)  # ignored
    assert not raw.victim.closed


def test_an_oversized_prefix_is_refused_before_anything_is_buffered() -> None:
    raw = raw_served(max_request_size=1000)
    sid = raw.open_stream(PROTO)
    assert ("reset", sid) in raw.send_stream(sid, varint(1 << 40))
    assert raw.events() == [("stream_refused", "request_too_large")]


def test_an_idle_kept_stream_is_closed_after_the_timeout() -> None:
    raw = raw_served(request_timeout_s=1.0)
    sid = raw.open_stream(PROTO)
    raw.send_stream(sid, varint(1) + b"a")
    raw.victim.respond(sid, b"b", 0)
    raw.events()
    raw.victim.handle_timeout(raw.victim.next_deadline_ns)
    assert raw.events() == []  # a polite close, nothing refused
    assert raw.victim.next_deadline_ns is None


@pytest.mark.parametrize("protocol", ["/meshsub/1.1.0", "/ipfs/ping/1.0.0"])
def test_request_protocols_do_not_shadow_the_nodes_own(protocol: str) -> None:
    raw = raw_served(request_protocols=[PROTO, protocol])
    sid = raw.yamux.open_stream()
    raw.send_stream(sid, proposal(protocol))
    assert not any(e[0] == "request" for e in raw.events())
