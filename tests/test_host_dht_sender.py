"""host::DhtSender: how a DHT's queries reach their peers, driven by hand (no sockets).

A query to a connected peer goes out on its connection; one to another peer waits while the
peer's addresses are dialled in turn; a query whose connection closes is sent once more and
fails the second time; a connection dialled only for queries is closed once they are
answered, unless the node is short of outbound peers.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from p2pgossip._core import kad
from p2pgossip._core.crypto import Identity
from p2pgossip._core.host import DhtSender
from p2pgossip._core.net import Multiaddr

S = 1_000_000_000  # ns

A = Identity.from_seed(b"a" * 32).peer_id
B = Identity.from_seed(b"b" * 32).peer_id
LOCAL = Identity.from_seed(b"l" * 32).peer_id.to_bytes()
A_ADDR = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001")
B_ADDRS = [
    Multiaddr.parse("/ip4/10.0.0.2/tcp/4001"),
    Multiaddr.parse("/ip4/10.0.0.3/tcp/4001"),
]


def answer_naming_b(addrs: list[bytes]) -> bytes:
    return kad.encode({"type": "FIND_NODE", "closer_peers": [{"id": B.to_bytes(), "addrs": addrs}]})


def connected_to_a(target_outbound: int = 8) -> tuple[DhtSender, tuple]:
    """A sender whose node is connected to A (connection 1), the bootstrap's query to A sent."""
    d = DhtSender(LOCAL, target_outbound=target_outbound)
    d.peer_up(A.to_bytes(), 1, 0)
    d.server_connected(A.to_bytes(), [A_ADDR.to_bytes()], 0)
    (send,) = d.poll(0)
    assert send[:2] == ("send", 1)
    return d, send


def kinds(events: list[tuple]) -> list[str]:
    return [e[0] for e in events]


def test_a_query_to_a_connected_peer_goes_out_on_its_connection() -> None:
    d, (_, _, token, request, deadline) = connected_to_a()
    assert kad.decode(request)["type"] == "FIND_NODE"
    assert deadline > 0  # the query's timeout after now
    assert d.counters["queries"] == 1


def test_a_named_peer_is_dialled_address_by_address_skipping_what_we_cannot_dial() -> None:
    d, (_, _, token, _, _) = connected_to_a()
    d.answered(token, answer_naming_b([b"\xff garbage", *(a.to_bytes() for a in B_ADDRS)]), S)
    (dial,) = d.poll(S)
    assert dial == ("dial", B.to_bytes(), f"{B_ADDRS[0].to_string()}/p2p/{B}")
    d.dialling(B.to_bytes(), 2)
    d.connection_closed(2, S)  # that dial failed: the next address
    assert d.poll(S) == [("dial", B.to_bytes(), f"{B_ADDRS[1].to_string()}/p2p/{B}")]
    d.dialling(B.to_bytes(), 3)
    d.connection_closed(3, S)  # no address left: the query to B fails, the lookup ends
    events = d.poll(S)
    assert kinds(events) == ["done"]
    assert events[0][2] == [A.to_bytes()]  # closest that answered
    assert d.counters["failures"] == 1


def test_a_refused_dial_fails_the_query_without_trying_other_addresses() -> None:
    d, (_, _, token, _, _) = connected_to_a()
    d.answered(token, answer_naming_b([a.to_bytes() for a in B_ADDRS]), S)
    assert kinds(d.poll(S)) == ["dial"]
    d.dial_refused(B.to_bytes(), S)
    assert kinds(d.poll(S)) == ["done"]
    assert d.counters["failures"] == 1


def test_a_dial_closed_while_the_peer_dials_us_waits_for_that_connection() -> None:
    d, (_, _, token, _, _) = connected_to_a()
    d.answered(token, answer_naming_b([a.to_bytes() for a in B_ADDRS]), S)
    assert kinds(d.poll(S)) == ["dial"]
    d.dialling(B.to_bytes(), 2)
    d.connection_closed(2, S, peer_connecting=True)  # a duplicate of B's dial to us
    assert d.poll(S) == []  # no second dial
    d.peer_up(B.to_bytes(), 5, S)
    (send,) = d.poll(S)
    assert send[:2] == ("send", 5)


def test_a_query_whose_connection_closes_is_sent_once_more_then_fails() -> None:
    d, (_, _, token, request, _) = connected_to_a()
    d.connection_closed(1, S)  # under the query: sent again, through a dial
    assert d.poll(S) == [("dial", A.to_bytes(), f"{A_ADDR.to_string()}/p2p/{A}")]
    d.dialling(A.to_bytes(), 2)
    d.peer_up(A.to_bytes(), 2, S)
    assert d.poll(S) == [("send", 2, token, request, (1 + 10) * S)]
    d.connection_closed(2, 2 * S)  # lost twice: failed
    events = d.poll(2 * S)
    assert kinds(events) == ["done"] and events[0][2] == []
    assert d.counters["failures"] == 1 and d.counters["answers"] == 0


