"""The router's map from peer index to its own slot (PeerIndexMap: open addressing, growth,
backward-shift deletion) checked through the router: after any sequence of connects and
disconnects, exactly the connected peers are known, each under its own state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, msg

# Small indices (dense, as a runtime's connection slots) and huge ones (hashing to anywhere).
peer_indices = st.one_of(st.integers(0, 40), st.integers(2**32 - 50, 2**32 - 2))


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), peer_indices), max_size=120))
def test_connected_peers_are_exactly_the_known_ones(steps):
    h = Harness()
    h.router.subscribe(TOPIC, h.now)
    connected: set[int] = set()
    for connect, peer in steps:
        if connect:
            h.connect([peer])  # a reconnect replaces the peer's old state
            connected.add(peer)
        else:
            h.router.peer_disconnected(peer, h.now)
            connected.discard(peer)
    assert set(h.router.peers(TOPIC)) == connected
    # Each connected peer's RPCs reach its own state: every peer sends one message twice,
    # and each is charged exactly its own duplicate; unknown peers' RPCs are ignored.
    universe = {p for _, p in steps} | {7, 2**32 - 2}
    for peer in sorted(universe):
        for _ in range(2):
            h.receive(peer, publish=[msg(b"from %d" % peer)])
    for peer in sorted(universe):
        assert h.router.duplicates_from(peer) == (1 if peer in connected else 0), peer
