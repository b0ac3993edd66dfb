"""Bans with expiry on real sockets: a banned peer or IP is disconnected and refused at
accept and at dial until the ban expires, automatic bans for invalid messages, and bans
kept across a restart beside the known-peers file. Waits are on conditions, never sleeps."""

from __future__ import annotations

import os

from p2pgossip import _core
from runtime_harness import Harness, RawPeer, closed_by_remote, subscribed_raw_peer, varint

TOPIC = "t"


def bans(h: Harness, node: int) -> dict:
    m = h.rt.metrics(node)
    assert m is not None
    return m["peer_manager"]["bans"]


def peers_of(h: Harness, node: int) -> list[bytes]:
    m = h.rt.metrics(node)
    assert m is not None
    return [p[0] for p in m["peers"]]


def test_a_banned_peer_is_disconnected_refused_both_ways_then_readmitted_at_expiry(
    h: Harness,
) -> None:
    b_id = _core.crypto.Identity.generate()
    a, addr_a = h.add_node()
    b, addr_b = h.add_node(b_id)
    h.connect(a, addr_b)
    h.rt.ban(a, b_id.peer_id, 1.0, "testing")
    h.wait(lambda: peers_of(h, a) == [], "the banned peer disconnected")
    assert bans(h, a)["made"]["manual"] == 1 and bans(h, a)["closed_connections"] == 1
    (entry,) = h.rt.bans(a)
    assert entry[:2] == (str(b_id.peer_id), "peer") and entry[3:] == ("manual", "testing")
    assert 0 < entry[2] <= 1.0
    # Our dial is refused; theirs is closed once its upgrade names them.
    err = h.result(h.rt.connect(a, addr_b))
    assert err is not None and "banned" in err
    h.result(h.rt.connect(b, addr_a))
    h.wait(lambda: bans(h, a)["closed_connections"] == 2, "their dial closed")
    assert peers_of(h, a) == [] and bans(h, a)["refused_dials"] == 1
    # Expired: forgotten and counted; the same dial now connects.
    h.wait(lambda: h.rt.bans(a) == [], "the ban expired")
    assert bans(h, a)["expired"] == 1
    h.connect(a, addr_b)
    assert peers_of(h, a) == [b_id.peer_id.to_bytes()]


def test_an_ip_ban_refuses_connections_at_accept_until_unbanned(h: Harness) -> None:
    a, addr_a = h.add_node()
    b, _ = h.add_node()
    h.rt.ban(a, "127.0.0.1")
    h.wait(lambda: h.rt.bans(a) != [], "the ban in force")
    assert h.rt.bans(a) == [("127.0.0.1", "ip", None, "manual", "")]
    err = h.result(h.rt.connect(b, addr_a))
    assert err is not None
    h.wait(lambda: bans(h, a)["refused_inbound"] >= 1, "refused at accept")
    h.rt.unban(a, "127.0.0.1")
    h.connect(b, addr_a)
    assert bans(h, a)["unbanned"] == 1


def test_a_peer_sending_invalid_messages_is_banned_and_cannot_come_back(h: Harness) -> None:
    peers = _core.runtime.PeerConfig(ban_invalid_messages=5, ban_invalid_messages_for=3600)
    a, addr_a = h.add_node(peers=peers)
    h.ok(h.rt.subscribe(a, TOPIC))
    raw = subscribed_raw_peer(h, a, addr_a, TOPIC)
    raw_id = _core.crypto.Identity.from_seed(raw.seed).peer_id
    # Signed messages whose signature is zeros: each one fails verification.
    for i in range(1, 6):
        msg = {
            "from": raw_id.to_bytes(),
            "data": os.urandom(32),
            "seqno": i.to_bytes(8, "big"),
            "topic": TOPIC,
            "signature": bytes(64),
        }
        rpc = _core.wire.encode_rpc({"publish": [msg]})
        raw.send_stream(raw.pubsub, varint(len(rpc)) + rpc)
    h.wait(lambda: bans(h, a)["made"]["invalid_messages"] == 1, "the automatic ban")
    m = h.rt.metrics(a)
    assert m is not None and m["router"]["dropped_invalid_signature"] == 5
    assert closed_by_remote(raw.sock)
    ((target, kind, left, rule, reason),) = h.rt.bans(a)
    assert (target, kind, rule) == (str(raw_id), "peer", "invalid_messages")
    assert left is not None and 3500 < left <= 3600 and "5 invalid messages" in reason
    # The same identity again: the upgrade completes, then the node closes it.
    again = RawPeer(addr_a, raw.seed)
    again.mux()
    assert closed_by_remote(again.sock)
    assert bans(h, a)["closed_connections"] >= 2
    again.close()
    raw.close()


