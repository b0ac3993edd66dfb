"""The sans-I/O connection machine (host::Connection): two of them driven through memory
with a virtual clock, like quinn-proto's test Pair, and a hand-built dialer that misbehaves
at each stage of the upgrade."""

from __future__ import annotations

from collections import Counter

import pytest
from _sansio import varint
from host_pair import (
    IDENTITY_A,
    IDENTITY_B,
    MS,
    PEER_A,
    PEER_B,
    PING_TIMEOUT_S,
    Pair,
    Raw,
    connection,
    proposal,
    upgraded,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import _core


def test_upgrade_both_ways() -> None:
    p = upgraded()
    for side, remote in [("dialer", PEER_B), ("listener", PEER_A)]:
        c = p.conns[side]
        assert c.up and not c.closed
        assert c.peer_id == remote
        assert p.of(side, "secured") == [("secured", remote)]
        assert p.of(side, "up") == [("up",)]
        # Ours out and the remote's in.
        assert p.of(side, "pubsub_stream") == [("pubsub_stream", "/meshsub/1.2.0")] * 2
        assert c.pubsub_protocol == "/meshsub/1.2.0"
        assert c.pubsub_writable()
        assert c.next_deadline_ns is None
        assert not p.of(side, "closed")


def test_the_dialers_preference_picks_the_protocol() -> None:
    p = upgraded(dialer=connection(True, pubsub_protocols=["/floodsub/1.0.0"]))
    assert p.dialer.pubsub_protocol == p.listener.pubsub_protocol == "/floodsub/1.0.0"


def test_rpc_frames_both_ways_in_order() -> None:
    p = upgraded()
    sent = {"dialer": [b"", b"one", bytes(range(256)) * 300], "listener": [b"two", b"x" * 70_000]}
    for side, rpcs in sent.items():
        for rpc in rpcs:
            assert p.conns[side].send_rpc_frame(rpc)
    p.drive()
    assert [e[2] for e in p.of("listener", "rpc")] == sent["dialer"]
    assert [e[2] for e in p.of("dialer", "rpc")] == sent["listener"]


def test_not_writable_past_the_high_water_mark_until_the_remote_reads() -> None:
    p = upgraded()
    rpcs = 0
    while p.dialer.pubsub_writable():
        assert p.dialer.send_rpc_frame(b"r" * 60_000)
        rpcs += 1
    assert rpcs > 1
    p.drive()  # the listener reads, its window updates come back
    assert p.dialer.pubsub_writable()
    assert len(p.of("listener", "rpc")) == rpcs


def test_unsent_output_limit_counts_bytes_in_flight() -> None:
    p = upgraded(dialer=connection(True, max_unsent_output=10_000))
    assert p.dialer.pubsub_writable()
    assert not p.dialer.pubsub_writable(in_flight=10_000)
    assert p.dialer.send_rpc_frame(b"r" * 20_000)
    p.dialer.ping(bytes(32), p.now)  # any input or command seals what the stream queued
    assert not p.dialer.pubsub_writable()
    p.drive()
    assert p.dialer.pubsub_writable()


def test_frames_not_yet_sealed_count_as_unsent_output() -> None:
    # Issue 10: a pump filled yamux's whole window before anything was sealed, because only
    # sealed output counted; now the frame stops the feed as soon as it is written.
    p = upgraded(dialer=connection(True, max_unsent_output=10_000))
    assert p.dialer.send_rpc_frame(b"r" * 20_000)
    assert not p.dialer.pubsub_writable()
    p.drive()
    assert p.dialer.pubsub_writable()


def test_an_rpc_waiting_for_the_window_stops_the_feed() -> None:
    # The transport takes every byte, the remote reads none: once the remote's 256 KiB
    # window is spent, the one RPC that did not fit waits and nothing more is taken (the
    # rest would wait in the outbox as shared messages). Nothing is refused.
    p = upgraded(dialer=connection(True, max_unsent_output=1 << 30))
    rpc, sent, wire = b"r" * 60_000, 0, b""
    while p.dialer.pubsub_writable():
        assert p.dialer.send_rpc_frame(rpc)
        wire += p.dialer.take_output()
        sent += 1
    assert sent * len(rpc) <= 256 * 1024 + len(rpc)
    p.listener.handle_bytes(p.now, wire)  # the remote reads and credits the window back
    p.drive()
    assert p.dialer.pubsub_writable()
    assert len(p.of("listener", "rpc")) == sent


def test_ping_measures_the_round_trip_on_the_virtual_clock() -> None:
    p = upgraded()
    # The first ping waits for its stream's negotiation: two round trips, timed from ping().
    p.dialer.ping(bytes(range(32)), p.now)
    p.transfer("dialer")
    p.now += 3 * MS
    p.transfer("listener")  # the protocol accepted; the payload goes out
    p.transfer("dialer")
    p.now += 4 * MS
    p.transfer("listener")
    assert p.of("dialer", "ping") == [("ping", 7 * MS)]
    # The next one reuses the stream: one round trip.
    p.dialer.ping(bytes(32), p.now)
    p.transfer("dialer")
    p.now += 5 * MS
    p.transfer("listener")
    assert p.of("dialer", "ping") == [("ping", 7 * MS), ("ping", 5 * MS)]
    p.drive()
    assert p.of("listener", "pings_echoed") == [("pings_echoed", 1)] * 2
    assert p.dialer.next_deadline_ns is None


def test_ping_times_out_and_the_next_one_opens_a_new_stream() -> None:
    p = upgraded()
    timeout = int(PING_TIMEOUT_S * 1e9)
    p.dialer.ping(bytes(32), p.now)
    assert p.dialer.next_deadline_ns == p.now + timeout
    p.transfer("dialer")  # the listener's answer is held back past the timeout
    p.now += timeout - 1
    p.dialer.handle_timeout(p.now)
    assert p.dialer.poll_events() == []
    p.now += 1
    p.dialer.handle_timeout(p.now)
    assert p.dialer.poll_events() == [("ping", None)]
    assert p.dialer.next_deadline_ns is None
    p.drive()  # the late answer, for a stream reset meanwhile
    p.dialer.ping(bytes(32), p.now)
    p.transfer("dialer")
    p.now += 2 * MS
    p.drive()
    assert p.of("dialer", "ping") == [("ping", 2 * MS)]
    assert not p.dialer.closed and not p.listener.closed


def test_the_clock_jump_fires_the_timeout() -> None:
    p = upgraded()
    p.dialer.ping(bytes(32), p.now)  # not delivered before the clock jumps
    p.advance(int(PING_TIMEOUT_S * 1e9) + 5 * MS)
    assert p.of("dialer", "ping") == [("ping", None)]


def test_a_second_ping_while_one_is_outstanding_fails() -> None:
    p = upgraded()
    p.dialer.ping(bytes(32), p.now)
    p.dialer.ping(bytes(32), p.now)
    assert p.of("dialer", "ping") == [] and p.dialer.poll_events() == [("ping", None)]


def test_identify_both_ways() -> None:
    p = upgraded()
    assert p.of("dialer", "identify") == [("identify", b"identify of B")]
    assert p.of("listener", "identify") == [("identify", b"identify of A")]
    for side in p.conns:
        assert p.of(side, "identify_sent") == [("identify_sent", len(b"identify of A"))]


def test_a_dialled_peer_of_another_identity_is_refused() -> None:
    p = upgraded(dialer=connection(True, expected_peer_id=PEER_A))
    assert p.dialer.closed and not p.dialer.up
    assert p.of("dialer", "closed") == [
        ("closed", "remote peer id differs from the dialled /p2p/ id", "peer_id_mismatch")
    ]
    assert p.of("dialer", "secured") == []


def test_a_private_network_admits_only_certified_peers() -> None:
    network = _core.crypto.Identity.from_seed(bytes([9]) * 32)
    key = network.public_key

    def member(dialer: bool, certified: bool) -> _core.host.Connection:
        identity = IDENTITY_A if dialer else IDENTITY_B
        cert = _core.net.issue_certificate(network, identity.public_key) if certified else b""
        return connection(dialer, network_key=key, network_certificate=cert, now_unix_s=1)

    p = upgraded(dialer=member(True, True), listener=member(False, True))
    assert p.dialer.up and p.listener.up
    p = upgraded(dialer=member(True, False), listener=member(False, True))
    assert p.of("listener", "closed")[0][2] == "network_refused"
    assert not p.listener.up


def test_closed_by_the_host_says_nothing_more() -> None:
    p = upgraded()
    p.dialer.send_rpc_frame(b"late")
    p.dialer.close()
    assert p.dialer.take_output() == b"" and p.dialer.poll_events() == []
    assert not p.dialer.send_rpc_frame(b"later") and not p.dialer.pubsub_writable()


def workload(p: Pair) -> None:
    """Upgrade, RPCs both ways, a ping, all at one instant."""
    p.drive()
    for i in range(5):
        p.dialer.send_rpc_frame(bytes([i]) * (i * 1000))
        p.listener.send_rpc_frame(bytes([i]) * (i * 3000 + 1))
    p.dialer.ping(bytes(range(32)), p.now)
    p.drive()


def summary(p: Pair) -> dict[str, tuple]:
    # RPCs keep their order; other events may interleave differently with other cuts.
    return {
        side: (Counter(e for e in evs if e[0] != "rpc"), [e[2] for e in p.of(side, "rpc")])
        for side, evs in p.events.items()
    }


def test_the_workload_is_complete() -> None:
    p = Pair()
    workload(p)
    assert len(p.of("listener", "rpc")) == len(p.of("dialer", "rpc")) == 5
    assert p.of("dialer", "ping") == [("ping", 0)]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=20))
