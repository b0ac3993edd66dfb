import pytest
from p2pgossip import GossipConfig, SignaturePolicy, TopicScoreParams


def test_defaults_equal_go():
    c = GossipConfig()
    assert (c.D, c.D_lo, c.D_hi, c.D_lazy, c.D_out, c.D_score) == (6, 5, 12, 6, 2, 4)
    assert c.heartbeat_interval == 1.0 and c.fanout_ttl == 60.0 and c.seen_ttl == 120.0
    assert (c.mcache_len, c.mcache_gossip) == (5, 3)
    assert c.strategy == "gossipsub" and c.signature_policy == SignaturePolicy.StrictSign


def test_keywords_durations_in_seconds_and_equality():
    c = GossipConfig(D=8, heartbeat_interval=0.7)
    assert c.D == 8 and c.heartbeat_interval == pytest.approx(0.7)
    assert c == GossipConfig(D=8, heartbeat_interval=0.7)
    assert c != GossipConfig()
    assert "D=8" in repr(c)


def test_unknown_keyword_and_bad_values_raise():
    with pytest.raises(TypeError):
        GossipConfig(not_a_field=1)
    with pytest.raises(ValueError):
        GossipConfig(strategy="gossip")
    with pytest.raises(ValueError):
        GossipConfig(seen_ttl=-1)


def test_presets():
    assert GossipConfig.preset("default") == GossipConfig()
    eth = GossipConfig.preset("ethereum")
    assert (eth.D, eth.D_lo, eth.D_hi, eth.D_lazy) == (8, 6, 12, 6)
    assert eth.heartbeat_interval == pytest.approx(0.7)
    assert (eth.mcache_len, eth.mcache_gossip) == (6, 3)
    assert eth.seen_ttl == pytest.approx(550 * 0.7)
    assert eth.signature_policy == SignaturePolicy.StrictNoSign
    assert GossipConfig.preset("floodsub").strategy == "floodsub"
    assert GossipConfig.preset("randomsub").strategy == "randomsub"
    with pytest.raises(ValueError):
        GossipConfig.preset("nope")


def test_nested_score_params_are_editable_in_place():
    c = GossipConfig()
    c.score.behaviour_penalty_weight = -1.0
    c.score.topics = {"t": TopicScoreParams(invalid_message_deliveries_weight=-2.0)}
    c.thresholds.graylist_threshold = -10.0
    assert c.score.behaviour_penalty_weight == -1.0
    assert c.score.topics["t"].invalid_message_deliveries_weight == -2.0
    assert c.thresholds.graylist_threshold == -10.0
    assert c != GossipConfig()
