"""Peer exchange on real sockets: a PRUNE passes the signed records (learnt from identify) of
the peers it suggests, and the pruned node dials a peer it learnt of only that way. Forged
records, in PX or in identify, are refused and counted, never dialled."""

from __future__ import annotations

import socket
from typing import Any

from _sansio import varint
from p2pgossip import Identity, PeerId, _core
from p2pgossip.net import (
    IDENTIFY_PROTOCOL_ID,
    PEER_RECORD_DOMAIN,
    PEER_RECORD_PAYLOAD_TYPE,
    Multiaddr,
    PeerRecord,
    seal_envelope,
)
from runtime_harness import Harness, RawPeer

TOPIC = "t"


def peer_of(addr: str) -> bytes:
    return PeerId.parse(addr.rsplit("/p2p/", 1)[1]).to_bytes()


def metrics(h: Harness, node: int) -> dict[str, Any]:
    m = h.rt.metrics(node)
    assert m is not None
    return m


def connected(h: Harness, node: int) -> set[bytes]:
    return {p[0] for p in metrics(h, node)["peers"]}


def test_a_pruned_node_dials_the_peer_it_learnt_of_only_through_px(h: Harness) -> None:
    a, _ = h.add_node()
    b, addr_b = h.add_node()
    # C ignores PX (its accept_px_threshold is above any score), so the connection between
    # A and C can only come from A acting on the PX it got.
    deaf = _core.router.GossipConfig()
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
    (direction,) = {p[2] for p in metrics(h, a)["peers"] if p[0] == peer_of(addr_c)}
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
        rpc = _core.wire.Rpc.from_dict({"control": {"prune": [prune]}}).encode()
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
    pruner.raw.close()


def answer_identify(raw: RawPeer, message: bytes) -> None:
    """Serves the node's identify request on `raw` with `message` (its other streams are left
    unanswered). The node opens its streams with even ids (yamux: it is the server here)."""
    assert raw.yamux is not None
    negotiations: dict[int, Any] = {}
    while True:
        data, raw.pending = raw.pending or raw.recv_plain(), b""
        _, events = raw.yamux.feed(data)
        for ev in events:
            if ev[0] != "data" or ev[1] % 2:
                continue
            if ev[1] not in negotiations:
                ms = _core.net.MultistreamNegotiation("listener", [IDENTIFY_PROTOCOL_ID])
                negotiations[ev[1]] = ms
            reply, results = negotiations[ev[1]].feed(ev[2])
            raw.yamux.send(ev[1], reply)
            if ("selected", IDENTIFY_PROTOCOL_ID) in results:
                raw.yamux.send(ev[1], message)
                raw.yamux.close(ev[1])
                raw.send_plain(raw.yamux.take_output())
                return
        if out := raw.yamux.take_output():
            raw.send_plain(out)


def test_identify_record_of_another_peer_is_refused_and_counted(h: Harness) -> None:
    node, addr = h.add_node()
    carol = Identity.generate()
    carols = PeerRecord(carol.peer_id, 1, [Multiaddr.parse("/ip4/127.0.0.1/tcp/9")]).seal(carol)
    raw = RawPeer(addr)
    raw.mux()
    # A valid record, but Carol's: the identified peer is the raw one.
    answer_identify(raw, _core.net.encode_identify({"signed_peer_record": carols}, delimited=True))
    h.wait(lambda: h.drops(node)["identify_record_invalid"] == 1, "the foreign record counted")
    pm = metrics(h, node)["peer_manager"]
    assert (pm["peer_records_added"], pm["candidates_added"], pm["dials"]) == (0, 1, 0)
    raw.close()