def test_any_chunking_gives_the_same_events(chunks: list[int]) -> None:
    whole, cut = Pair(), Pair(chunks=chunks)
    workload(whole)
    workload(cut)
    assert summary(cut) == summary(whole)


# ---- hostile input: a dialer built from the sans-I/O pieces, against a listener -----------


def closed_for(raw: Raw, drop: str) -> None:
    events = raw.events()
    assert events[-1][0] == "closed" and events[-1][2] == drop, events
    assert raw.victim.closed
    assert raw.victim.take_output() == b""
    raw.victim.handle_bytes(0, b"more garbage")  # ignored, no crash
    assert raw.events() == []


GARBAGE = bytes(range(256)) * 4


def test_garbage_at_security_negotiation() -> None:
    raw = Raw()
    raw.send(GARBAGE)
    closed_for(raw, "security_negotiation")


def test_garbage_at_noise() -> None:
    raw = Raw()
    raw.negotiate("/noise", raw.send)
    raw.send(GARBAGE)
    closed_for(raw, "noise_failed")


def test_garbage_noise_transport_frame() -> None:
    raw = Raw()
    raw.secure()
    raw.send(b"\x00\x20" + bytes(32))
    closed_for(raw, "noise_failed")


def test_garbage_at_muxer_negotiation() -> None:
    raw = Raw()
    raw.secure()
    raw.send_plain(GARBAGE)
    closed_for(raw, "muxer_negotiation")


