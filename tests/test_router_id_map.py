"""The router's id table (IdMap: 8-byte slots of index and tag, keys beside the entries,
backward-shift deletion, tables rebuilt as they grow, keys laid out again for a longer id)
checked through the seen cache against a model: ids of every length up to 64 bytes, expiry
by TTL, eviction of the oldest when full."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip._core.host import Message
from p2pgossip._core.router import Router
from router_harness import TOPIC, Harness, config, delivered

TTL_S = 5.0


class SeenModel:
    """The seen cache as specified: ids expire seen_ttl after insertion (purged on insert and
    on the heartbeat), and the oldest is evicted when max_entries are held."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self.expiry: OrderedDict[bytes, float] = OrderedDict()

    def expire(self, now: float) -> None:
        while self.expiry and next(iter(self.expiry.values())) <= now:
            self.expiry.popitem(last=False)

    def receive(self, mid: bytes, now: float) -> bool:
        if mid in self.expiry:
            return False
        self.expire(now)
        while len(self.expiry) >= self.max_entries:
            self.expiry.popitem(last=False)
        self.expiry[mid] = now + TTL_S
        return True


ids = st.binary(min_size=0, max_size=64)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), ids),
        st.tuples(st.just("again"), st.integers(0, 10_000)),  # an id received before
        st.tuples(st.just("wait"), st.floats(0.1, 3.0)),
    ),
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(steps=steps, max_entries=st.integers(1, 40))
def test_seen_cache_matches_its_model(steps, max_entries):
    # The id is the message's data itself, so tests choose ids of any length and content.
    h = Harness()
    h.router = Router(config(seen_ttl=TTL_S, seen_max_entries=max_entries), 1, lambda m: m.data)
    h.router.subscribe(TOPIC, h.now)
    h.connect([1])
    model = SeenModel(max_entries)
    used: list[bytes] = []
    for kind, arg in steps:
        if kind == "wait":
            h.now += arg
            if h.now >= h.router.next_deadline():
                h.router.tick(h.now)  # the heartbeat purges expired ids
                h.drain()
                model.expire(h.now)
            continue
        if kind == "again":
            if not used:
                continue
            mid = used[arg % len(used)]
        else:
            mid = arg
            used.append(mid)
        got = bool(delivered(h.receive(1, publish=[Message(topic=TOPIC, data=mid)])))
        assert got == model.receive(mid, h.now), (mid, h.now)
