"""Per-peer token buckets: burst = rate * rate_limit_burst_s, refill at rate, drops counted."""

from router_harness import TOPIC, Harness, config, delivered, msg


def limited(**cfg):
    h = Harness(config(**cfg))
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    return h


def test_message_bucket_burst_then_refill():
    h = limited(rate_limit_messages_per_s=10, rate_limit_burst_s=0.5)
    got = sum(len(delivered(h.receive(1, publish=[msg(b"%d" % i)]))) for i in range(8))
    assert got == 5 and h.router.counters()["dropped_rate_limited"] == 3
    h.now += 0.2  # 2 tokens back
    got = sum(len(delivered(h.receive(1, publish=[msg(b"b%d" % i)]))) for i in range(5))
    assert got == 2
    # Buckets are per peer.
    assert delivered(h.receive(2, publish=[msg(b"other")]))


def test_byte_bucket():
    size = len(b"t") + 2 + 100 + 2  # encoded topic + data fields
    h = limited(rate_limit_bytes_per_s=size * 3, rate_limit_burst_s=1.0)
    got = sum(len(delivered(h.receive(1, publish=[msg(bytes([i]) * 100)]))) for i in range(5))
    assert got == 3 and h.router.counters()["dropped_rate_limited"] == 2


def test_zero_rate_disables():
    h = limited(rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0)
    got = sum(len(delivered(h.receive(1, publish=[msg(b"%d" % i)]))) for i in range(500))
    assert got == 500
