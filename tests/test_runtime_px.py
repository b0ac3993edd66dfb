"""Peer exchange on real sockets: identify carries each node's signed peer record, a PRUNE
passes the records of the peers it suggests, and the pruned node dials a peer it learnt of
only that way. Forged records are refused and counted, never dialled."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from _sansio import varint
from p2pgossip import Identity, PeerId, _core
from p2pgossip.net import (
    PEER_RECORD_DOMAIN,
    PEER_RECORD_PAYLOAD_TYPE,
    Multiaddr,
    PeerRecord,
    seal_envelope,
)
from runtime_harness import Harness, RawPeer

TOPIC = "t"


@pytest.fixture
def h() -> Iterator[Harness]:
    rt = _core.Runtime()
    rt.start()
    yield Harness(rt)
    rt.close()


def peer_of(addr: str) -> bytes:
    return PeerId.parse(addr.rsplit("/p2p/", 1)[1]).to_bytes()


def metrics(h: Harness, node: int) -> dict[str, Any]:
    m = h.rt.metrics(node)
    assert m is not None
    return m


def connected(h: Harness, node: int) -> set[bytes]:
    return {p[0] for p in metrics(h, node)["peers"]}


def read_identify(raw: RawPeer) -> dict[str, Any]:
    sid = raw.open_stream("/ipfs/id/1.0.0")
    received, finished = raw.early.get(sid, b""), sid in raw.closed
    while not finished:
        assert raw.yamux is not None
        _, events = raw.yamux.feed(raw.recv_plain())
        for ev in events:
            if ev[0] == "data" and ev[1] == sid:
                received += ev[2]
            finished = finished or ev == ("closed", sid)
    return _core.decode_identify(received, stream=True)


def test_identify_carries_our_signed_peer_record(h: Harness) -> None:
    node, addr = h.add_node()
    raw = RawPeer(addr)
    raw.mux()
    msg = read_identify(raw)
    raw.close()
    record = PeerRecord.open(msg["signed_peer_record"])
    assert record.peer_id.to_bytes() == peer_of(addr)
    assert [a.to_bytes() for a in record.addrs] == msg["listen_addrs"]
    assert record.seq > 0


def test_a_pruned_node_dials_the_peer_it_learnt_of_only_through_px(h: Harness) -> None:
    a, _ = h.add_node()
    b, addr_b = h.add_node()
    # C ignores PX (its accept_px_threshold is above any score), so the connection between
    # A and C can only come from A acting on the PX it got.
    deaf = _core.GossipConfig()
    deaf.thresholds.accept_px_threshold = 1e9
    c, addr_c = h.add_node(gossip=deaf)
    for n in (a, b, c):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(b, addr_c)
    h.connect(a, addr_b)
    # B's heartbeat grafts A and C (its mesh is below D_lo); identify gave it both records.
    h.wait(
        lambda: (
            metrics(h, b)["mesh_sizes"][TOPIC] == 2
            and metrics(h, b)["peer_manager"]["peer_records_added"] == 2
        ),
        "B's mesh holds A and C, and B holds their records",
    )
    assert peer_of(addr_c) not in connected(h, a)
    assert metrics(h, a)["peer_manager"]["candidates_added"] == 1  # B alone
    # LEAVE: B prunes A and C, suggesting each to the other with its record.
    h.ok(h.rt.unsubscribe(b, TOPIC))
    h.wait(lambda: peer_of(addr_c) in connected(h, a), "A connected to C")
    ((direction,),) = {(p[2],) for p in metrics(h, a)["peers"] if p[0] == peer_of(addr_c)}
    assert direction == "outbound" and metrics(h, a)["peer_manager"]["peer_records_added"] >= 2
    drops = h.drops(a)
    assert drops["px_record_invalid"] == drops["px_no_address"] == 0


class Pruner:
    """A raw peer on a pubsub stream to a node: it sends that node PRUNEs with PX."""

    def __init__(self, addr: str) -> None:
        self.raw = RawPeer(addr)
        self.raw.mux()
        self.sid = self.raw.open_stream("/meshsub/1.1.0")

    def suggest(self, peer_id: bytes, record: bytes | None = None) -> None:
        info: dict[str, bytes] = {"peer_id": peer_id}
        if record is not None:
            info["signed_peer_record"] = record
        prune = {"topic_id": TOPIC, "peers": [info], "backoff": 1}
        rpc = _core.Rpc.from_dict({"control": {"prune": [prune]}}).encode()
        self.raw.send_stream(self.sid, varint(len(rpc)) + rpc)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_forged_px_records_are_refused_counted_and_never_dialled(h: Harness) -> None:
    node, addr = h.add_node()
    h.ok(h.rt.subscribe(node, TOPIC))
    pruner = Pruner(addr)
    carol, mallory = Identity.generate(), Identity.generate()
    carol_addr = Multiaddr.parse(f"/ip4/127.0.0.1/tcp/{closed_port()}")
    claim = PeerRecord(carol.peer_id, 1, [carol_addr])
    carol_id = carol.peer_id.to_bytes()

    def pm() -> dict[str, Any]:
        return metrics(h, node)["peer_manager"]

    # Carol's addresses, signed by Mallory.
    forged = seal_envelope(mallory, PEER_RECORD_DOMAIN, PEER_RECORD_PAYLOAD_TYPE, claim.encode())
    pruner.suggest(carol_id, forged)
    h.wait(lambda: h.drops(node)["px_record_invalid"] == 1, "the forged record counted")
    # Mallory's own valid record, offered as Carol's.
    mallory_record = PeerRecord(mallory.peer_id, 1, [carol_addr]).seal(mallory)
    pruner.suggest(carol_id, mallory_record)
    h.wait(lambda: h.drops(node)["px_record_invalid"] == 2, "the mismatched record counted")
    # No record, no address known: nothing to dial.
    pruner.suggest(carol_id)
    h.wait(lambda: h.drops(node)["px_no_address"] == 1, "the bare suggestion counted")
    assert (pm()["candidates_added"], pm()["dials"]) == (1, 0)  # the pruner alone, inbound
    # Carol's genuine record is taken, and the node dials the address it certifies.
    pruner.suggest(carol_id, claim.seal(carol))
    h.wait(lambda: pm()["dials"] == 1, "the dial to Carol")
    assert pm()["peer_records_added"] == 1
    h.wait(lambda: h.drops(node)["dial_failed"] == 1, "the refused TCP connect")
    pruner.raw.close()
