from hypothesis import given, settings
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, config, delivered, message_id, msg, of_kind


def test_seen_ttl_expires_ids():
    h = Harness(config(seen_ttl=3.0))
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    assert delivered(h.receive(1, publish=[msg(b"a")]))
    assert not delivered(h.receive(1, publish=[msg(b"a")]))
    h.now += 3.0
    h.router.tick(h.now)
    assert delivered(h.receive(1, publish=[msg(b"a")]))


def test_seen_cache_hard_bound_evicts_oldest_and_counts():
    h = Harness(config(seen_max_entries=3))
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    for i in range(5):
        h.receive(1, publish=[msg(b"%d" % i)])
    c = h.router.counters()
    assert c["dropped_seen_cache_full"] == 2 and c["messages_delivered"] == 5
    assert not delivered(h.receive(1, publish=[msg(b"4")]))  # newest still seen
    assert delivered(h.receive(1, publish=[msg(b"0")]))  # oldest evicted


def test_own_publish_marked_seen():
    h = Harness()
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.router.publish(msg(b"own"), 0)
    h.drain()
    assert not delivered(h.receive(1, publish=[msg(b"own")]))
    assert h.router.counters()["duplicates"] == 1


# The seen cache and the mcache share one record per id (router/message_table.hpp): each set
# must still come and go on its own terms.


def answered(h: Harness, peer: int, m) -> bool:
    return bool(of_kind(h.receive(peer, iwant=[[message_id(m)]]), "publish"))


def test_evicted_from_seen_still_served_from_the_mcache():
    h = Harness(config(seen_max_entries=1))
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    first, second = msg(b"first"), msg(b"second")
    h.receive(1, publish=[first])
    h.receive(1, publish=[second])  # evicts `first` from the seen cache
    assert answered(h, 2, first)
    assert delivered(h.receive(1, publish=[first]))  # not seen any more: new again
    assert answered(h, 2, first)  # and still cached once, in its first window


def test_out_of_the_mcache_still_seen():
    h = Harness(config(mcache_len=2, mcache_gossip=1))
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    m = msg(b"old")
    h.receive(1, publish=[m])
    h.heartbeat(2)
    assert not answered(h, 2, m)
    assert not delivered(h.receive(1, publish=[m]))


ops = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(0, 7)),
        st.tuples(st.just("iwant"), st.integers(0, 7)),
        st.tuples(st.just("heartbeat"), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(ops=ops, max_seen=st.integers(1, 5), mcache_len=st.integers(1, 4))
def test_seen_and_cached_follow_their_own_bounds(ops, max_seen, mcache_len):
    """Against a model: seen is a FIFO of at most `max_seen` ids; a message is cached from
    its first delivery for `mcache_len` heartbeats (a copy while cached does not renew it),
    and an IWANT is answered while cached, up to gossip_retransmission times per peer."""
    cfg = config(seen_max_entries=max_seen, seen_ttl=1e6, mcache_len=mcache_len, mcache_gossip=1)
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    cap = cfg.gossip_retransmission
    evicted = 0
    seen: list[int] = []
    cached: dict[int, int] = {}  # id -> heartbeats since put
    sends: dict[int, int] = {}
    for op, k in ops:
        m = msg(b"m%d" % k)
        if op == "receive":
            got = bool(delivered(h.receive(1, publish=[m])))
            assert got == (k not in seen), (op, k, seen)
            if got:
                seen.append(k)
                evicted += max(0, len(seen) - max_seen)
                del seen[:-max_seen]
                if k not in cached:
                    cached[k], sends[k] = 0, 0
        elif op == "iwant":
            expect = k in cached and sends[k] < cap
            assert answered(h, 2, m) == expect, (op, k, cached, sends)
            if expect:
                sends[k] += 1
        else:
            h.heartbeat()
            cached = {i: age + 1 for i, age in cached.items() if age + 1 < mcache_len}
    assert h.router.counters()["dropped_seen_cache_full"] == evicted
