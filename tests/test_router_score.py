"""Peer-score spot checks against hand-computed values (GossipSub v1.1 P1..P7)."""

import pytest
from p2pgossip import TopicScoreParams
from router_harness import TOPIC, Harness, config, msg


def scored(topic_params=None, **score):
    cfg = config()
    for k, v in score.items():
        setattr(cfg.score, k, v)
    if topic_params:
        cfg.score.topics = {TOPIC: topic_params}
    h = Harness(cfg, validate=lambda t, m, p: "reject" if m.data.startswith(b"bad") else "accept")
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2, 3])
    return h


def test_scores_zero_without_weights():
    h = scored()
    h.receive(1, publish=[msg(b"bad")])
    assert h.router.score(1, h.now) == 0


def test_p1_time_in_mesh():
    tp = TopicScoreParams(
        topic_weight=0.5, time_in_mesh_weight=2.0, time_in_mesh_quantum=1.0, time_in_mesh_cap=10.0
    )
    h = scored(tp)
    h.receive(1, graft=[TOPIC])
    assert h.router.score(1, h.now + 4.0) == pytest.approx(0.5 * 2.0 * 4.0)
    assert h.router.score(1, h.now + 100.0) == pytest.approx(0.5 * 2.0 * 10.0)


def test_p2_first_deliveries_capped_and_decaying():
    tp = TopicScoreParams(
        first_message_deliveries_weight=1.0,
        first_message_deliveries_cap=3,
        first_message_deliveries_decay=0.5,
    )
    h = scored(tp, decay_interval=1.0, decay_to_zero=0.01)
    for i in range(5):
        h.receive(1, publish=[msg(b"%d" % i)])
    assert h.router.score(1, h.now) == 3
    h.heartbeat()  # decay clock starts
    h.heartbeat()  # one decay interval passed
    assert h.router.score(1, h.now) == pytest.approx(1.5)


def test_p3_mesh_delivery_deficit_and_p3b_after_prune():
    tp = TopicScoreParams(
        mesh_message_deliveries_weight=-1.0,
        mesh_message_deliveries_threshold=4,
        mesh_message_deliveries_activation=1.0,
        mesh_message_deliveries_decay=1.0,
        mesh_failure_penalty_weight=-0.5,
        mesh_failure_penalty_decay=1.0,
    )
    h = scored(tp)
    h.receive(1, graft=[TOPIC])
    h.receive(1, publish=[msg(b"one")])
    assert h.router.score(1, h.now) == 0  # not active yet
    # After activation P3 = -(4 - 1)^2 makes the score negative, so the heartbeat prunes the
    # peer; the deficit then sticks as P3b = -0.5 * 3^2.
    h.heartbeat(3)
    assert 1 not in h.router.mesh(TOPIC)
    assert h.router.score(1, h.now) == pytest.approx(-0.5 * 3**2)


def test_p4_invalid_messages_squared():
    h = scored(
        TopicScoreParams(
            invalid_message_deliveries_weight=-2.0, invalid_message_deliveries_decay=1.0
        )
    )
    h.receive(1, publish=[msg(b"bad1"), msg(b"bad2"), msg(b"bad3")])
    assert h.router.score(1, h.now) == pytest.approx(-2.0 * 9)
    assert h.router.score(2, h.now) == 0


def test_p5_application_score():
    h = scored(app_specific_weight=3.0)
    h.router.set_application_score(2, -1.5)
    assert h.router.score(2, h.now) == pytest.approx(-4.5)


def test_p6_ip_colocation():
    h = scored(ip_colocation_factor_weight=-1.0, ip_colocation_factor_threshold=1.0)
    for p in (1, 2, 3):
        h.router.set_peer_ip(p, "10.0.0.1")
    assert h.router.score(1, h.now) == pytest.approx(-((3 - 1) ** 2))
    h.router.set_peer_ip(3, "10.0.0.2")
    assert h.router.score(1, h.now) == pytest.approx(-1.0)
    assert h.router.score(3, h.now) == 0


def test_p7_behaviour_penalty_threshold():
    h = scored(behaviour_penalty_weight=-1.0, behaviour_penalty_threshold=1.0)
    h.receive(1, graft=[TOPIC])
    h.receive(1, prune=[(TOPIC, [], None)])
    h.receive(1, graft=[TOPIC])  # 2 penalties (inside graft_flood_threshold)
    assert h.router.score(1, h.now) == pytest.approx(-((2 - 1) ** 2))


def test_topic_score_cap():
    tp = TopicScoreParams(first_message_deliveries_weight=1.0)
    h = scored(tp, topic_score_cap=2.0)
    for i in range(5):
        h.receive(1, publish=[msg(b"%d" % i)])
    assert h.router.score(1, h.now) == 2.0


def graylisting(**fields):
    """Peer 1 graylisted (-100), peer 2 negative (-2), peer 3 explicit and graylisted."""
    cfg = config(**fields)
    cfg.score.app_specific_weight = 1.0
    cfg.thresholds.gossip_threshold = -1.0
    cfg.thresholds.publish_threshold = -5.0
    cfg.thresholds.graylist_threshold = -10.0
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2, 3])
    h.router.add_explicit_peer(3)
    for p in (1, 3):
        h.router.set_application_score(p, -100.0)
    h.router.set_application_score(2, -2.0)
    return h


def test_graylisted_peer_rpcs_ignored_and_negative_peers_kept_out_of_mesh():
    h = graylisting()
    assert h.receive(1, publish=[msg(b"x")]) == []
    assert h.router.counters()["dropped_graylisted"] == 1
    assert h.router.mesh(TOPIC) == []  # negative scores are never grafted
    h.heartbeat()
    assert h.router.mesh(TOPIC) == []


def test_score_survives_reconnect():
    h = scored(
        TopicScoreParams(
            invalid_message_deliveries_weight=-1.0, invalid_message_deliveries_decay=1.0
        )
    )
    h.receive(1, publish=[msg(b"bad")])
    h.router.peer_disconnected(1, h.now)
    h.connect([1])
    assert h.router.score(1, h.now) == -1.0


def disconnects(actions):
    return [a[1:] for a in actions if a[0] == "disconnect"]


def test_graylisted_peers_are_dropped_once_when_asked():
    h = graylisting(disconnect_graylisted=True)
    assert disconnects(h.heartbeat()) == [(1, "score below graylist_threshold")]
    assert disconnects(h.heartbeat(3)) == []  # once per connection, not per heartbeat
    assert h.router.counters()["disconnects_requested"] == 1
    # A new connection of the same peer keeps its score, and is dropped again.
    h.router.peer_disconnected(1, h.now)
    h.connect([1])
    assert disconnects(h.heartbeat()) == [(1, "score below graylist_threshold")]


def test_graylisted_peers_are_only_ignored_by_default():
    h = graylisting()
    assert disconnects(h.heartbeat(3)) == []
    assert h.router.counters()["disconnects_requested"] == 0
