from router_harness import TOPIC, Harness, config, delivered, msg


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
