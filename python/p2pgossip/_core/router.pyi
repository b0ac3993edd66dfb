"""p2pgossip._core.router

The sans-I/O GossipSub router and its configuration (cpp/src/router).
"""

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from .host import Message, SignaturePolicy
from .wire import Rpc

class TopicScoreParams:
    fields: ClassVar[list[str]]
    topic_weight: float
    time_in_mesh_weight: float
    time_in_mesh_quantum: float
    time_in_mesh_cap: float
    first_message_deliveries_weight: float
    first_message_deliveries_decay: float
    first_message_deliveries_cap: float
    mesh_message_deliveries_weight: float
    mesh_message_deliveries_decay: float
    mesh_message_deliveries_cap: float
    mesh_message_deliveries_threshold: float
    mesh_message_deliveries_window: float
    mesh_message_deliveries_activation: float
    mesh_failure_penalty_weight: float
    mesh_failure_penalty_decay: float
    invalid_message_deliveries_weight: float
    invalid_message_deliveries_decay: float
    def __init__(self, **fields: Any) -> None: ...
    def copy(self) -> TopicScoreParams: ...

class PeerScoreParams:
    fields: ClassVar[list[str]]
    topics: dict[str, TopicScoreParams]
    topic_score_cap: float
    app_specific_weight: float
    ip_colocation_factor_weight: float
    ip_colocation_factor_threshold: float
    behaviour_penalty_weight: float
    behaviour_penalty_threshold: float
    behaviour_penalty_decay: float
    decay_interval: float
    decay_to_zero: float
    retain_score: float
    def __init__(self, **fields: Any) -> None: ...
    def copy(self) -> PeerScoreParams: ...

class PeerScoreThresholds:
    fields: ClassVar[list[str]]
    gossip_threshold: float
    publish_threshold: float
    graylist_threshold: float
    accept_px_threshold: float
    opportunistic_graft_threshold: float
    def __init__(self, **fields: Any) -> None: ...
    def copy(self) -> PeerScoreThresholds: ...

class GossipConfig:
    fields: ClassVar[list[str]]
    presets: ClassVar[list[str]]
    strategy: Literal["gossipsub", "floodsub", "randomsub"]
    signature_policy: SignaturePolicy
    D: int
    D_lo: int
    D_hi: int
    D_score: int
    D_out: int
    D_lazy: int
    gossip_factor: float
    heartbeat_initial_delay: float
    heartbeat_initial_jitter: float
    heartbeat_interval: float
    fanout_ttl: float
    mcache_len: int
    mcache_gossip: int
    gossip_retransmission: int
    seen_ttl: float
    seen_max_entries: int
    prune_peers: int
    prune_backoff: float
    unsubscribe_backoff: float
    graft_flood_threshold: float
    do_px: bool
    mesh_takeover_defence: bool
    opportunistic_graft_ticks: int
    opportunistic_graft_peers: int
    max_ihave_length: int
    max_ihave_messages: int
    iwant_followup_time: float
    idontwant_message_threshold: int
    max_idontwant_messages: int
    max_idontwant_length: int
    idontwant_message_ttl_heartbeats: int
    flood_publish: bool
    max_message_size: int
    rate_limit_messages_per_s: float
    rate_limit_bytes_per_s: float
    rate_limit_burst_s: float
    randomsub_k: int
    randomsub_ttl: int
    disconnect_graylisted: bool
    max_subscriptions_per_peer: int
    max_subscribes_per_heartbeat: int
    score: PeerScoreParams
    thresholds: PeerScoreThresholds
    def __init__(self, **fields: Any) -> None: ...
    @staticmethod
    def preset(name: str) -> GossipConfig: ...
    def copy(self) -> GossipConfig: ...

class IdPool:
    def __init__(self) -> None: ...
    def __len__(self) -> int: ...

class Router:
    def __init__(
        self,
        config: GossipConfig,
        seed: int,
        message_id: Literal["xxh3", "from-seqno"] | Callable[[Message], bytes] = "xxh3",
        verify: Callable[[Message], bool] | None = None,
        validate: Callable[[str, Message, int], Literal["accept", "reject", "ignore", "pending"]]
        | None = None,
        validation_full: Callable[[str], bool] | None = None,
        peer_record: Callable[[bytes], bytes | None] | None = None,
        ids: IdPool | None = None,
    ) -> None: ...
    def set_tracer(
        self, tracer: Callable[[Literal["graft", "prune"], int, str, float], object] | None
    ) -> None: ...
    def peer_connected(
        self, peer: int, peer_id: bytes, outbound: bool, protocol: str = ..., now: float = ...
    ) -> None: ...
    def peer_disconnected(self, peer: int, now: float) -> None: ...
    def rpc_received(self, peer: int, rpc: Rpc, now: float) -> None: ...
    def validation_complete(
        self,
        message: Message,
        id: bytes,
        peer: int,
        result: Literal["accept", "reject", "ignore", "pending"],
        now: float,
    ) -> None: ...
    def publish(self, message: Message, now: float) -> bytes: ...
    def subscribe(self, topic: str, now: float) -> None: ...
    def unsubscribe(self, topic: str, now: float) -> None: ...
    def add_explicit_peer(self, peer: int) -> None: ...
    def set_application_score(self, peer: int, value: float) -> None: ...
    def forward_refused(self, peer: int, message: Message) -> None: ...
    def prune_peer(self, peer: int, now: float) -> None: ...
    def set_peer_ip(self, peer: int, ip: str) -> None: ...
    def tick(self, now: float) -> None: ...
    def next_deadline(self) -> float | None: ...
    def drain_actions(self) -> list[tuple[Any, ...]]: ...
    def counters(self) -> dict[str, int]: ...
    def mesh(self, topic: str) -> list[int]: ...
    def fanout(self, topic: str) -> list[int]: ...
    def peers(self, topic: str) -> list[int]: ...
    def topics(self) -> list[str]: ...
    def score(self, peer: int, now: float) -> float: ...
    def score_breakdown(self, peer: int, now: float) -> dict[str, Any] | None: ...
    def duplicates_from(self, peer: int) -> int: ...
    def topic_table_size(self) -> int: ...
    def message_state_bytes(self) -> int: ...
