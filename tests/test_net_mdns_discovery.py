"""mDNS discovery's state machine (libp2p discovery/mdns.md) driven in memory with explicit
`now`: two nodes find each other through a query and an answer; a node ignores itself,
answers at most once per answer_interval, and survives any packet."""

from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import Identity
from p2pgossip._core.mdns import (
    META_QUERY_NAME,
    SERVICE_NAME,
    Discovery,
    decode,
    encode,
    is_meta_query,
    meta_response,
    peer_response,
)
from p2pgossip._core.net import Multiaddr


def node(i: int, **kw) -> tuple[Discovery, Identity, str]:
    ident = Identity.from_seed(bytes([i + 1]) * 32)
    addr = f"/ip4/192.168.1.{i}/tcp/4001/p2p/{ident.peer_id}"
    d = Discovery(ident.peer_id, f"peer{i:032d}", now=0.0, **kw)
    d.set_addrs([addr])
    return d, ident, addr


def test_two_nodes_discover_each_other_through_a_query_and_an_answer() -> None:
    a, ida, addr_a = node(1)
    b, idb, addr_b = node(2)
    a.handle_timeout(0.0)
    (query,) = a.poll_transmit()
    b.handle_packet(query, 0.01)
    (answer,) = b.poll_transmit()
    a.handle_packet(answer, 0.02)
    assert a.poll_discovered() == [(idb.peer_id, [Multiaddr.parse(addr_b.split("/p2p/")[0])])]
    assert a.poll_discovered() == []  # each announcement once
    # The group hears every answer, its sender too: a node never discovers itself.
    b.handle_packet(answer, 0.02)
    assert b.poll_discovered() == []
    assert (a.counters["queries_sent"], b.counters["queries_answered"]) == (1, 1)
    assert a.counters["peers_discovered"] == 1


def test_dns_sd_questions_for_our_instance_or_host_are_answered() -> None:
    # zeroconf (py-libp2p) asks for the instance's SRV/TXT and the host's A when its cache
    # lacks them: those get the full answer; questions about another name get nothing.
    a, _, addr = node(1)
    for i, (qname, qtype) in enumerate(
        [(f"peer{1:032d}._p2p._udp.local", 33), (f"peer{1:032d}.local", 1)]
    ):
        a.handle_packet(encode({"questions": [{"name": qname, "type": qtype}]}), 2.0 * i)
        assert a.poll_transmit() == [peer_response(f"peer{1:032d}", [addr])]
    a.handle_packet(encode({"questions": [{"name": "other._p2p._udp.local", "type": 33}]}), 9.0)
    assert a.poll_transmit() == []
    assert a.counters["queries_answered"] == 2


def test_dns_sd_meta_query_lists_our_service_once_per_interval() -> None:
    # Network tools (avahi-browse, dns-sd -B) list a LAN's services with the meta query.
    a, _, addr = node(1)
    meta = encode({"questions": [{"name": META_QUERY_NAME, "type": 12}]})
    assert is_meta_query(meta) and not is_meta_query(meta_response())
    a.handle_packet(meta, 0.5)
    (answer,) = a.poll_transmit()
    (ptr,) = decode(answer)["answers"]
    assert (ptr["name"], ptr["type"], ptr["target"]) == (META_QUERY_NAME, 12, SERVICE_NAME)
    for t in (0.6, 0.9):  # a flood within answer_interval gets nothing more
        a.handle_packet(meta, t)
    assert a.poll_transmit() == []
    # Asked with the peer query in one packet: both answered.
    both = encode(
        {"questions": [{"name": META_QUERY_NAME, "type": 255}, {"name": SERVICE_NAME, "type": 12}]}
    )
    a.handle_packet(both, 2.0)
    assert a.poll_transmit() == [meta_response(), peer_response(f"peer{1:032d}", [addr])]
    assert a.counters["meta_queries_answered"] == 2


def test_queries_repeat_every_interval() -> None:
    a, _, _ = node(1, query_interval=30.0)
    assert a.next_deadline == 0.0
    a.handle_timeout(0.0)
    assert len(a.poll_transmit()) == 1 and a.next_deadline == 30.0
    a.handle_timeout(29.9)
    assert a.poll_transmit() == []
    a.handle_timeout(30.0)
    assert len(a.poll_transmit()) == 1


def test_a_flood_of_queries_gets_one_answer_per_interval() -> None:
    a, _, _ = node(1)
    q, _, _ = node(2)
    q.handle_timeout(0.0)
    (query,) = q.poll_transmit()
    for i in range(100):
        a.handle_packet(query, i * 0.01)
    assert len(a.poll_transmit()) == 1
    assert a.counters["queries_not_answered"] == 99
    a.handle_packet(query, 1.0)
    assert len(a.poll_transmit()) == 1


def test_answers_whose_addresses_name_other_peers_or_none_are_refused() -> None:
    a, _, _ = node(1)
    _, idb, _ = node(2)
    _, idc, _ = node(3)
    mixed = peer_response(
        "x" * 32,
        [
            f"/ip4/10.0.0.2/tcp/1/p2p/{idb.peer_id}",
            f"/ip4/10.0.0.3/tcp/1/p2p/{idc.peer_id}",  # another peer in b's answer
            "/ip4/10.0.0.4/tcp/1",  # no /p2p
            "not a multiaddr",
        ],
    )
    a.handle_packet(mixed, 0.0)
    assert a.poll_discovered() == [(idb.peer_id, [Multiaddr.parse("/ip4/10.0.0.2/tcp/1")])]
    assert a.counters["addrs_refused"] == 3


@given(st.binary(max_size=600))
def test_any_packet_is_counted_or_ignored_never_a_crash(packet: bytes) -> None:
    a, _, _ = node(1)
    a.handle_packet(packet, 0.0)
    c = a.counters
    assert c["packets_invalid"] + c["queries_answered"] + c["responses_received"] <= 1
    assert len(a.poll_transmit()) <= 1
