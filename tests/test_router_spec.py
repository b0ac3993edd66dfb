"""Spec conformance points (GossipSub v1.0/v1.1/v1.2, go-libp2p-pubsub as reference), each a
behaviour the first router version got wrong."""

import pytest
from p2pgossip import SignaturePolicy, TopicScoreParams
from router_harness import TOPIC, Harness, config, message_id, msg, of_kind, peer_id


def mesh_of(peers, cfg, **kw):
    """A router subscribed to TOPIC with `peers` connected and grafted at time 0."""
    h = Harness(cfg, **kw)
    h.router.subscribe(TOPIC, 0)
    h.connect(peers)
    for p in peers:
        h.receive(p, graft=[TOPIC])
    return h


def test_p3_counts_duplicates_from_mesh_peers_within_the_window_once():
    cfg = config()
    cfg.score.app_specific_weight = 1.0
    cfg.score.topics = {
        TOPIC: TopicScoreParams(
            mesh_message_deliveries_weight=-1.0,
            mesh_message_deliveries_threshold=2,
            mesh_message_deliveries_activation=1.0,
            mesh_message_deliveries_decay=1.0,
            mesh_message_deliveries_window=0.01,
        )
    }
    h = mesh_of([1, 2, 3], cfg)
    for p in (1, 2, 3):
        h.router.set_application_score(p, 100.0)
    h.heartbeat()  # P3 active from here
    m = msg(b"m")
    h.receive(1, publish=[m])  # first delivery
    h.receive(2, publish=[m])  # duplicate inside the window: counts
    h.receive(2, publish=[m])  # same peer again: does not
    h.now += 1.0
    h.receive(3, publish=[m])  # outside the window: does not
    assert h.router.score(1, h.now) == pytest.approx(100 - 1)
    assert h.router.score(2, h.now) == pytest.approx(100 - 1)
    assert h.router.score(3, h.now) == pytest.approx(100 - 4)


def test_duplicates_of_a_rejected_message_count_as_invalid_once_per_peer():
    cfg = config()
    cfg.score.topics = {
        TOPIC: TopicScoreParams(
            invalid_message_deliveries_weight=-1.0, invalid_message_deliveries_decay=1.0
        )
    }
    h = mesh_of([1, 2], cfg, validate=lambda t, m, p: "reject")
    bad = msg(b"bad")
    h.receive(1, publish=[bad])
    h.receive(2, publish=[bad])
    h.receive(2, publish=[bad])
    assert h.router.score(1, h.now) == -1.0
    assert h.router.score(2, h.now) == -1.0


def test_a_copy_with_a_bad_signature_does_not_shadow_the_real_message():
    cfg = config(signature_policy=SignaturePolicy.StrictSign)
    h = mesh_of([1, 2], cfg, verify=lambda m: m.signature == b"good")
    real = msg(b"payload", from_=peer_id(9), seqno=b"\0" * 8, signature=b"good")
    forged = real.replace(signature=b"forged")
    assert message_id(real) == message_id(forged)  # the id does not cover the signature
    assert not [a for a in h.receive(1, publish=[forged]) if a[0] == "deliver"]
    assert h.router.counters()["dropped_invalid_signature"] == 1
    assert [a[1] for a in h.receive(2, publish=[real]) if a[0] == "deliver"] == [real]


def test_idontwant_sent_when_data_size_equals_the_threshold():
    h = mesh_of([1, 2], config(idontwant_message_threshold=100))
    assert of_kind(h.receive(1, publish=[msg(b"x" * 100)]), "idontwant") == {
        2: [[message_id(msg(b"x" * 100))]]
    }
    assert of_kind(h.receive(1, publish=[msg(b"y" * 99)]), "idontwant") == {}


def test_explicit_peers_are_not_graylisted():
    cfg = config()
    cfg.score.app_specific_weight = 1.0
    cfg.thresholds.graylist_threshold = -10.0
    h = Harness(cfg)
    h.router.add_explicit_peer(1)
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.router.set_application_score(1, -100.0)
    assert [a for a in h.receive(1, publish=[msg(b"e")]) if a[0] == "deliver"]