def test_garbage_yamux_frames() -> None:
    raw = Raw()
    raw.mux()
    raw.send_plain(GARBAGE)
    closed_for(raw, "yamux_error")


def test_yamux_data_beyond_the_window() -> None:
    raw = Raw()
    raw.mux()
    sid = raw.open_stream("/meshsub/1.1.0")
    raw.send_plain(_core.net.yamux_encode_header(0, 0, sid, 300_000) + bytes(300_000))
    closed_for(raw, "yamux_error")


def test_an_oversized_length_prefix_resets_the_stream_only() -> None:
    raw = Raw(max_rpc_size=1000)
    raw.mux()
    sid = raw.open_stream("/meshsub/1.1.0")
    events = raw.send_stream(sid, varint(999) + b"x" * 999 + varint(1001))
    assert ("reset", sid) in events
    got = raw.events()
    assert [e for e in got if e[0] in ("rpc", "stream_refused", "closed")] == [
        ("rpc", sid, b"x" * 999),
        ("stream_refused", "rpc_too_large"),
    ]
    # A new stream is accepted.
    sid2 = raw.open_stream("/meshsub/1.1.0")
    raw.send_stream(sid2, varint(2) + b"ok")
    assert raw.events() == [("pubsub_stream", "/meshsub/1.1.0"), ("rpc", sid2, b"ok")]


