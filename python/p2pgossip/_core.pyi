"""Type stubs for the C++ extension p2pgossip._core (keep in step with cpp/bindings)."""

class DecodeError(ValueError): ...

# --- router ---------------------------------------------------------------------------------
from collections.abc import Callable
from typing import Any, ClassVar, Literal

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
    max_subscriptions_per_peer: int
    score: PeerScoreParams
    thresholds: PeerScoreThresholds
    def __init__(self, **fields: Any) -> None: ...
    @staticmethod
    def preset(name: str) -> GossipConfig: ...
    def copy(self) -> GossipConfig: ...

# --- crypto -------------------------------------------------------------------------------

import enum  # noqa: E402 (imports of this section, kept here so sections merge cleanly)
import os  # noqa: E402
from collections.abc import Iterable  # noqa: E402

class InvalidKeyError(ValueError): ...

class PeerId:
    @staticmethod
    def parse(text: str) -> PeerId: ...
    @staticmethod
    def from_bytes(data: bytes) -> PeerId: ...
    @staticmethod
    def from_public_key(public_key: bytes) -> PeerId: ...
    def to_bytes(self) -> bytes: ...
    @property
    def public_key(self) -> bytes | None: ...
    def __hash__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __lt__(self, other: PeerId) -> bool: ...
    def __le__(self, other: PeerId) -> bool: ...
    def __gt__(self, other: PeerId) -> bool: ...
    def __ge__(self, other: PeerId) -> bool: ...

class Identity:
    @staticmethod
    def generate() -> Identity: ...
    @staticmethod
    def from_seed(seed: bytes) -> Identity: ...
    @staticmethod
    def from_private_key(encoded: bytes) -> Identity: ...
    @staticmethod
    def load(path: str | os.PathLike[str]) -> Identity: ...
    def save(self, path: str | os.PathLike[str]) -> None: ...
    @property
    def public_key(self) -> bytes: ...
    @property
    def peer_id(self) -> PeerId: ...
    def sign(self, data: bytes) -> bytes: ...

class VerifyCache:
    def __init__(self, capacity: int = 65536, enabled: bool = True) -> None: ...
    @property
    def capacity(self) -> int: ...
    enabled: bool
    @property
    def hits(self) -> int: ...
    @property
    def misses(self) -> int: ...
    @property
    def evictions(self) -> int: ...
    def __len__(self) -> int: ...
    def clear(self) -> None: ...

class SignaturePolicy(enum.Enum):
    StrictSign = 0
    StrictNoSign = 1

class Message:
    def __init__(
        self,
        topic: str,
        data: bytes | None = None,
        *,
        from_: bytes | None = None,
        seqno: bytes | None = None,
        signature: bytes | None = None,
        key: bytes | None = None,
    ) -> None: ...
    @staticmethod
    def create(
        identity: Identity | None,
        topic: str,
        data: bytes,
        seqno: int | bytes | None = None,
        policy: SignaturePolicy = ...,
    ) -> Message: ...
    @property
    def topic(self) -> str: ...
    @property
    def data(self) -> bytes | None: ...
    @property
    def from_(self) -> bytes | None: ...
    @property
    def seqno(self) -> bytes | None: ...
    @property
    def signature(self) -> bytes | None: ...
    @property
    def key(self) -> bytes | None: ...
    def verify(self, policy: SignaturePolicy = ..., cache: VerifyCache | None = None) -> bool: ...
    def encode(self) -> bytes: ...
    def signed_bytes(self) -> bytes: ...
    def id(self, fn: str | Callable[[Message], bytes] = "xxh3") -> bytes: ...
    def replace(
        self,
        *,
        topic: str = ...,
        data: bytes | None = ...,
        from_: bytes | None = ...,
        seqno: bytes | None = ...,
        signature: bytes | None = ...,
        key: bytes | None = ...,
    ) -> Message: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool: ...
def ed25519_sign(seed: bytes, message: bytes) -> bytes: ...
def xxh3_64(data: bytes, seed: int = 0) -> int: ...
def xxh3_128(data: bytes, seed: int = 0) -> int: ...
def verify_batch(
    messages: Iterable[Message],
    policy: SignaturePolicy = ...,
    cache: VerifyCache | None = None,
) -> list[bool]: ...

class _bench:  # a submodule at runtime; timing loops for benchmarks/crypto.py (seconds)
    @staticmethod
    def raw_sign(n: int, size: int = 256) -> float: ...
    @staticmethod
    def raw_verify(n: int, size: int = 256) -> float: ...
    @staticmethod
    def sign(identity: Identity, messages: Iterable[Message]) -> float: ...
    @staticmethod
    def verify(messages: Iterable[Message]) -> float: ...
    @staticmethod
    def id(messages: Iterable[Message]) -> float: ...
    @staticmethod
    def encode(messages: Iterable[Message]) -> float: ...

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
        message_id: Literal["xxh3", "from-seqno"] | Callable[[Message], bytes] = "xxh3",
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

# --- wire -----------------------------------------------------------------------------------

class DecodeLimits:
    """Hard bounds for decode_rpc; keyword arguments override the defaults."""

    max_rpc_size: int
    max_data_size: int
    max_topic_length: int
    max_peer_id_size: int
    max_seqno_size: int
    max_signature_size: int
    max_key_size: int
    max_subscriptions: int
    max_publish: int
    max_control_entries: int
    max_ihave_length: int
    max_message_id_size: int
    max_prune_peers: int
    max_signed_peer_record_size: int
    def __init__(self, **overrides: int) -> None: ...
    def __eq__(self, other: object) -> bool: ...

def encode_rpc(rpc: dict[str, Any]) -> bytes: ...
def encoded_rpc_size(rpc: dict[str, Any]) -> int: ...
def decode_rpc(data: bytes, limits: DecodeLimits | None = None) -> dict[str, Any]: ...
def _bench_wire_sample() -> bytes: ...
def _bench_wire(kind: str, n: int) -> float: ...
