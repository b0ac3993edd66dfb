"""Routers sharing an IdPool (Router(ids=...), as a simulation's shard shares one) keep a
handle an id instead of the id. They must behave exactly as a router keeping its own ids,
and the pool must hold what its routers hold: an id goes once the last router lets go."""

from __future__ import annotations

import gc

from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip._core.router import IdPool, Router
from router_harness import TOPIC, Harness, config, msg

TTL_S = 5.0
PEERS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

# Ids are the messages' data: any length up to 64 bytes, so the pool lays its ids out again
# as longer ones come; a few short values make repeats (duplicates, IHAVEs of known ids).
ids = st.one_of(st.binary(min_size=0, max_size=64), st.sampled_from([b"", b"a", b"b" * 16]))
peer = st.sampled_from(PEERS)
step = st.one_of(
    st.tuples(st.just("publish"), peer, ids),
    st.tuples(st.just("ihave"), peer, st.lists(ids, max_size=5)),
    st.tuples(st.just("iwant"), peer, st.lists(ids, max_size=5)),
    st.tuples(st.just("idontwant"), peer, st.lists(ids, max_size=3)),
    st.tuples(st.just("wait"), st.floats(0.05, 2.0)),
    st.tuples(st.just("own"), ids),
)


def harness(pool: IdPool | None, max_seen: int) -> Harness:
    h = Harness()
    cfg = config(seen_ttl=TTL_S, seen_max_entries=max_seen)
    h.router = Router(cfg, 1, lambda m: m.data, ids=pool)
    h.router.subscribe(TOPIC, h.now)
    h.connect(PEERS)
    return h


def apply(h: Harness, s: tuple, now: float) -> list:
    """One step at time `now`; the router's actions, ticked first if a deadline is due."""
    actions = []
    while h.router.next_deadline() <= now:
        h.now = h.router.next_deadline()
        h.router.tick(h.now)
        actions += h.drain()
    h.now = now
    kind = s[0]
    if kind == "publish":
        actions += h.receive(s[1], publish=[msg(s[2])])
    elif kind == "ihave":
        actions += h.receive(s[1], ihave=[(TOPIC, s[2])])
    elif kind == "iwant":
        actions += h.receive(s[1], iwant=[s[2]])
    elif kind == "idontwant":
        actions += h.receive(s[1], idontwant=[s[2]])
    elif kind == "own":
        try:
            h.router.publish(msg(s[1]), h.now)
        except ValueError as e:  # already seen: refused the same way by both
            actions.append(("refused", str(e)))
        actions += h.drain()
    return actions


def normal(actions: list) -> list:
    return [repr(a) for a in actions]


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, max_size=120),
    other=st.lists(step, max_size=60),
    max_seen=st.integers(1, 30),
)
def test_a_pooled_router_acts_as_one_keeping_its_ids(steps, other, max_seen):
    """The same script to a router keeping its ids and to one sharing a pool with a third
    router (fed its own script, so the pool holds ids of both): the same actions at every
    step, the seen cache's evictions included; then, all expired, an empty pool."""
    pool = IdPool()
    own, pooled, neighbour = harness(None, max_seen), harness(pool, max_seen), harness(pool, 5)
    now = 0.0
    for i, s in enumerate(steps):
        if s[0] == "wait":
            now += s[1]
        assert normal(apply(pooled, s, now)) == normal(apply(own, s, now)), (i, s)
        if i < len(other) and other[i][0] != "wait":
            apply(neighbour, other[i], now)
    assert own.router.counters() == pooled.router.counters()
    # Past seen_ttl and the mcache's windows every router forgets every id, and the pool too.
    for h in (own, pooled, neighbour):
        apply(h, ("wait",), now + TTL_S + 10)
        assert h.router.message_state_bytes() < 4096
    assert len(pool) == 0


def test_the_pool_keeps_an_id_while_any_router_holds_it():
    pool = IdPool()
    a, b = harness(pool, 100), harness(pool, 100)
    apply(a, ("publish", 1, b"x" * 16), 0.1)
    apply(b, ("publish", 1, b"x" * 16), 0.1)
    apply(b, ("publish", 2, b"y" * 40), 0.2)
    assert len(pool) == 2  # one id held by both, one by b: each once
    del b
    gc.collect()
    assert len(pool) == 1  # b's routers let go of theirs when it went
    assert normal(apply(a, ("publish", 2, b"x" * 16), 0.3)) == []  # still a duplicate to a
    apply(a, ("wait",), 0.3 + TTL_S + 10)
    assert len(pool) == 0
