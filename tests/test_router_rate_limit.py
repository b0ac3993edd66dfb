"""Per-peer token buckets: burst = rate * rate_limit_burst_s, refill at rate, drops counted.

What the limiter charges is what costs (a first receipt about to be verified and validated):
duplicates are not charged; a message over budget is not marked seen, so another peer's copy
or IHAVE/IWANT recovers it; the offender takes one behaviour penalty (P7) per heartbeat in
which it went over.
"""

import p2pgossip as pg
from hypothesis import given, settings
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, config, delivered, message_id, msg, of_kind


def limited(peers=(1, 2), penalty_weight=0.0, graylist=0.0, **cfg):
    c = config(**cfg)
    c.score.behaviour_penalty_weight = penalty_weight
    c.thresholds.graylist_threshold = graylist
    h = Harness(c)
    h.router.subscribe(TOPIC, 0)
    h.connect(peers)
    return h


def got(h, peer, messages) -> int:
    return sum(len(delivered(h.receive(peer, publish=[m]))) for m in messages)


def test_message_bucket_burst_then_refill():
    h = limited(rate_limit_messages_per_s=10, rate_limit_burst_s=0.5)
    assert got(h, 1, [msg(b"%d" % i) for i in range(8)]) == 5
    assert h.router.counters()["dropped_rate_limited"] == 3
    h.now += 0.2  # 2 tokens back
    assert got(h, 1, [msg(b"b%d" % i) for i in range(5)]) == 2
    # Buckets are per peer.
    assert delivered(h.receive(2, publish=[msg(b"other")]))


def test_byte_bucket():
    size = len(b"t") + 2 + 100 + 2  # encoded topic + data fields
    h = limited(rate_limit_bytes_per_s=size * 3, rate_limit_burst_s=1.0)
    assert got(h, 1, [msg(bytes([i]) * 100) for i in range(5)]) == 3
    assert h.router.counters()["dropped_rate_limited"] == 2


def test_zero_rate_disables():
    h = limited(rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0)
    assert got(h, 1, [msg(b"%d" % i) for i in range(500)]) == 500


def test_duplicates_do_not_use_the_budget_first_receipts_need():
    h = limited(rate_limit_messages_per_s=5, rate_limit_burst_s=1.0)
    first = [msg(b"a"), msg(b"b")]
    assert got(h, 1, first) == 2
    for _ in range(100):  # the same two, again and again: one hash lookup each
        assert got(h, 1, first) == 0
    assert got(h, 2, first * 50) == 0
    # The three tokens left are still there for new messages.
    assert got(h, 1, [msg(b"c%d" % i) for i in range(4)]) == 3
    c = h.router.counters()
    assert c["duplicates"] == 300 and c["dropped_rate_limited"] == 1


def test_refused_before_verification_is_not_charged():
    h = limited(rate_limit_messages_per_s=2, rate_limit_burst_s=1.0)
    assert got(h, 1, [msg(b"x%d" % i, topic="not-ours") for i in range(10)]) == 0
    assert got(h, 1, [msg(b"a"), msg(b"b")]) == 2
    assert h.router.counters()["dropped_rate_limited"] == 0


def test_a_dropped_message_is_not_marked_seen():
    h = limited(rate_limit_messages_per_s=1, rate_limit_burst_s=1.0)
    a, b = msg(b"a"), msg(b"b")
    assert got(h, 1, [a, b]) == 1
    assert h.router.counters()["dropped_rate_limited"] == 1
    # Peer 2's copy of b is a first receipt, not a duplicate.
    [(_, m, mid, frm)] = delivered(h.receive(2, publish=[b]))
    assert m == b and mid == message_id(b) and frm == 2
    assert h.router.counters()["duplicates"] == 0


def test_dropped_then_recovered_through_iwant():
    """A deliberately tiny budget: the copy from the mesh peer is dropped, the message comes
    back through gossip from another peer (IHAVE, our IWANT, its answer), and both the drop
    and the recovery show in the counters."""
    h = limited(peers=range(1, 20), rate_limit_messages_per_s=1, rate_limit_burst_s=1.0)
    h.heartbeat()
    assert got(h, 1, [msg(b"first")]) == 1
    lost = msg(b"lost")
    assert got(h, 1, [lost]) == 0  # over peer 1's budget
    out = of_kind(h.receive(19, ihave=[(TOPIC, [message_id(lost)])]), "iwant")
    assert out == {19: [[message_id(lost)]]}  # not seen, so asked for
    [(_, m, _, frm)] = delivered(h.receive(19, publish=[lost]))
    assert m == lost and frm == 19
    c = h.router.counters()
    assert c["dropped_rate_limited"] == 1
    assert c["iwant_sent"] == 1 and c["iwant_recovered"] == 1
    assert c["messages_delivered"] == 2


