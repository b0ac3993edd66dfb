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
    # The seen cache and the mcache hold every id, in one record each (an 8-byte table slot, a
    # 24-byte entry, the key and its size, a 16-byte FIFO entry and an 8-byte window entry
    # naming it: 83 bytes); the id in two tables' 32-byte slots took 237, in one table's 155,
    # with 48-byte entries 122, with 40-byte entries and 12-byte names 110.
    assert 2000 * 32 < peak <= 2000 * 88, peak / 2000
    h.heartbeat(10)  # past mcache_len windows and seen_ttl
    after = h.router.message_state_bytes()
    assert after <= idle + 1024, (idle, peak, after)


def test_score_delivery_records_are_compact_and_released():
    """A scored router keeps a record per message for seen_ttl (P3 counts duplicates, P4
    those of rejected messages): 14,400 at 120 messages/s. Each takes its slot in an id table,
    a 40-byte entry whose senders are a bit a peer slot, and a 16-byte FIFO entry naming it by
    hash: 91 bytes here with the id (163 with six senders inline and a 24-byte FIFO entry, and
    about 240 with a copy of the id in the FIFO and a heap list of senders, before)."""
    from p2pgossip import TopicScoreParams

    def burst(weighted: bool) -> tuple[int, int, int]:
        cfg = config(seen_ttl=30.0, heartbeat_interval=1.0)
        if weighted:
            cfg.score.topics = {TOPIC: TopicScoreParams(first_message_deliveries_weight=1.0)}
        h = Harness(cfg)
        h.router.subscribe(TOPIC, 0)
        h.connect([1, 2, 3, 4])
        idle = h.router.message_state_bytes()
        for i in range(1000):
            m = msg(b"scored %d" % i)
            assert delivered(h.receive(1, publish=[m]))
            for p in (2, 3, 4):  # duplicates: the record's senders grow
                h.receive(p, publish=[m])
        peak = h.router.message_state_bytes()
        h.heartbeat(40)  # past seen_ttl
        return idle, peak, h.router.message_state_bytes()

    idle, plain, _ = burst(False)
    _, scored, after = burst(True)
    records = scored - plain
    assert 0 < records <= 1000 * 100, records / 1000
    assert after <= idle + 1024, (idle, scored, after)