def test_bans_outlive_a_restart_beside_the_known_peers_file(h: Harness, tmp_path) -> None:
    path = str(tmp_path / "known-peers")
    a_id = _core.crypto.Identity.generate()
    mallory = _core.crypto.Identity.generate().peer_id
    a, _ = h.add_node(a_id, peers=_core.runtime.PeerConfig(known_peers_file=path))
    h.rt.ban(a, mallory, 3600.0, "seen spamming")
    h.rt.ban(a, "192.0.2.7")
    h.wait(lambda: len(h.rt.bans(a)) == 2, "both bans")
    h.ok(h.rt.close_node(a))
    assert (tmp_path / "known-peers.bans").read_text().startswith("p2pgossip-bans 1\n")
    a2, _ = h.add_node(a_id, peers=_core.runtime.PeerConfig(known_peers_file=path))
    got = {b[0]: b for b in h.rt.bans(a2)}
    assert set(got) == {str(mallory), "192.0.2.7"}
    assert got["192.0.2.7"][2] is None and got[str(mallory)][4] == "seen spamming"
    assert 3500 < got[str(mallory)][2] <= 3601


def test_a_graylisted_peer_is_disconnected_and_banned_until_the_term_ends(h: Harness) -> None:
    g = _core.router.GossipConfig(
        heartbeat_interval=0.05, heartbeat_initial_delay=0.05, disconnect_graylisted=True
    )
    g.score.app_specific_weight = 1.0
    g.thresholds.gossip_threshold = -1.0
    g.thresholds.publish_threshold = -5.0
    g.thresholds.graylist_threshold = -10.0
    a, addr_a = h.add_node(gossip=g, peers=_core.runtime.PeerConfig(ban_graylisted_for=1.0))
    b_id = _core.crypto.Identity.generate()
    b, addr_b = h.add_node(b_id)
    for n in (a, b):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(a, addr_b)
    h.rt.set_app_score(a, b_id.peer_id.to_bytes(), -100.0)
    h.wait(lambda: bans(h, a)["made"]["graylisted"] == 1, "the graylist ban")
    h.wait(lambda: peers_of(h, a) == [], "disconnected")
    assert h.drops(a)["graylisted"] == 1
    ((target, kind, left, rule, _),) = h.rt.bans(a)
    assert (target, kind, rule) == (str(b_id.peer_id), "peer", "graylisted") and 0 < left <= 1
    # Their redial is closed after its upgrade; ours is refused.
    h.result(h.rt.connect(b, addr_a))
    h.wait(lambda: bans(h, a)["closed_connections"] >= 1, "their redial closed")
    err = h.result(h.rt.connect(a, addr_b))
    assert err is not None and "banned" in err
    # Forgiven by the application, and the term over: it connects again.
    h.rt.set_app_score(a, b_id.peer_id.to_bytes(), 0.0)
    h.wait(lambda: h.rt.bans(a) == [], "the ban expired")
    h.connect(a, addr_b)
    assert peers_of(h, a) == [b_id.peer_id.to_bytes()]
