import struct

import pytest
from _sansio import pump
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError
from p2pgossip.net import YamuxSession, yamux_encode_header

DATA, WINDOW_UPDATE, PING, GO_AWAY = range(4)
SYN, ACK, FIN, RST = 1, 2, 4, 8
WINDOW = 256 * 1024


def frames(wire):
    out = []
    while wire:
        _, t, fl, sid, n = struct.unpack(">BBHII", wire[:12])
        body = wire[12 : 12 + n] if t == DATA else b""
        out.append((t, fl, sid, n))
        wire = wire[12 + len(body) :]
    return out


def pair(**kw):
    return YamuxSession("client", **kw), YamuxSession("server", **kw)


def test_header_layout():
    assert yamux_encode_header(WINDOW_UPDATE, SYN, 1, 0) == bytes.fromhex(
        "000100010000000100000000"
    )


def test_open_send_close_both_ways():
    c, s = pair()
    sid = c.open_stream()
    assert sid == 1 and c.open_stream() == 3  # clients use odd ids
    c.send(sid, b"hello")
    c.close(sid)
    ev_c, ev_s = pump(c, s)
    assert ev_s == [("opened", 1), ("opened", 3), ("data", 1, b"hello"), ("closed", 1)]
    s.send(1, b"world")
    s.close(1)
    ev_c, _ = pump(c, s)
    assert ev_c == [("data", 1, b"world"), ("closed", 1)]
    assert c.stream_count == 1 and s.stream_count == 1  # stream 1 gone on both sides
    assert YamuxSession("server").open_stream() == 2


def test_first_frames_carry_syn_then_ack():
    c, s = pair()
    c.open_stream()
    assert frames(c.take_output()) == [(WINDOW_UPDATE, SYN, 1, 0)]
    out, _ = s.feed(yamux_encode_header(WINDOW_UPDATE, SYN, 1, 0))
    assert frames(out) == [(WINDOW_UPDATE, ACK, 1, 0)]


def test_sender_respects_the_window_and_resumes_on_update():
    c, s = pair()
    sid = c.open_stream()
    c.send(sid, bytes(WINDOW + 1000))
    _, ev_s = pump(c, s)
    got = sum(len(e[2]) for e in ev_s if e[0] == "data")
    assert got == WINDOW  # blocked at exactly one window
    s.consume(sid, WINDOW)
    _, ev_s = pump(c, s)
    assert sum(len(e[2]) for e in ev_s if e[0] == "data") == 1000


def test_peer_exceeding_the_window_is_a_protocol_error():
    s = YamuxSession("server")
    wire = yamux_encode_header(WINDOW_UPDATE, SYN, 1, 0)
    wire += yamux_encode_header(DATA, 0, 1, WINDOW) + bytes(WINDOW)
    wire += yamux_encode_header(DATA, 0, 1, 1) + b"x"
    out, ev = s.feed(wire)
    assert ev[-1] == ("protocol_error", "yamux: stream 1 exceeded its receive window")
    assert frames(out)[-1] == (GO_AWAY, 0, 0, 1)
    assert s.failed


def test_oversized_data_frame_is_refused_before_buffering():
    s = YamuxSession("server")
    _, ev = s.feed(yamux_encode_header(DATA, SYN, 1, WINDOW + 1))
    assert ev == [
        ("protocol_error", f"yamux: data frame of {WINDOW + 1} bytes exceeds the receive window")
    ]


def test_stream_limit_is_enforced_both_ways():
    c, s = pair(max_streams=2)
    for _ in range(2):
        c.open_stream()
    with pytest.raises(DecodeError, match="stream limit"):
        c.open_stream()
    out, ev = s.feed(b"".join(yamux_encode_header(WINDOW_UPDATE, SYN, i, 0) for i in (1, 3, 5)))
    assert ev == [("opened", 1), ("opened", 3)]
    assert frames(out)[-1] == (WINDOW_UPDATE, RST, 5, 0)
    assert s.counters["streams_refused_limit"] == 1


def test_ping_pong_and_go_away():
    c, s = pair()
    opaque = c.ping()
    ev_c, ev_s = pump(c, s)
    assert ev_s == [("ping", opaque)] and ev_c == [("pong", opaque)]
    s.go_away()
    ev_c, _ = pump(c, s)
    assert ev_c == [("go_away", 0)]
    with pytest.raises(DecodeError, match="going away"):
        c.open_stream()


def test_reset_reaches_the_other_side():
    c, s = pair()
    sid = c.open_stream()
    pump(c, s)
    c.reset(sid)
    _, ev_s = pump(c, s)
    assert ev_s == [("reset", sid)]
    assert c.stream_count == s.stream_count == 0


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x01" + bytes(11), "version 1 is not 0"),
        (b"\x00\x04" + bytes(10), "unknown frame type 4"),
        (yamux_encode_header(PING, SYN, 1, 0), "ping on stream 1"),
        (yamux_encode_header(DATA, 0, 0, 0), "stream 0"),
        (yamux_encode_header(WINDOW_UPDATE, SYN, 2, 0), "SYN with our parity"),
        (yamux_encode_header(WINDOW_UPDATE, SYN, 3, 0) * 2, "reuses or goes below stream id 3"),
    ],
)
def test_malformed_frames_are_protocol_errors(frame, reason):
    _, ev = YamuxSession("server").feed(frame)
    assert ev[-1][0] == "protocol_error" and reason in ev[-1][1]
    assert [e[0] for e in ev].count("protocol_error") == 1


def test_send_buffer_is_bounded():
    c = YamuxSession("client", max_send_buffer=10)
    sid = c.open_stream()
    c.send(sid, bytes(WINDOW))  # goes straight out: the window allows it
    c.send(sid, bytes(10))
    with pytest.raises(DecodeError, match="send buffer"):
        c.send(sid, b"x")


@given(
    st.lists(st.tuples(st.booleans(), st.binary(max_size=3000)), max_size=20), st.integers(1, 50)
)
def test_data_round_trips_in_order_through_any_chunking(writes, chunk):
    c, s = pair(max_frame_data=1000)
    a, b = c.open_stream(), c.open_stream()
    for first, data in writes:
        c.send(a if first else b, data)
    wire = c.take_output()
    received = {a: b"", b: b""}
    for i in range(0, len(wire), chunk):
        _, ev = s.feed(wire[i : i + chunk])
        for e in ev:
            if e[0] == "data":
                received[e[1]] += e[2]
    assert received[a] == b"".join(d for f, d in writes if f)
    assert received[b] == b"".join(d for f, d in writes if not f)


@given(st.binary(max_size=500), st.sampled_from(["client", "server"]))
def test_arbitrary_bytes_never_crash(data, role):
    s = YamuxSession(role, max_streams=4)
    out, ev = s.feed(data)
    kinds = [e[0] for e in ev]
    assert kinds.count("protocol_error") <= 1
    assert s.stream_count <= 4


header_fields = st.tuples(
    st.integers(0, 3),
    st.integers(0, 15),
    st.integers(0, 20),
    st.integers(0, 3000),
    st.binary(max_size=64),
)


@given(st.lists(header_fields, max_size=30))
def test_well_formed_frame_soup_keeps_invariants(fields):
    s = YamuxSession("server", max_streams=3)
    wire = b"".join(
        yamux_encode_header(t, fl, sid, len(body) if t == DATA else n)
        + (body if t == DATA else b"")
        for t, fl, sid, n, body in fields
    )
    _, ev = s.feed(wire)
    assert s.stream_count <= 3
    if s.failed:
        assert ev[-1][0] == "protocol_error"
