from router_harness import TOPIC, Harness, sends


def test_full_subscription_list_sent_on_connect():
    h = Harness()
    h.router.subscribe("a", 0)
    h.router.subscribe("b", 0)
    h.drain()
    actions = h.connect([1], topics=())
    (rpc,) = sends(actions)[1]
    assert sorted(rpc.subscriptions) == [(True, "a"), (True, "b")]


def test_subscribe_and_unsubscribe_announced_as_deltas():
    h = Harness()
    h.connect([1, 2], topics=())
    h.router.subscribe(TOPIC, 0)
    out = sends(h.drain())
    assert {p: [r.subscriptions for r in rs] for p, rs in out.items()} == {
        1: [[(True, TOPIC)]],
        2: [[(True, TOPIC)]],
    }
    h.router.unsubscribe(TOPIC, 0)
    out = sends(h.drain())
    assert all(r.subscriptions == [(False, TOPIC)] for rs in out.values() for r in rs)


def test_peer_subscriptions_tracked():
    h = Harness()
    h.connect([1, 2, 3])
    assert h.router.peers(TOPIC) == [1, 2, 3]
    h.receive(2, subscriptions=[(False, TOPIC)])
    assert h.router.peers(TOPIC) == [1, 3]
    h.router.peer_disconnected(3, 0)
    assert h.router.peers(TOPIC) == [1]


def test_a_peer_with_many_topics_is_tracked_through_subscribe_unsubscribe_and_disconnect():
    """A peer's topics are held in place up to four and on the heap beyond: both ways, every
    topic's peers follow its subscriptions, in any order, and a disconnect clears them all."""
    h = Harness()
    names = [f"t{i}" for i in range(9)]
    h.connect([1, 2], topics=())
    h.receive(1, subscriptions=[(True, n) for n in reversed(names)])
    h.receive(2, subscriptions=[(True, n) for n in names[:3]])
    for n in names:
        assert h.router.peers(n) == ([1, 2] if n in names[:3] else [1])
    gone = {"t0", "t4", "t8", "t5", "t1"}
    h.receive(1, subscriptions=[(False, n) for n in sorted(gone)])
    h.receive(1, subscriptions=[(True, "t5")])
    for n in names:
        expected = [] if n in gone - {"t5"} else [1]
        assert h.router.peers(n) == sorted(expected + ([2] if n in names[:3] else []))
    h.router.peer_disconnected(1, h.now)
    for n in names:
        assert h.router.peers(n) == ([2] if n in names[:3] else [])


def test_subscriptions_per_peer_bounded():
    h = Harness(__import__("router_harness").config(max_subscriptions_per_peer=3))
    h.connect([1], topics=[f"t{i}" for i in range(10)])
    assert h.router.counters()["dropped_spam"] == 7


def test_join_grafts_up_to_D_and_leave_prunes_with_unsubscribe_backoff():
    h = Harness()
    h.connect(range(10))
    h.router.subscribe(TOPIC, 0)
    out = sends(h.drain())
    grafted = [p for p, rs in out.items() if any(r.graft == [TOPIC] for r in rs)]
    assert len(grafted) == 6 and h.router.mesh(TOPIC) == sorted(grafted)
    h.router.unsubscribe(TOPIC, 0)
    out = sends(h.drain())
    pruned = {p: r.prune for p, rs in out.items() for r in rs if r.prune}
    assert sorted(pruned) == sorted(grafted)
    assert all(pr[0][2] == 10 for pr in pruned.values())  # unsubscribe_backoff, seconds
    assert h.router.mesh(TOPIC) == []
