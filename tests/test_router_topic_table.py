"""The router's topic table is bounded: a topic nobody refers to any more (no subscription of
ours or of a connected peer, no mesh, fanout, mcache or backoff state, no score parameters)
is forgotten, a peer holds at most max_subscriptions_per_peer topics, and SUBSCRIBE churn
beyond max_subscribes_per_heartbeat is refused, counted and penalized (P7)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import TopicScoreParams
from router_harness import TOPIC, Harness, config, delivered, msg


def churn(h, peer, names, per_rpc=100):
    """Subscribe-then-unsubscribe pairs for `names`, `per_rpc` pairs to an RPC."""
    for k in range(0, len(names), per_rpc):
        chunk = names[k : k + per_rpc]
        h.receive(peer, subscriptions=[(s, n) for n in chunk for s in (True, False)])


def test_a_peer_churning_100k_distinct_names_leaves_the_table_bounded():
    """The hostile case of issue 10 (CVE-2026-46679's class): new long names, each
    subscribed and at once unsubscribed, across many heartbeats."""
    h = Harness()
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    largest = 0
    for beat in range(500):
        names = [f"{beat:04d}.{i:03d}." + "x" * 1000 for i in range(200)]
        churn(h, 1, names)
        largest = max(largest, h.router.topic_table_size())
        h.heartbeat()
    c = h.router.counters()
    assert c["topics_forgotten"] == 100_000
    assert largest <= 2 and h.router.topic_table_size() == 1  # TOPIC, ours and the peers'
    assert c["dropped_topic_churn"] == 0  # 200 a heartbeat is within the bound
    assert h.router.peers(TOPIC) == [1, 2]


def test_churn_beyond_the_bound_is_refused_counted_and_penalized():
    cfg = config(max_subscribes_per_heartbeat=50)
    cfg.score.behaviour_penalty_weight = -1.0
    cfg.thresholds.graylist_threshold = -1e9  # keep reading it, to count what it does
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    names = [f"n{i}" for i in range(100_000)]
    churn(h, 1, names, per_rpc=1000)
    c = h.router.counters()
    # TOPIC in the hello counted as one; 49 more pairs went through.
    assert c["dropped_topic_churn"] == 100_000 - 49
    assert c["topics_forgotten"] == 49
    assert h.router.topic_table_size() == 1
    assert h.router.score(1, h.now) == -1.0  # one penalty this heartbeat
    assert h.router.score(2, h.now) == 0.0
    h.heartbeat()
    churn(h, 1, names[:100])
    assert h.router.score(1, h.now) < -3.0  # and one more in the next
    assert h.router.counters()["topics_forgotten"] == 99


def test_subscriptions_without_unsubscribe_stay_within_the_per_peer_cap():
    h = Harness()
    h.connect([1], topics=())
    h.receive(1, subscriptions=[(True, f"n{i}") for i in range(5000)])
    assert h.router.topic_table_size() == 128  # max_subscriptions_per_peer
    h.router.peer_disconnected(1, h.now)
    assert h.router.topic_table_size() == 0
    assert h.router.counters()["topics_forgotten"] == 128


def test_topics_with_state_are_kept_until_it_is_gone():
    h = Harness(config(mcache_len=3, unsubscribe_backoff=5.0))
    h.connect([1, 2], topics=())
    # Our own publish to a topic nobody subscribes: kept while the mcache holds the message.
    h.router.publish(msg(b"x", topic="lonely"), h.now)
    h.heartbeat(2)
    assert h.router.topic_table_size() == 1
    h.heartbeat()
    assert h.router.topic_table_size() == 0
    # Our subscription with a mesh, then leaving it: kept through the unsubscribe backoff.
    h.receive(1, subscriptions=[(True, TOPIC)])
    h.router.subscribe(TOPIC, h.now)
    assert h.router.mesh(TOPIC) == [1]
    h.router.unsubscribe(TOPIC, h.now)  # PRUNE to peer 1, with unsubscribe_backoff
    h.receive(1, subscriptions=[(False, TOPIC)])
    h.heartbeat(3)
    assert h.router.topic_table_size() == 1  # the backoff for peer 1 is not over
    h.heartbeat(3)
    assert h.router.topic_table_size() == 0
    assert h.router.counters()["topics_forgotten"] == 2


def test_topics_with_score_parameters_are_never_forgotten():
    cfg = config()
    cfg.score.topics = {"scored": TopicScoreParams()}
    h = Harness(cfg)
    h.connect([1], topics=("scored", "plain"))
    assert h.router.topic_table_size() == 2
    h.receive(1, subscriptions=[(False, "scored"), (False, "plain")])
    h.heartbeat()
    assert h.router.topic_table_size() == 1


def test_a_forgotten_topics_id_serves_a_new_topic_cleanly():
    h = Harness()
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2], topics=("old",))
    h.receive(1, subscriptions=[(False, "old")])
    h.receive(2, subscriptions=[(False, "old")])
    assert h.router.counters()["topics_forgotten"] == 1
    h.receive(1, subscriptions=[(True, "new")])
    assert h.router.peers("new") == [1] and h.router.peers("old") == []
    h.router.subscribe("new", h.now)
    assert h.router.mesh("new") == [1]
    assert delivered(h.receive(1, publish=[msg(b"n", topic="new")]))


# An operation: (kind, peer, name index).
ops = st.lists(
    st.tuples(
        st.sampled_from(
            ["sub", "sub", "unsub", "unsub", "join", "leave", "publish", "beat", "drop"]
        ),
        st.integers(1, 3),
        st.integers(0, 5),
    ),
    max_size=60,
)


@settings(max_examples=80)
@given(ops)
def test_topic_table_matches_a_model_whatever_the_churn(script):
    """Subscriptions seen through the table (peers per topic, our topics, mesh members)
    always match a plain model, however ids are freed and reused; and the table holds no
    more topics than are referred to, once the state of the others is gone."""
    h = Harness(config(mcache_len=2, unsubscribe_backoff=1.0, prune_backoff=1.0))
    names = [f"topic-{i}" for i in range(6)]
    peers = {p: set() for p in (1, 2, 3)}
    connected = set()
    ours: set[str] = set()
    published = 0
    h.router.tick(h.now)  # started: heartbeats are due
    for kind, p, i in script:
        name = names[i]
        if p not in connected and kind in ("sub", "unsub"):
            h.connect([p], topics=())
            connected.add(p)
        if kind == "sub":
            h.receive(p, subscriptions=[(True, name)])
            peers[p].add(name)
        elif kind == "unsub":
            h.receive(p, subscriptions=[(False, name)])
            peers[p].discard(name)
        elif kind == "join":
            h.router.subscribe(name, h.now)
            ours.add(name)
        elif kind == "leave":
            h.router.unsubscribe(name, h.now)
            ours.discard(name)
        elif kind == "publish":
            published += 1
            h.router.publish(msg(b"%d" % published, topic=name), h.now)
        elif kind == "beat":
            h.heartbeat()
        elif kind == "drop" and p in connected:
            h.router.peer_disconnected(p, h.now)
            connected.discard(p)
            peers[p] = set()
        h.drain()
        for n in names:
            assert h.router.peers(n) == sorted(q for q in connected if n in peers[q])
            assert set(h.router.mesh(n)) <= {q for q in connected if n in peers[q]}
        assert h.router.topics() == sorted(ours)
    referred = ours | {n for q in connected for n in peers[q]}
    h.heartbeat(3)  # mcache (2 heartbeats) and backoffs (1 s) of the others run out
    assert h.router.topic_table_size() == len(referred)


def test_our_own_subscribe_unsubscribe_churn_leaves_nothing_behind():
    """The public API's path (Node.subscribe, then Subscription.close) on names nobody else
    uses: each topic is forgotten as we leave it."""
    h = Harness()
    h.connect([1, 2])
    for i in range(50_000):
        name = f"mine-{i}"
        h.router.subscribe(name, h.now)
        h.router.unsubscribe(name, h.now)
        if i % 1000 == 0:
            assert h.router.topic_table_size() == 1
            h.drain()
    assert h.router.topic_table_size() == 1  # TOPIC, which the peers subscribe to
    assert h.router.counters()["topics_forgotten"] == 50_000
