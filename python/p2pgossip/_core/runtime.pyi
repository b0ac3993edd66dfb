"""p2pgossip._core.runtime

The Asio runtime: nodes on real sockets (cpp/src/runtime).
"""

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal

from .crypto import Identity, PeerId
from .host import Message
from .router import GossipConfig
from .wire import DecodeLimits

# -- runtime ------------------------------------------------------------------------------
# Event tuples returned by Runtime.drain(), by their first element:
#   ("delivered", node, message, message_id, received_from_peer_id, received_at_monotonic_ns)
#       received_from is b"" for the node's own publishes
#   ("peer_connected", node, peer_id, addr, "inbound" | "outbound")
#   ("peer_disconnected", node, peer_id, addr, "inbound" | "outbound", reason)
#   ("listening", node, [multiaddr ending in /p2p/<id>, ...])
#   ("done", request, error_or_None)
#   ("validate", node, token, message, message_id, received_from_peer_id)
#   ("log", level, node, message, {field: value})
RuntimeEvent = tuple[Any, ...]

class NodeLimits:
    fields: ClassVar[list[str]]
    max_connections: int
    peer_outbound_queue: int
    peer_outbound_queue_bytes: int
    node_outbound_queue_bytes: int
    max_pending_validations: int
    max_streams_per_connection: int
    socket_send_buffer: int
    decode: DecodeLimits
    def __init__(self, **fields: Any) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def copy(self) -> NodeLimits: ...

class PeerConfig:
    fields: ClassVar[list[str]]
    max_inbound: int
    max_outbound: int
    target_outbound: int
    max_per_ip: int
    per_ip_limit_exempts_loopback: bool
    max_pending_dials: int
    max_pending_inbound: int
    max_pending_inbound_per_ip: int
    handshake_timeout: float
    ping_interval: float
    max_missed_pings: int
    backoff_initial: float
    backoff_max: float
    backoff_jitter: float
    max_candidates: int
    max_addrs_per_peer: int
    max_known_peers: int
    max_known_peers_bytes: int
    max_bans: int
    ban_graylisted_for: float
    ban_invalid_messages: int
    ban_invalid_messages_for: float
    bootstrap: list[str]
    ping_timeout: float
    stream_negotiation_timeout: float
    stalled_peer_prune_after: float
    stalled_peer_close_after: float
    known_peers_file: str
    network_key: bytes
    network_certificate: bytes
    def __init__(self, **fields: Any) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def copy(self) -> PeerConfig: ...

class Runtime:
    def __init__(
        self,
        threads: int = 1,
        max_events: int = 1048576,
        log_level: int = 30,
        verify_cache_capacity: int = 65536,
        outbound_queue_bytes: int = 268435456,
    ) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def join(self) -> None: ...
    def close(self) -> None: ...
    @property
    def running(self) -> bool: ...
    @property
    def fd(self) -> int: ...
    @property
    def dropped_events(self) -> int: ...
    @property
    def verify_cache_hits(self) -> int: ...
    @property
    def verify_cache_misses(self) -> int: ...
    def drain(self) -> list[RuntimeEvent]: ...
    def add_node(
        self,
        identity: Identity,
        listen: list[str] = ...,
        gossip: GossipConfig | None = None,
        message_id: Literal["xxh3", "from-seqno"] = "xxh3",
        seed: int = 0,
        limits: NodeLimits | None = None,
        peers: PeerConfig | None = None,
    ) -> tuple[int, int]: ...
    def listen(self, node: int, addr: str) -> int: ...
    def close_node(self, node: int) -> int: ...
    def connect(self, node: int, addr: str) -> int: ...
    def disconnect(self, node: int, peer_id: PeerId | bytes) -> int: ...
    def publish(self, node: int, message: Message) -> int: ...
    def publish_data(self, node: int, topic: str, data: bytes) -> tuple[int, bytes, Message]: ...
    def publish_batch(
        self, node: int, topic: str, data: Sequence[bytes], notify: bool, defer: bool = False
    ) -> tuple[int, list[str]]: ...
    def publish_nowait(self, node: int, topic: str, data: bytes) -> str: ...
    def flush_publishes(self, node: int) -> None: ...
    def count_app_drop(self, node: int, reason: str, n: int = 1) -> None: ...
    def metric_families(self, node: int) -> list[dict[str, Any]] | None: ...
    def serve_metrics(
        self, nodes: list[int], host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
    ) -> tuple[int, int]: ...
    def stop_metrics(self, endpoint: int) -> None: ...
    def subscribe(self, node: int, topic: str) -> int: ...
    def unsubscribe(self, node: int, topic: str) -> int: ...
    def set_validator(self, node: int, topic: str, registered: bool) -> None: ...
    def validation_result(
        self, node: int, token: int, result: Literal["accept", "reject", "ignore"]
    ) -> None: ...
    def set_app_score(self, node: int, peer_id: PeerId | bytes, value: float) -> None: ...
    def set_link(
        self, node: int, peer_id: PeerId | bytes, latency: float = 0.0, loss: float = 0.0
    ) -> None: ...
    def block(self, node: int, peer_ids: Iterable[PeerId | bytes]) -> None: ...
    def unblock(self, node: int, peer_ids: Iterable[PeerId | bytes]) -> None: ...
    def ban(
        self, node: int, target: PeerId | bytes | str, duration: float | None = None, note: str = ""
    ) -> None: ...
    def unban(self, node: int, target: PeerId | bytes | str) -> None: ...
    def bans(
        self, node: int
    ) -> list[tuple[str, Literal["peer", "ip"], float | None, str, str]] | None: ...
    def metrics(self, node: int) -> dict[str, Any] | None: ...
    def score_breakdown(self, node: int, peer_id: bytes) -> dict[str, Any] | None: ...
