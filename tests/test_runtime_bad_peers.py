"""Misbehaving peers on raw sockets are cut off and counted; the node keeps serving others."""

from __future__ import annotations

import socket

import p2pgossip
import pytest
from _sansio import varint
from p2pgossip import _core
from p2pgossip.net import PeerRecord
from runtime_harness import Harness, RawPeer, closed_by_remote, host_port


@pytest.fixture
def net():
    """A runtime with two connected, subscribed nodes (a, b); b is the victim."""
    rt = _core.runtime.Runtime()
    rt.start()
    h = Harness(rt)
    peers = _core.runtime.PeerConfig(handshake_timeout=0.5)
    a, _ = h.add_node()
    b, addr_b = h.add_node(peers=peers)
    for n in (a, b):
        h.ok(rt.subscribe(n, "t"))
    h.connect(a, addr_b)
    h.wait(lambda: h.topic_peers(a, "t") == 1, "subscriptions")
    yield h, a, b, addr_b
    rt.close()


def still_works(h: Harness, a: int, b: int, data: bytes) -> None:
    req, mid, _ = h.rt.publish_data(a, "t", data)
    h.ok(req)
    h.wait(lambda: mid in h.delivered_ids(b), "delivery after the attack")


def test_garbage_is_dropped(net) -> None:
    h, a, b, addr_b = net
    with socket.create_connection(host_port(addr_b)) as s:
        s.sendall(bytes(range(256)) * 16)
        assert closed_by_remote(s)
    h.wait(lambda: h.drops(b)["security_negotiation"] == 1, "the refusal counted")
    still_works(h, a, b, b"after garbage")


@pytest.mark.parametrize("stage", ["silent", "multistream", "noise-first-message"])
def test_half_handshake_times_out(net, stage: str) -> None:
    h, a, b, addr_b = net
    with socket.create_connection(host_port(addr_b)) as s:
        if stage != "silent":
            s.sendall(_core.net.multistream_encode("/multistream/1.0.0"))
            s.sendall(_core.net.multistream_encode("/noise"))
        if stage == "noise-first-message":
            noise = _core.net.NoiseSession(True, bytes(32))
            s.sendall(noise.take_output())
        assert closed_by_remote(s)
    h.wait(lambda: h.drops(b)["handshake_timeout"] == 1, "the timeout counted")
    still_works(h, a, b, stage.encode())


def test_oversized_rpc_resets_the_stream_only(net) -> None:
    h, a, b, addr_b = net
    raw = RawPeer(addr_b)
    raw.mux()
    sid = raw.open_stream("/meshsub/1.1.0")
    raw.send_stream(sid, varint(64 << 20) + b"x" * 100)
    h.wait(lambda: h.drops(b)["rpc_too_large"] == 1, "the oversized RPC counted")
    # Undecodable bytes inside a well-framed RPC: the stream is reset, counted apart.
    sid2 = raw.open_stream("/meshsub/1.1.0")
    raw.send_stream(sid2, varint(4) + b"\xff\xff\xff\xff")
    h.wait(lambda: h.drops(b)["rpc_decode"] == 1, "the undecodable RPC counted")
    still_works(h, a, b, b"after oversized")
    raw.close()


def test_yamux_frame_beyond_the_window_closes_the_connection(net) -> None:
    h, a, b, addr_b = net
    raw = RawPeer(addr_b)
    raw.mux()
    sid = raw.open_stream("/meshsub/1.1.0")
    body = bytes(300_000)  # the initial window is 256 KiB
    raw.send_plain(_core.net.yamux_encode_header(0, 0, sid, len(body)) + body[:60_000])
    assert closed_by_remote(raw.sock)
    h.wait(lambda: h.drops(b)["yamux_error"] == 1, "the yamux error counted")
    still_works(h, a, b, b"after yamux abuse")


def test_endless_protocol_proposals_on_a_stream_are_refused(net) -> None:
    # Unknown protocols are answered "na"; past the proposal limit the stream is reset.
    h, a, b, addr_b = net
    raw = RawPeer(addr_b)
    raw.mux()
    assert raw.yamux is not None
    sid = raw.yamux.open_stream()
    proposals = [_core.net.multistream_encode(f"/not/a/protocol/{i}") for i in range(40)]
    raw.send_stream(sid, _core.net.multistream_encode("/multistream/1.0.0") + b"".join(proposals))
    h.wait(lambda: h.drops(b)["stream_negotiation"] >= 1, "the refused stream counted")
    raw.close()
    still_works(h, a, b, b"after a bad stream")


def test_ping_is_echoed(net) -> None:
    h, a, b, addr_b = net
    raw = RawPeer(addr_b)
    raw.mux()
    sid = raw.open_stream("/ipfs/ping/1.0.0")
    payload = bytes(range(32))
    raw.send_stream(sid, payload)
    assert raw.yamux is not None
    echoed = b""
    while len(echoed) < 32:
        _, events = raw.yamux.feed(raw.recv_plain())
        echoed += b"".join(ev[2] for ev in events if ev[0] == "data" and ev[1] == sid)
    assert echoed == payload
    raw.close()


def test_identify_answers_with_our_identity_and_addresses(net) -> None:
    h, a, b, addr_b = net
    raw = RawPeer(addr_b)
    raw.mux()
    assert raw.yamux is not None
    sid = raw.open_stream("/ipfs/id/1.0.0")
    received, finished = raw.early.get(sid, b""), sid in raw.closed
    while not finished:
        _, events = raw.yamux.feed(raw.recv_plain())
        for ev in events:
            if ev[0] == "data" and ev[1] == sid:
                received += ev[2]
            finished = finished or ev == ("closed", sid)
    msg = _core.net.decode_identify(received, stream=True)
    assert msg["agent_version"] == f"p2pgossip/{p2pgossip.__version__}"  # one version
    peer_b = addr_b.rsplit("/p2p/", 1)[1]
    assert str(_core.crypto.PeerId.from_public_key(msg["public_key"][4:])) == peer_b
    listen = [_core.net.Multiaddr.from_bytes(x).to_string() for x in msg["listen_addrs"]]
    assert listen == [addr_b.rsplit("/p2p/", 1)[0]]
    observed = _core.net.Multiaddr.from_bytes(msg["observed_addr"]).to_string()
    assert observed.endswith(f"/tcp/{raw.sock.getsockname()[1]}")
    assert {"/meshsub/1.2.0", "/ipfs/ping/1.0.0", "/ipfs/id/1.0.0"} <= set(msg["protocols"])
    record = PeerRecord.open(msg["signed_peer_record"])  # the same addresses, signed by b
    assert str(record.peer_id) == peer_b and record.seq > 0
    assert [a.to_bytes() for a in record.addrs] == msg["listen_addrs"]
    raw.close()