def test_an_overlong_varint_prefix_resets_the_stream() -> None:
    raw = Raw()
    raw.mux()
    sid = raw.open_stream("/meshsub/1.2.0")
    assert ("reset", sid) in raw.send_stream(sid, b"\xff" * 11)
    assert raw.events()[-1] == ("stream_refused", "rpc_too_large")
    assert not raw.victim.closed


def test_a_second_inbound_pubsub_stream_is_refused() -> None:
    raw = Raw()
    raw.mux()
    raw.open_stream("/meshsub/1.2.0")
    raw.events()
    sid2 = raw.yamux.open_stream()
    assert ("reset", sid2) in raw.send_stream(sid2, proposal("/meshsub/1.2.0"))
    assert raw.events() == [("stream_refused", "duplicate_stream")]
    assert not raw.victim.closed


def test_an_unsupported_protocol_is_answered_na_then_refused_past_the_limit() -> None:
    raw = Raw()
    raw.mux()
    raw.events()
    sid = raw.yamux.open_stream()
    answer = raw.send_stream(sid, proposal("/not/supported/1"))
    assert b"".join(e[2] for e in answer if e[:2] == ("data", sid)).endswith(
        _core.net.multistream_encode("na")
    )
    assert raw.events() == []
    proposals = b"".join(_core.net.multistream_encode(f"/not/supported/{i}") for i in range(40))
    assert ("reset", sid) in raw.send_stream(sid, proposals)
    assert raw.events() == [("stream_refused", "stream_negotiation")]
    assert not raw.victim.closed


def test_an_rpc_the_host_cannot_decode_resets_the_stream_and_drops_the_rest() -> None:
    raw = Raw()
    raw.mux()
    sid = raw.open_stream("/meshsub/1.2.0")
    raw.events()
    raw.send_stream(sid, varint(3) + b"bad" + varint(4) + b"good")
    assert raw.victim.poll_events()[0] == ("rpc", sid, b"bad")
    raw.victim.reject_rpc(sid)  # the second RPC was not polled yet: it goes too
    assert raw.events() == [("stream_refused", "rpc_decode")]
    _, events = raw.yamux.feed(raw.receive())
    assert ("reset", sid) in events


def test_a_go_away_closes_without_a_drop() -> None:
    raw = Raw()
    raw.mux()
    raw.send_plain(_core.net.yamux_encode_header(3, 0, 0, 0))
    events = raw.events()
    assert events[-1] == ("closed", "yamux go-away from the remote", None)


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 12, 13])
def test_garbage_in_any_chunking_never_hangs(cut: int) -> None:
    # Byte-at-a-time garbage at the first stage still ends in a refusal.
    raw = Raw()
    for i in range(0, len(GARBAGE), cut):
        raw.victim.handle_bytes(0, GARBAGE[i : i + cut])
        if raw.victim.closed:
            break
    closed_for(raw, "security_negotiation")


def test_a_zombie_that_never_answers_our_pubsub_stream_is_closed_at_the_deadline() -> None:
    # Noise and yamux done, our pubsub stream never negotiated: no useful protocol.
    raw = Raw(stream_negotiation_timeout_s=10.0)
    raw.mux()
    assert raw.victim.next_deadline_ns == 10_000 * MS
    raw.victim.handle_timeout(10_000 * MS - 1)
    assert not raw.victim.closed
    # Its own pubsub stream in is not enough: we could never send it anything.
    raw.open_stream("/meshsub/1.2.0")
    assert raw.victim.next_deadline_ns == 10_000 * MS
    raw.victim.handle_timeout(10_000 * MS)
    closed_for(raw, "stream_negotiation_timeout")
    assert raw.victim.next_deadline_ns is None


def test_the_stream_negotiation_deadline_ends_once_our_pubsub_stream_is_answered() -> None:
    p = upgraded()
    p.advance(60_000 * MS)  # far past it: nothing fires
    for side in ("dialer", "listener"):
        assert not p.conns[side].closed and not p.of(side, "closed")


def test_no_stream_negotiation_deadline_when_disabled() -> None:
    raw = Raw(stream_negotiation_timeout_s=0.0)
    raw.mux()
    assert raw.victim.next_deadline_ns is None
    raw.victim.handle_timeout(3600_000 * MS)
    assert not raw.victim.closed
