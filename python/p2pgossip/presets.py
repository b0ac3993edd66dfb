"""Score parameter presets with names users know, each a full :class:`GossipConfig`: router
parameters, peer-score parameters (P1..P7), thresholds, and the per-topic parameters of the
topic(s) named in the arguments.

Values are the published ones (a source link above each preset); where a value is derived
from network parameters (Ethereum's slot time, its active validators) those are keyword
arguments with the mainnet value as default, and the derivation is the publisher's.
``safe()`` is this library's own default for ``Node()`` and ``LocalNetwork()``
(docs/scoring.md says why).
"""

from __future__ import annotations

from ._core.router import GossipConfig, TopicScoreParams

__all__ = ["DEFAULT_TOPIC", "ethereum", "filecoin", "gossipsub_v11_evaluation", "neutral", "safe"]

# The score.topics key whose parameters apply to every topic without its own.
DEFAULT_TOPIC = ""


def neutral() -> GossipConfig:
    """The spec's neutral defaults (go-libp2p-pubsub without ``WithPeerScore``): every weight
    zero, so scoring changes no decision. ``Simulation``'s default, for studies."""
    return GossipConfig()


# ---- Ethereum consensus ------------------------------------------------------------------
# Lighthouse, beacon_node/lighthouse_network/src/service/gossipsub_scoring_parameters.rs
# https://github.com/sigp/lighthouse/blob/stable/beacon_node/lighthouse_network/src/service/gossipsub_scoring_parameters.rs
# (Prysm's beacon-chain/p2p/gossip_scoring_params.go derives the same from the same spec), and
# the router parameters of the consensus spec's p2p-interface.md, "The gossip domain".

_MAX_IN_MESH_SCORE = 10.0
_MAX_FIRST_MESSAGE_DELIVERIES_SCORE = 40.0
_BEACON_BLOCK_WEIGHT = 0.5
_BEACON_AGGREGATE_PROOF_WEIGHT = 0.5
_SLASHING_AND_EXIT_WEIGHTS = 0.05 * 3  # voluntary exit, proposer and attester slashings
_MESH_MESSAGE_DELIVERIES_WINDOW_S = 2.0


def _decay(decay_time_s: float, decay_interval_s: float, decay_to_zero: float) -> float:
    """The factor that takes a counter to ``decay_to_zero`` in ``decay_time_s``."""
    return decay_to_zero ** (1.0 / (decay_time_s / decay_interval_s))


def _convergence(decay: float, rate: float) -> float:
    """Where a counter fed ``rate`` per decay interval settles."""
    return rate / (1.0 - decay)


