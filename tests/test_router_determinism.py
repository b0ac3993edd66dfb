"""Same seed and inputs give the same actions; a different seed gives different choices."""

from hypothesis import given, settings
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, msg


def trace(seed, n_peers=30, n_msgs=5):
    h = Harness(seed=seed)
    h.router.subscribe(TOPIC, 0)
    out = []

    def record(actions):
        for a in actions:
            if a[0] == "send":
                r = a[2]
                out.append(
                    (
                        "send",
                        a[1],
                        r.subscriptions,
                        [m.data for m in r.publish],
                        r.ihave,
                        r.iwant,
                        r.graft,
                        r.prune,
                        r.idontwant,
                    )
                )
            else:
                out.append(a[:1] + tuple(repr(x) for x in a[1:]))

    record(h.connect(range(n_peers)))
    for i in range(n_msgs):
        record(h.heartbeat())
        record(h.receive(i % n_peers, publish=[msg(b"m%d" % i)]))
        record(h.receive((i + 7) % n_peers, graft=[TOPIC]))
    record(h.heartbeat(3))
    return out


@settings(max_examples=10)
@given(st.integers(0, 2**64 - 1))
def test_same_seed_same_actions(seed):
    assert trace(seed) == trace(seed)


def test_different_seed_different_mesh():
    assert trace(1) != trace(2)