def test_over_budget_peer_penalized_once_per_heartbeat():
    h = limited(
        peers=(1, 2),
        penalty_weight=-1.0,
        graylist=-100.0,  # keep listening, to see the penalty grow
        rate_limit_messages_per_s=2,
        rate_limit_burst_s=1.0,
    )
    assert got(h, 1, [msg(b"a%d" % i) for i in range(40)]) == 2  # 20x the budget
    assert h.router.score(1, h.now) == -1.0  # one penalty, squared, weight -1
    assert h.router.score(2, h.now) == 0.0
    h.heartbeat()
    got(h, 1, [msg(b"b%d" % i) for i in range(40)])
    assert h.router.score(1, h.now) < -3.0  # a second penalty (decayed a little)
    assert h.router.counters()["dropped_rate_limited"] == 38 + 40 - 2


def test_spammer_and_replayer_do_not_cost_honest_delivery():
    """A spammer at 20x the budget (valid, distinct messages) and a peer replaying duplicates
    as fast as it can: every honest message is delivered, both are counted, and with scoring
    on both are penalized while honest peers are not."""
    h = limited(
        peers=(1, 2, 3, 4),
        penalty_weight=-1.0,
        rate_limit_messages_per_s=10,
        rate_limit_burst_s=1.0,
    )
    honest = [msg(b"honest %d" % i) for i in range(10)]
    delivered_honest = 0
    for i, m in enumerate(honest):
        got(h, 1, [msg(b"spam %d.%d" % (i, k)) for k in range(20)])
        delivered_honest += got(h, 3 if i % 2 else 4, [m])
        for _ in range(20):
            got(h, 2, honest[: i + 1])  # copies of what is out there, again and again
    assert delivered_honest == len(honest)
    c = h.router.counters()
    # Once penalized, both score below graylist_threshold (0): their RPCs are ignored.
    assert c["dropped_rate_limited"] == 1 and c["duplicates_repeated"] == 1
    assert c["dropped_graylisted"] == (200 - 11) + (20 * sum(range(1, 11)) - 2)
    assert h.router.duplicates_from(2) == c["duplicates"] == 2
    assert h.router.score(1, h.now) < 0 and h.router.score(2, h.now) < 0
    assert h.router.score(3, h.now) == 0 and h.router.score(4, h.now) == 0


def test_spammer_and_replayer_counted_without_scoring():
    h = limited(peers=(1, 2, 3), rate_limit_messages_per_s=10, rate_limit_burst_s=1.0)
    honest = [msg(b"honest %d" % i) for i in range(10)]
    delivered_honest = 0
    for i, m in enumerate(honest):
        got(h, 1, [msg(b"spam %d.%d" % (i, k)) for k in range(20)])
        delivered_honest += got(h, 3, [m])
        for _ in range(20):
            got(h, 2, honest[: i + 1])
    assert delivered_honest == len(honest)
    c = h.router.counters()
    assert c["dropped_rate_limited"] == 200 - 10
    assert c["duplicates"] == h.router.duplicates_from(2) == 20 * sum(range(1, 11))
    assert c["dropped_graylisted"] == 0


def test_repeated_duplicates_are_counted_only_with_scoring():
    h = limited(rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0)
    m = msg(b"m")
    got(h, 1, [m, m, m])
    c = h.router.counters()
    assert c["duplicates"] == 2 and c["duplicates_repeated"] == 0


def test_defaults_admit_a_burst_of_thousands_from_one_peer():
    d = pg.GossipConfig()
    assert d.rate_limit_messages_per_s * d.rate_limit_burst_s >= 2000
    h = limited(
        rate_limit_messages_per_s=d.rate_limit_messages_per_s,
        rate_limit_bytes_per_s=d.rate_limit_bytes_per_s,
        rate_limit_burst_s=d.rate_limit_burst_s,
    )
    burst = [msg(i.to_bytes(4, "big") * 64) for i in range(2000)]  # 256 B each, at once
    assert got(h, 1, burst) == 2000
    assert h.router.counters()["dropped_rate_limited"] == 0


# A receipt is (peer, message number, seconds since the previous receipt).
receipts = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 15), st.sampled_from([0.0, 0.0, 0.1, 0.5])),
    max_size=80,
)