def ethereum_aggregators_per_slot(
    active_validators: int,
    *,
    slots_per_epoch: int = 32,
    max_committees_per_slot: int = 64,
    target_committee_size: int = 128,
    target_aggregators_per_committee: int = 16,
) -> float:
    """Expected aggregate-and-proof messages per slot (Lighthouse's
    ``expected_aggregator_count_per_slot``)."""
    per_slot = max(
        1,
        min(max_committees_per_slot, active_validators // slots_per_epoch // target_committee_size),
    )
    committees = per_slot * slots_per_epoch
    smaller = active_validators // committees
    larger = active_validators - smaller * committees
    mod_smaller = max(1, smaller // target_aggregators_per_committee)
    mod_larger = max(1, (smaller + 1) // target_aggregators_per_committee)
    total = (committees - larger) * smaller / mod_smaller + larger * (smaller + 1) / mod_larger
    return total / slots_per_epoch


def ethereum(
    topic: str = "beacon_block",
    *,
    kind: str = "beacon_block",
    seconds_per_slot: float = 12.0,
    slots_per_epoch: int = 32,
    attestation_subnet_count: int = 64,
    active_validators: int = 1_000_000,
    current_slot: int | None = None,
    mesh_n: int = 8,
) -> GossipConfig:
    """Ethereum consensus clients' GossipSub: the spec's router parameters and Lighthouse's
    peer-score parameters, with ``topic`` scored as a ``kind`` topic ("beacon_block" or
    "beacon_aggregate_and_proof"; the latter's expected rate comes from
    ``active_validators``). ``current_slot`` None means long after genesis; at slots up to
    the topic's mesh decay window Lighthouse turns P3 off (no deliveries to expect yet)."""
    if kind not in ("beacon_block", "beacon_aggregate_and_proof"):
        raise ValueError("kind must be 'beacon_block' or 'beacon_aggregate_and_proof'")
    c = GossipConfig.preset("ethereum")
    slot = seconds_per_slot
    epoch = slot * slots_per_epoch
    decay_interval = max(1.0, slot)
    decay_to_zero = 0.01
    subnet_weight = 1.0 / attestation_subnet_count
    max_positive = (_MAX_IN_MESH_SCORE + _MAX_FIRST_MESSAGE_DELIVERIES_SCORE) * (
        _BEACON_BLOCK_WEIGHT
        + _BEACON_AGGREGATE_PROOF_WEIGHT
        + subnet_weight * attestation_subnet_count
        + _SLASHING_AND_EXIT_WEIGHTS
    )

    def decay(seconds: float) -> float:
        return _decay(seconds, decay_interval, decay_to_zero)

    s = c.score
    s.decay_interval = decay_interval
    s.decay_to_zero = decay_to_zero
    s.retain_score = epoch * 100
    s.app_specific_weight = 1.0
    s.ip_colocation_factor_threshold = 8.0
    s.behaviour_penalty_threshold = 6.0
    s.behaviour_penalty_decay = decay(epoch * 10)
    t = c.thresholds
    t.gossip_threshold = -4000.0
    t.publish_threshold = -8000.0
    t.graylist_threshold = -16000.0
    t.accept_px_threshold = 100.0
    t.opportunistic_graft_threshold = 5.0
    target = _convergence(s.behaviour_penalty_decay, 10.0 / slots_per_epoch)
    s.behaviour_penalty_weight = t.gossip_threshold / (target - s.behaviour_penalty_threshold) ** 2
    s.topic_score_cap = max_positive * 0.5
    s.ip_colocation_factor_weight = -s.topic_score_cap

    if kind == "beacon_block":
        weight, rate, first_decay_s = _BEACON_BLOCK_WEIGHT, 1.0, epoch * 20
        decay_slots, cap_factor, activation = slots_per_epoch * 5, 3.0, epoch
    else:
        weight = _BEACON_AGGREGATE_PROOF_WEIGHT
        rate = ethereum_aggregators_per_slot(active_validators, slots_per_epoch=slots_per_epoch)
        first_decay_s = epoch
        decay_slots, cap_factor, activation = slots_per_epoch * 2, 4.0, epoch
    p = TopicScoreParams()
    p.topic_weight = weight
    p.time_in_mesh_quantum = slot
    p.time_in_mesh_cap = 3600.0 / slot
    p.time_in_mesh_weight = 10.0 / p.time_in_mesh_cap
    p.first_message_deliveries_decay = decay(first_decay_s)
    p.first_message_deliveries_cap = _convergence(
        p.first_message_deliveries_decay, 2.0 * rate / mesh_n
    )
    p.first_message_deliveries_weight = 40.0 / p.first_message_deliveries_cap
    p.mesh_message_deliveries_decay = decay(slot * decay_slots)
    threshold = (
        _convergence(p.mesh_message_deliveries_decay, rate / 50.0) * p.mesh_message_deliveries_decay
    )
    p.mesh_message_deliveries_threshold = threshold
    p.mesh_message_deliveries_cap = max(2.0, cap_factor * threshold)
    p.mesh_message_deliveries_activation = activation
    p.mesh_message_deliveries_window = _MESH_MESSAGE_DELIVERIES_WINDOW_S
    p.mesh_failure_penalty_decay = p.mesh_message_deliveries_decay
    p.mesh_message_deliveries_weight = -weight
    p.mesh_failure_penalty_weight = -weight
    if current_slot is not None and decay_slots >= current_slot:
        p.mesh_message_deliveries_threshold = 0.0
        p.mesh_message_deliveries_weight = 0.0
    p.invalid_message_deliveries_weight = -max_positive / weight
    p.invalid_message_deliveries_decay = decay(epoch * 50)
    s.topics = {topic: p}
    return c


# ---- Filecoin ------------------------------------------------------------------------------
# Lotus, node/modules/lp2p/pubsub.go (the v1.1 options of GossipSub(); values as published)
# https://github.com/filecoin-project/lotus/blob/master/node/modules/lp2p/pubsub.go


def filecoin(
    blocks_topic: str = "/fil/blocks/testnetnet",
    messages_topic: str = "/fil/msgs/testnetnet",
) -> GossipConfig:
    """Filecoin's (Lotus's) peer-score parameters for its blocks and messages topics, with
    go-libp2p-pubsub's router defaults and flood publishing, as Lotus runs them."""
    c = GossipConfig()
    c.flood_publish = True
    s = c.score
    s.app_specific_weight = 1.0
    s.ip_colocation_factor_threshold = 1.0
    s.ip_colocation_factor_weight = -100.0
    s.decay_interval = 1.0
    s.decay_to_zero = 0.01
    s.retain_score = 6 * 3600.0
    # Lotus's two topics side by side: (blocks, messages). Blocks: 10 a minute expected;
    # messages: more than 1 a second.
    table = {
        "topic_weight": (0.1, 0.05),
        "time_in_mesh_weight": (0.00027, 0.0002778),
        "time_in_mesh_quantum": (1.0, 1.0),
        "time_in_mesh_cap": (1.0, 1.0),
        "first_message_deliveries_weight": (25.0, 1.0),
        "first_message_deliveries_decay": (0.99972, 0.99833),
        "first_message_deliveries_cap": (100.0, 1000.0),
        "mesh_message_deliveries_weight": (-576.0, -4.0),
        "mesh_message_deliveries_decay": (0.99972, 0.99833),
        "mesh_message_deliveries_cap": (100.0, 1000.0),
        "mesh_message_deliveries_threshold": (0.41666, 5.0),
        "mesh_message_deliveries_window": (0.010, 0.010),
        "mesh_message_deliveries_activation": (60.0, 60.0),
        "mesh_failure_penalty_weight": (-576.0, -4.0),
        "mesh_failure_penalty_decay": (0.99888, 0.99666),
        "invalid_message_deliveries_weight": (-1000.0, -1000.0),
        "invalid_message_deliveries_decay": (0.99972, 0.99972),
    }
    blocks, messages = (TopicScoreParams(**{k: v[i] for k, v in table.items()}) for i in (0, 1))
    s.topics = {blocks_topic: blocks, messages_topic: messages}
    t = c.thresholds
    t.gossip_threshold = -500.0
    t.publish_threshold = -1000.0
    t.graylist_threshold = -2500.0
    t.accept_px_threshold = 1000.0
    t.opportunistic_graft_threshold = 2.5
    return c


# ---- the GossipSub v1.1 evaluation ---------------------------------------------------------
# libp2p/gossipsub-hardening, scripts/configs/1k-attack-*.json (PL-TechRep-2020-001)
# https://github.com/libp2p/gossipsub-hardening/tree/master/scripts/configs
# Its honest nodes set no behaviour penalty and an application weight of 0
# (test/honest_hardened.go).


def gossipsub_v11_evaluation(topic: str = "blocks") -> GossipConfig:
    """The router and score parameters of the GossipSub v1.1 attack evaluation."""
    c = GossipConfig()
    c.D, c.D_lo, c.D_hi, c.D_score, c.D_lazy = 8, 6, 12, 6, 12
    c.heartbeat_interval = 1.0
    c.heartbeat_initial_delay = 0.1
    c.opportunistic_graft_ticks = 60
    c.flood_publish = True
    s = c.score
    s.ip_colocation_factor_weight = 0.0
    s.ip_colocation_factor_threshold = 1.0
    s.decay_interval = 1.0
    s.decay_to_zero = 0.01
    s.retain_score = 30.0
    s.topics = {
        topic: TopicScoreParams(
            topic_weight=0.25,
            time_in_mesh_weight=0.0027,
            time_in_mesh_quantum=1.0,
            time_in_mesh_cap=3600.0,
            first_message_deliveries_weight=0.664,
            first_message_deliveries_decay=0.9916,
            first_message_deliveries_cap=1500.0,
            mesh_message_deliveries_weight=-0.25,
            mesh_message_deliveries_decay=0.997,
            mesh_message_deliveries_cap=400.0,
            mesh_message_deliveries_threshold=10.0,
            mesh_message_deliveries_activation=60.0,
            mesh_message_deliveries_window=0.005,
            mesh_failure_penalty_weight=-0.25,
            mesh_failure_penalty_decay=0.997,
            invalid_message_deliveries_weight=-99.0,
            invalid_message_deliveries_decay=0.9994,
        )
    }
    t = c.thresholds
    t.gossip_threshold = -4000.0
    t.publish_threshold = -5000.0
    t.graylist_threshold = -10000.0
    t.accept_px_threshold = 0.0
    t.opportunistic_graft_threshold = 0.0
    return c


# ---- this library's default for real nodes -------------------------------------------------


def safe() -> GossipConfig:
    """``Node()``'s and ``LocalNetwork()``'s default: go-libp2p-pubsub's router parameters
    and topic-independent penalties, so that a peer misbehaving on any topic is driven below
    the thresholds and disconnected, while honest peers keep a score of 0 and every routing
    decision stays the spec's.

    - P4 (invalid messages) on every topic a node subscribes to: the router applies
      ``default_topic`` parameters (``score.topics[""]``) to topics without their own;
      -100 per invalid message squared, decaying over about an hour.
    - P7 (behaviour: broken IWANT promises, GRAFT in backoff, rate-limit and topic-churn
      violations) above a threshold of 6, weight -10, decaying over about an hour.
    - Thresholds -500 / -1000 / -2500 (gossip / publish / graylist), Lotus's, and the
      graylisted peer disconnected, as Ethereum clients do.

    So six invalid messages (-3600; five make exactly -2500) graylist and disconnect a peer;
    P7 gets there at 22 penalties. Topics the application scores itself (P1..P3b) go in
    ``score.topics`` by name, which overrides the default topic.
    """
    c = GossipConfig()
    s = c.score
    s.decay_interval = 1.0
    s.decay_to_zero = 0.01
    s.behaviour_penalty_weight = -10.0
    s.behaviour_penalty_threshold = 6.0
    s.behaviour_penalty_decay = _decay(3600.0, 1.0, 0.01)
    s.topics = {
        DEFAULT_TOPIC: TopicScoreParams(
            topic_weight=1.0,
            invalid_message_deliveries_weight=-100.0,
            invalid_message_deliveries_decay=_decay(3600.0, 1.0, 0.01),
        )
    }
    t = c.thresholds
    t.gossip_threshold = -500.0
    t.publish_threshold = -1000.0
    t.graylist_threshold = -2500.0
    t.accept_px_threshold = 0.0
    t.opportunistic_graft_threshold = 0.0
    c.disconnect_graylisted = True
    return c