def test_floodsub_peers_below_publish_threshold_get_no_forwards():
    cfg = config()
    cfg.score.app_specific_weight = 1.0
    cfg.thresholds.publish_threshold = -1.0
    cfg.thresholds.graylist_threshold = -10.0
    h = mesh_of([1, 2], cfg)
    h.connect([5, 6], protocol="/floodsub/1.0.0")
    h.router.set_application_score(5, -2.0)
    to = of_kind(h.receive(1, publish=[msg(b"f")]), "publish")
    assert sorted(to) == [2, 6]


def test_empty_fanout_is_refilled_on_publish():
    h = Harness(config(flood_publish=False))
    h.connect([1])
    h.router.publish(msg(b"one"), h.now)
    assert h.router.fanout(TOPIC) == [1]
    h.router.peer_disconnected(1, h.now)
    h.connect([2])
    h.router.publish(msg(b"two"), h.now)
    assert of_kind(h.drain(), "publish") == {2: [msg(b"two")]}
    assert h.router.fanout(TOPIC) == [2]


def test_prune_with_backoff_zero_uses_the_default_backoff():
    h = Harness(config(prune_backoff=5.0))
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.heartbeat()
    h.receive(1, prune=[(TOPIC, [], 0)])
    assert of_kind(h.heartbeat(3), "graft") == {}


def test_prune_for_a_topic_we_have_not_joined_is_ignored():
    h = Harness(config())
    h.connect([1], topics=(TOPIC, "other"))
    h.receive(1, prune=[("other", [], 60)])
    h.router.subscribe("other", h.now)
    assert of_kind(h.drain(), "graft") == {1: ["other"]} and h.router.mesh("other") == [1]


def test_ihave_entry_looked_at_up_to_max_ihave_length_ids():
    h = mesh_of([1, 2], config(max_ihave_length=3))
    seen = [msg(b"s%d" % i) for i in range(3)]
    h.receive(1, publish=seen)
    new = message_id(msg(b"new"))
    ids = [message_id(m) for m in seen] + [new]
    assert of_kind(h.receive(2, ihave=[(TOPIC, ids)]), "iwant") == {}


def test_iwant_repeating_an_id_is_answered_once():
    h = mesh_of([1, 2], config())
    m = msg(b"w")
    h.receive(1, publish=[m])
    assert of_kind(h.receive(2, iwant=[[message_id(m), message_id(m)]]), "publish") == {2: [m]}


def test_px_offers_only_gossipsub_peers():
    h = mesh_of(range(12), config())
    h.connect([20], protocol="/floodsub/1.0.0")
    h.connect([12])
    topic, px, backoff = of_kind(h.receive(12, graft=[TOPIC]), "prune")[12][0]
    assert px and peer_id(20) not in px


def test_p1_counts_whole_quanta():
    cfg = config()
    cfg.score.topics = {TOPIC: TopicScoreParams(time_in_mesh_weight=1.0, time_in_mesh_quantum=1.0)}
    h = mesh_of([1], cfg)
    assert h.router.score(1, h.now + 4.5) == 4.0


def test_first_deliveries_are_not_kept_across_a_reconnect():
    cfg = config()
    cfg.score.topics = {
        TOPIC: TopicScoreParams(
            first_message_deliveries_weight=1.0,
            first_message_deliveries_decay=1.0,
            invalid_message_deliveries_weight=-10.0,
            invalid_message_deliveries_decay=1.0,
        )
    }
    h = mesh_of([1], cfg, validate=lambda t, m, p: "reject" if m.data == b"bad" else "accept")
    h.receive(1, publish=[msg(b"a"), msg(b"b"), msg(b"bad")])
    assert h.router.score(1, h.now) == -8.0
    h.router.peer_disconnected(1, h.now)
    h.connect([1])
    assert h.router.score(1, h.now) == -10.0