@settings(max_examples=60)
@given(receipts, st.integers(1, 4))
def test_the_limiter_never_marks_a_dropped_message_seen(script, rate):
    """Whatever the order and timing of copies, under any budget: a message is delivered at
    most once, and one never delivered (every copy dropped) is still unseen, so a copy from
    a peer with budget to spare delivers it."""
    h = limited(peers=(1, 2, 3), rate_limit_messages_per_s=rate, rate_limit_burst_s=1.0)
    h.connect([9])
    messages = [msg(b"m%d" % i) for i in range(16)]
    seen = []
    for peer, i, dt in script:
        h.now += dt
        for _, m, _, _ in delivered(h.receive(peer, publish=[messages[i]])):
            seen.append(m)
    assert len(seen) == len({message_id(m) for m in seen})
    c = h.router.counters()
    assert c["messages_delivered"] == len(seen)
    assert c["dropped_rate_limited"] + c["duplicates"] + len(seen) == len(script)
    for m in messages:  # one at a time, waiting for a token each
        h.now += 1.0 / rate
        again = delivered(h.receive(9, publish=[m]))
        assert len(again) == (0 if m in seen else 1)


def test_what_the_budget_refused_is_pulled_from_the_sender_as_it_refills():
    """No other peer has the messages and nobody gossips them: the ids the limiter refused
    are asked for again from their sender, at the rate its budget allows, oldest first."""
    h = limited(peers=(1,), rate_limit_messages_per_s=2, rate_limit_burst_s=1.0)
    burst = [msg(b"m%d" % i) for i in range(6)]
    assert got(h, 1, burst) == 2
    ids = [message_id(m) for m in burst]
    asked = []
    for _ in range(2):
        iwants = of_kind(h.heartbeat(), "iwant").get(1, [])
        assert len(iwants) == 1 and len(iwants[0]) == 2  # two tokens a heartbeat
        asked += iwants[0]
        answered = [m for m in burst if message_id(m) in iwants[0]]
        assert got(h, 1, answered) == 2
    assert asked == ids[2:]
    assert of_kind(h.heartbeat(), "iwant") == {}  # nothing left to ask
    c = h.router.counters()
    assert c["dropped_rate_limited"] == 4 and c["iwant_recovered"] == 4
    assert c["messages_delivered"] == 6


def test_refused_ids_seen_meanwhile_or_expired_are_not_asked_for():
    h = limited(peers=(1, 2), rate_limit_messages_per_s=1, rate_limit_burst_s=1.0, mcache_len=2)
    a, b, c = msg(b"a"), msg(b"b"), msg(b"c")
    assert got(h, 1, [a, b, c]) == 1
    assert got(h, 2, [b]) == 1  # b arrives from elsewhere
    iwants = of_kind(h.heartbeat(), "iwant")
    assert iwants == {1: [[message_id(c)]]}  # one token: c; b is seen
    h.heartbeat(3)  # c never answered: forgotten after mcache_len heartbeats
    assert of_kind(h.heartbeat(), "iwant") == {}


def test_a_peer_in_a_gone_peers_slot_is_not_the_gone_peers_repeat():
    # Scoring records which peer slots sent each message, and slots are reused: a new peer
    # must not inherit the sends of the one whose slot it took, or its first copy of a
    # message the gone peer had sent counts as a repeated duplicate (and a P7 penalty).
    h = limited(peers=(1, 2), penalty_weight=-1.0, graylist=-1e9)
    m = msg(b"m")
    got(h, 1, [m])
    h.router.peer_disconnected(1, h.now)
    h.connect([3])  # slot of peer 1
    got(h, 3, [m])
    got(h, 2, [m, m])
    c = h.router.counters()
    assert c["duplicates"] == 3 and c["duplicates_repeated"] == 1  # peer 2's second copy
    assert h.router.score(3, h.now) == 0.0 and h.router.score(2, h.now) == -1.0


def test_copies_a_peer_was_asked_for_are_not_repeats():
    # Until the first answer arrives (it may wait behind a backlog) each IHAVE of the id is
    # asked for again, as go does, and the peer answers each IWANT: its second copy was
    # solicited, not a repeated duplicate, and costs it no penalty. A copy nobody asked for,
    # sent twice, still does; so does one from a new peer in the asked peer's slot.
    h = limited(peers=(1, 2), penalty_weight=-1.0, graylist=-1e9)
    m = msg(b"m")
    for _ in range(2):
        iwants = of_kind(h.receive(1, ihave=[(TOPIC, [message_id(m)])]), "iwant")
        assert iwants == {1: [[message_id(m)]]}
        h.heartbeat()
    assert got(h, 1, [m, m]) == 1
    got(h, 2, [m, m])
    c = h.router.counters()
    assert c["iwant_recovered"] == 1
    assert c["duplicates"] == 3 and c["duplicates_repeated"] == 1  # peer 2's second copy
    assert h.router.score(1, h.now) == 0.0 and h.router.score(2, h.now) == -1.0

    h.router.peer_disconnected(1, h.now)
    h.connect([3])  # slot of peer 1
    got(h, 3, [m, m])
    assert h.router.counters()["duplicates_repeated"] == 2
    assert h.router.score(3, h.now) == -1.0
