"""Per-message router state is released once a burst has passed (issues 10 and 12): the
seen cache, mcache and their hash tables shrink back instead of keeping the burst's peak
for the node's life. Structure sizes, not time."""

from router_harness import TOPIC, Harness, config, delivered, msg


def test_state_after_a_burst_shrinks_back():
    h = Harness(config(seen_ttl=3.0, heartbeat_interval=1.0))
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    idle = h.router.message_state_bytes()
    for i in range(2000):
        assert delivered(h.receive(1, publish=[msg(b"burst %d" % i)]))
    peak = h.router.message_state_bytes()
    assert peak > 2000 * 32  # the seen cache and mcache hold every id
    h.heartbeat(10)  # past mcache_len windows and seen_ttl
    after = h.router.message_state_bytes()
    assert after <= idle + 1024, (idle, peak, after)
