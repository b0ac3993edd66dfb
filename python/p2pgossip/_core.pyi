"""Type stubs for the C++ extension p2pgossip._core (keep in step with cpp/bindings)."""

from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

class DecodeError(ValueError): ...

# --- router ---------------------------------------------------------------------------------

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
    signature_policy: Literal["strict_sign", "strict_no_sign"]
    D: int
    D_lo: int
    D_hi: int
    D_score: int
    D_out: int
    D_lazy: int
    gossip_factor: float
    heartbeat_initial_delay: float
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
    opportunistic_graft_ticks: int
    opportunistic_graft_peers: int
    max_ihave_length: int
    max_ihave_messages: int
    iwant_followup_time: float
    idontwant_message_threshold: int
    max_idontwant_messages: int
    idontwant_message_ttl_heartbeats: int
    flood_publish: bool
    max_message_size: int
    rate_limit_messages_per_s: float
    rate_limit_bytes_per_s: float
    rate_limit_burst_s: float
    randomsub_k: int
    randomsub_ttl: int
    max_subscriptions_per_peer: int
    score: PeerScoreParams
    thresholds: PeerScoreThresholds
    def __init__(self, **fields: Any) -> None: ...
    @staticmethod
    def preset(name: str) -> GossipConfig: ...
    def copy(self) -> GossipConfig: ...

class Message:
    topic: str
    data: bytes | None
    from_: bytes | None
    seqno: bytes | None
    signature: bytes | None
    key: bytes | None
    def __init__(
        self,
        topic: str,
        data: bytes | None = None,
        from_: bytes | None = None,
        seqno: bytes | None = None,
        signature: bytes | None = None,
        key: bytes | None = None,
    ) -> None: ...

class Rpc:
    subscriptions: list[tuple[bool, str]]
    publish: list[Message]
    ihave: list[tuple[str, list[bytes]]]
    iwant: list[list[bytes]]
    graft: list[str]
    prune: list[tuple[str, list[bytes], int | None]]
    idontwant: list[list[bytes]]
    def __init__(
        self,
        subscriptions: list[tuple[bool, str]] = ...,
        publish: list[Message] = ...,
        ihave: list[tuple[str, list[bytes]]] = ...,
        iwant: list[list[bytes]] = ...,
        graft: list[str] = ...,
        prune: list[tuple[str, list[bytes], int | None]] = ...,
        idontwant: list[list[bytes]] = ...,
    ) -> None: ...

class Router:
    def __init__(
        self,
        config: GossipConfig,
        seed: int,
        message_id: Callable[[Message], bytes],
        verify: Callable[[Message], bool] | None = None,
        validate: Callable[[str, Message, int], Literal["accept", "reject", "ignore"]]
        | None = None,
    ) -> None: ...
    def peer_connected(
        self, peer: int, peer_id: bytes, outbound: bool, protocol: str = ..., now: float = ...
    ) -> None: ...
    def peer_disconnected(self, peer: int, now: float) -> None: ...
    def rpc_received(self, peer: int, rpc: Rpc, now: float) -> None: ...
    def publish(self, message: Message, now: float) -> bytes: ...
    def subscribe(self, topic: str, now: float) -> None: ...
    def unsubscribe(self, topic: str, now: float) -> None: ...
    def add_explicit_peer(self, peer: int) -> None: ...
    def set_application_score(self, peer: int, value: float) -> None: ...
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
    def duplicates_from(self, peer: int) -> int: ...

# -- sim --------------------------------------------------------------------------------

class Latency:
    @staticmethod
    def constant(ms: float) -> Latency: ...
    @staticmethod
    def uniform(low_ms: float, high_ms: float) -> Latency: ...
    @staticmethod
    def normal(mean_ms: float, std_ms: float) -> Latency: ...
    @staticmethod
    def lognormal(median_ms: float, sigma: float) -> Latency: ...
    @property
    def kind(self) -> str: ...
    def samples_ms(self, count: int, seed: int = 0) -> npt.NDArray[np.float64]: ...

class CpuCost:
    def __init__(
        self, *, verify_us: float = 87.0, sign_us: float = 32.0, per_message_us: float = 5.0
    ) -> None: ...
    @property
    def verify_us(self) -> float: ...
    @property
    def sign_us(self) -> float: ...
    @property
    def per_message_us(self) -> float: ...

class SimulationCore:
    def __init__(
        self,
        nodes: int,
        edges: npt.ArrayLike,
        gossip: GossipConfig,
        latency: Latency,
        bandwidth: float,
        loss: float,
        queue_limit_bytes: int,
        cost: CpuCost | None,
        verify_cache: bool,
        wire_fidelity: bool,
        message_id: str,
        seed: int,
    ) -> None: ...
    @property
    def size(self) -> int: ...
    @property
    def now_ns(self) -> int: ...
    @property
    def events_processed(self) -> int: ...
    @property
    def pending_events(self) -> int: ...
    @property
    def verifications(self) -> int: ...
    @property
    def verify_cache_hits(self) -> int: ...
    def subscribe(self, node: int, topic: str, at_ns: int) -> None: ...
    def unsubscribe(self, node: int, topic: str, at_ns: int) -> None: ...
    def publish(self, node: int, topic: str, data: bytes, at_ns: int) -> bytes: ...
    def inject(
        self,
        to: int,
        via: int,
        author: int,
        topic: str,
        data: bytes,
        forge_signature: bool,
        at_ns: int,
    ) -> bytes: ...
    def partition(self, groups: list[list[int]], at_ns: int) -> None: ...
    def heal(self, at_ns: int) -> None: ...
    def crash(self, node: int, at_ns: int) -> None: ...
    def restart(self, node: int, at_ns: int) -> None: ...
    def set_link(
        self,
        u: int,
        v: int,
        latency: Latency,
        bandwidth: float,
        loss: float,
        queue_limit_bytes: int,
        at_ns: int,
    ) -> None: ...
    def run_until(self, until_ns: int) -> None: ...
    def deliveries_columns(self) -> dict[str, npt.NDArray[Any]]: ...
    def messages_columns(self) -> dict[str, Any]: ...
    def metrics_columns(self) -> dict[str, npt.NDArray[Any]]: ...
    def mesh(self, node: int, topic: str) -> list[int]: ...
    def topics(self) -> list[str]: ...
    def alive(self, node: int) -> bool: ...
    def peer_id(self, node: int) -> bytes: ...
    def trace_digest(self) -> bytes: ...

def mesh_push_baseline(
    n: int,
    edges: npt.ArrayLike,
    D: int,
    publishers: list[int],
    median_latency_s: float,
    sigma: float,
    seed: int,
) -> dict[str, float]: ...