def test_a_waiting_query_fails_at_its_deadline_if_its_dial_never_reports() -> None:
    d, (_, _, token, _, _) = connected_to_a()
    d.answered(token, answer_naming_b([B_ADDRS[0].to_bytes()]), S)
    assert kinds(d.poll(S)) == ["dial"]
    d.dialling(B.to_bytes(), 2)
    d.tick(5 * S)
    assert d.counters["failures"] == 0
    d.tick(12 * S)  # past the query timeout (10 s)
    assert d.counters["failures"] == 1
    assert "done" in kinds(d.poll(12 * S))


def _dialled_b_for_two_queries(target_outbound: int) -> tuple[DhtSender, list[int]]:
    """B reached through a dial (connection 2) carrying the lookup's query and a find_node's."""
    d, (_, _, token, _, _) = connected_to_a(target_outbound)
    d.answered(token, answer_naming_b([B_ADDRS[0].to_bytes()]), S)
    assert kinds(d.poll(S)) == ["dial"]
    d.dialling(B.to_bytes(), 2)
    d.server_connected(B.to_bytes(), [B_ADDRS[0].to_bytes()], S)  # in the routing table
    d.find_node(B.to_bytes(), S)  # a second query for B
    d.peer_up(B.to_bytes(), 2, S)
    sends = [e for e in d.poll(S) if e[0] == "send"]
    tokens = [e[2] for e in sends if e[1] == 2]
    assert len(tokens) == 2, sends
    return d, tokens


def test_a_temporary_connection_closes_once_its_queries_are_answered() -> None:
    d, tokens = _dialled_b_for_two_queries(target_outbound=2)
    d.outbound_peers(3)  # above target without it
    empty = kad.encode({"type": "FIND_NODE"})
    for t in tokens:
        assert "close" not in kinds(d.poll(2 * S))  # not while a query is still on it
        d.answered(t, empty, 2 * S)
    assert ("close", 2) in d.poll(2 * S)


def test_a_temporary_connection_is_kept_when_the_node_is_short_of_peers() -> None:
    d, tokens = _dialled_b_for_two_queries(target_outbound=8)
    d.outbound_peers(2)
    for t in tokens:
        d.answered(t, kad.encode({"type": "FIND_NODE"}), 2 * S)
    assert "close" not in kinds(d.poll(2 * S))
    d.outbound_peers(20)  # kept for good: an ordinary connection now
    assert "close" not in kinds(d.poll(3 * S))


@given(st.lists(st.sampled_from(["answer", "fail", "close", "up", "refuse", "tick"]), max_size=40))
def test_every_query_ends_answered_or_failed_and_is_sent_at_most_twice(ops: list[str]) -> None:
    d, first = connected_to_a()
    sends: dict[int, int] = {first[2]: 1}
    outstanding = [first]  # sends not answered
    dials: list[tuple] = []
    conn, now = 10, S
    for op in ops:
        now += S
        if op in ("answer", "fail") and outstanding:
            _, _, token, _, _ = outstanding.pop(0)
            reply = answer_naming_b([B_ADDRS[0].to_bytes()]) if op == "answer" else None
            d.answered(token, reply, now)
        elif op == "close" and outstanding:
            d.connection_closed(outstanding[0][1], now)
            outstanding = [s for s in outstanding if s[1] != outstanding[0][1]]
        elif op in ("up", "refuse") and dials:
            _, peer, _ = dials.pop(0)
            if op == "up":
                conn += 1
                d.dialling(peer, conn)
                d.peer_up(peer, conn, now)
            else:
                d.dial_refused(peer, now)
        elif op == "tick":
            d.tick(now)
        for e in d.poll(now):
            if e[0] == "send":
                sends[e[2]] = sends.get(e[2], 0) + 1
                outstanding.append(e)
            elif e[0] == "dial":
                dials.append(e)
    assert max(sends.values()) <= 2
    # Whatever is left: every connection closes, every dial is refused, time runs out.
    for c in {s[1] for s in outstanding}:
        d.connection_closed(c, now)
    for _, peer, _ in dials:
        d.dial_refused(peer, now)
    for step in range(1, 4):
        d.tick(now + 11 * S * step)
        for e in d.poll(now + 11 * S * step):
            if e[0] == "send":
                d.connection_closed(e[1], now + 11 * S * step)
            elif e[0] == "dial":
                d.dial_refused(e[1], now + 11 * S * step)
    c = d.counters
    assert c["queries"] == c["answers"] + c["failures"]
