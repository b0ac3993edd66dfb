"""Noise and yamux receivers hold at most the one frame a read cut in two (FrameBuffer):
whole frames are handled where they lie in the input, and the cut one is freed once
complete, however the stream is chunked (issue 10: 400 connections of a burst each kept a
buffer grown to a read plus a partial frame)."""

import random

from _sansio import pump
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip.net import NoiseSession, YamuxSession

MAX_NOISE_FRAME = 2 + 65535
YAMUX_HEADER = 12
KEEP = 4096  # kKeepBufferBytes: an emptied buffer at most this large is kept

chunkings = st.lists(st.integers(1, 150_000), min_size=1, max_size=8)


def feed_in_chunks(session, wire: bytes, chunks: list[int], bound: int) -> list:
    """Feeds `wire` cut by `chunks` (cycled); the receive buffer never passes `bound`."""
    events, pos, k = [], 0, 0
    while pos < len(wire):
        n = chunks[k % len(chunks)]
        k += 1
        _, ev = session.feed(wire[pos : pos + n])
        events += ev
        pos += n
        assert session.receive_buffer_bytes <= bound
    return events


@given(chunks=chunkings)
def test_noise_holds_at_most_the_cut_frame(chunks):
    rng = random.Random(1)
    init, resp = NoiseSession(True, rng.randbytes(32)), NoiseSession(False, rng.randbytes(32))
    pump(init, resp)
    data = rng.randbytes(300_000)  # five frames, four of them full
    assert feed_in_chunks(resp, init.send(data), chunks, MAX_NOISE_FRAME) == []
    assert resp.take_plaintext() == data
    assert resp.receive_buffer_bytes <= KEEP  # the last frame is complete: let go


def test_noise_whole_frames_in_one_read_are_not_buffered():
    rng = random.Random(2)
    init, resp = NoiseSession(True, rng.randbytes(32)), NoiseSession(False, rng.randbytes(32))
    pump(init, resp)
    resp.feed(init.send(bytes(200_000)))
    assert resp.receive_buffer_bytes == 0
    assert resp.take_plaintext() == bytes(200_000)


@given(chunks=chunkings)
def test_yamux_holds_at_most_the_cut_frame(chunks):
    client, server = YamuxSession("client"), YamuxSession("server")
    sid = client.open_stream()
    pump(client, server)
    data = random.Random(3).randbytes(200_000)  # within the 256 KiB window: 4 data frames
    client.send(sid, data)
    events = feed_in_chunks(server, client.take_output(), chunks, YAMUX_HEADER + 65536)
    assert b"".join(e[2] for e in events if e[0] == "data") == data
    assert server.receive_buffer_bytes <= KEEP
