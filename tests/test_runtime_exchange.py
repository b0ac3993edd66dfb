"""Two real nodes over TCP loopback: libp2p upgrade, signed messages both ways, peer ids."""

from __future__ import annotations

import socket

import pytest
from p2pgossip import _core
from runtime_harness import Harness


def ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize(
    "listen",
    [
        "/ip4/127.0.0.1/tcp/0",
        pytest.param(
            "/ip6/::1/tcp/0",
            marks=pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback"),
        ),
    ],
)
def test_two_nodes_exchange_signed_messages_both_ways(h: Harness, listen: str) -> None:
    ida, idb = _core.crypto.Identity.generate(), _core.crypto.Identity.generate()
    a, _ = h.add_node(ida, listen=[listen])
    b, addr_b = h.add_node(idb, listen=[listen])
    assert addr_b.endswith("/p2p/" + str(idb.peer_id))
    for n in (a, b):
        h.ok(h.rt.subscribe(n, "t"))
    h.connect(a, addr_b)
    # b's inbound event comes from its own thread, maybe after a's connect result.
    h.wait(lambda: len([e for e in h.events if e[0] == "peer_connected"]) == 2, "both ends up")
    connected = [e for e in h.events if e[0] == "peer_connected"]
    assert {(e[1], e[2], e[4]) for e in connected} == {
        (a, idb.peer_id.to_bytes(), "outbound"),
        (b, ida.peer_id.to_bytes(), "inbound"),
    }
    h.wait(lambda: h.topic_peers(a, "t") == 1 and h.topic_peers(b, "t") == 1, "subscriptions")

    req, id_ab, msg_ab = h.rt.publish_data(a, "t", b"from a")
    h.ok(req)
    msg_ba = _core.host.Message.create(idb, "t", b"from b")
    h.ok(h.rt.publish(b, msg_ba))
    id_ba = msg_ba.id()

    h.wait(lambda: id_ab in h.delivered_ids(b) and id_ba in h.delivered_ids(a), "deliveries")
    (at_b,) = [e for e in h.deliveries(b) if e[3] == id_ab]
    _, _, message, _, received_from, received_at = at_b
    assert message.data == b"from a" and message.topic == "t"
    assert message.from_ == ida.peer_id.to_bytes() and message.verify()
    assert message == msg_ab
    assert received_from == ida.peer_id.to_bytes() and received_at > 0
    (at_a,) = [e for e in h.deliveries(a) if e[3] == id_ba]
    assert at_a[2] == msg_ba and at_a[4] == idb.peer_id.to_bytes()
    # Own publishes are delivered locally with an empty received-from.
    assert [e[4] for e in h.deliveries(a) if e[3] == id_ab] == [b""]

    ma, mb = h.rt.metrics(a), h.rt.metrics(b)
    assert ma["router"]["messages_published"] == 1
    assert ma["router"]["messages_delivered"] == 2  # its own and b's
    assert ma["protocols"]["/meshsub/1.2.0"]["messages_out"] >= 1
    assert mb["protocols"]["/meshsub/1.2.0"]["messages_in"] >= 1
    assert ma["tcp_bytes_out"] > 0 and mb["tcp_bytes_in"] > 0
    assert [p[0] for p in ma["peers"]] == [idb.peer_id.to_bytes()]
    assert ma["peers"][0][3] == "/meshsub/1.2.0"


def test_wrong_peer_id_is_refused_and_counted(h: Harness) -> None:
    a, _ = h.add_node()
    b, addr_b = h.add_node()
    impostor = str(_core.crypto.Identity.generate().peer_id)
    wrong = addr_b.rsplit("/p2p/", 1)[0] + "/p2p/" + impostor
    err = h.result(h.rt.connect(a, wrong))
    assert err is not None and "peer id" in err
    assert h.drops(a)["peer_id_mismatch"] == 1
    # The peer manager counts it too, as a failed handshake of that kind.
    pm = h.rt.metrics(a)["peer_manager"]
    assert pm["peer_id_mismatches"] == 1 and pm["handshakes_failed"] == 1
    assert not [e for e in h.events if e[0] == "peer_connected" and e[1] == a]
    # The right id still connects.
    h.connect(a, addr_b)


def test_connect_without_p2p_accepts_any_identity_and_reconnect_is_idempotent(
    h: Harness,
) -> None:
    a, _ = h.add_node()
    b, addr_b = h.add_node()
    h.connect(a, addr_b.rsplit("/p2p/", 1)[0])
    h.connect(a, addr_b)  # already connected: done at once, no second connection
    assert len([e for e in h.events if e[0] == "peer_connected" and e[1] == a]) == 1


def test_bad_addresses_and_unknown_nodes_are_errors(h: Harness) -> None:
    a, _ = h.add_node()
    assert h.result(h.rt.connect(a, "/ip4/1.2.3/tcp/1")) is not None
    assert h.result(h.rt.connect(a, "/ip4/127.0.0.1/udp/1")) is not None
    assert h.result(h.rt.connect(99, "/ip4/127.0.0.1/tcp/1")) == "unknown node 99"
    node, req = h.rt.add_node(_core.crypto.Identity.generate(), listen=["/dns4/localhost/tcp/0"])
    assert h.result(req) is not None


def test_dns4_is_resolved_by_the_runtime(h: Harness) -> None:
    a, _ = h.add_node()
    b, addr_b = h.add_node()
    port_and_id = addr_b.split("/tcp/", 1)[1]
    h.connect(a, "/dns4/localhost/tcp/" + port_and_id)


def test_disconnect_reports_both_sides(h: Harness) -> None:
    ida, idb = _core.crypto.Identity.generate(), _core.crypto.Identity.generate()
    a, _ = h.add_node(ida)
    b, addr_b = h.add_node(idb)
    h.connect(a, addr_b)
    h.ok(h.rt.disconnect(a, idb.peer_id))
    h.wait(
        lambda: {e[1] for e in h.events if e[0] == "peer_disconnected"} == {a, b},
        "both disconnects",
    )
    assert h.rt.metrics(a)["peers"] == []
