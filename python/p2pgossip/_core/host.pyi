"""p2pgossip._core.host

The node as a state machine: messages, connections, outbox (cpp/src/host).
"""

import enum
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Literal

from .crypto import Identity, VerifyCache
from .wire import DecodeLimits, Rpc

class SignaturePolicy(enum.Enum):
    StrictSign = 0
    StrictNoSign = 1

class Publisher:
    def __init__(
        self,
        signature_policy: SignaturePolicy,
        message_id: Literal["xxh3", "from-seqno"],
        max_message_size: int,
    ) -> None: ...
    @property
    def message_id(self) -> str: ...
    def max_data_size(self, topic: str) -> int | None: ...
    def check_size(self, topic: str, data_size: int) -> None: ...

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
    @staticmethod
    def decode(data: bytes, limits: DecodeLimits | None = None) -> Message: ...
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

def verify_batch(
    messages: Iterable[Message],
    policy: SignaturePolicy = ...,
    cache: VerifyCache | None = None,
) -> list[bool]: ...

class OutboundBudget:
    def __init__(self, limit: int) -> None: ...
    @property
    def used(self) -> int: ...

class Outbox:
    def __init__(
        self,
        budget: OutboundBudget,
        max_bytes: int = ...,
        max_control: int = ...,
        merged_rpc_bytes: int = ...,
        decode: DecodeLimits | None = None,
        max_idontwant_ids: int = ...,
    ) -> None: ...
    def push(self, rpc: Rpc) -> tuple[int, int, str | None]: ...
    def push_message(
        self, message: Message, hops: int | None = None
    ) -> tuple[int, int, str | None]: ...
    def cancel(self, message: Message) -> int: ...
    def pop(self) -> bytes | None: ...
    @property
    def bytes(self) -> int: ...
    @property
    def messages(self) -> int: ...
    @property
    def empty(self) -> bool: ...
    def clear(self) -> None: ...

class Role:
    fields: ClassVar[list[str]]
    name: str
    start: float
    spam_rate: float
    spam_topic: str
    invalid_signatures: bool
    invalid_payloads: bool
    censor: bool
    censored_origins: list[bytes]
    censor_fraction: float
    graft_spam: bool
    graft_eagerly: bool
    ihave_spam_ids: int
    replay_after: float
    forward_delay: float
    @property
    def honest(self) -> bool: ...
    def __init__(self, **fields: Any) -> None: ...
    def copy(self) -> Role: ...

class Connection:
    """One libp2p connection, sans-I/O: bytes and times (integer ns) in, bytes and events
    out. Events: ("secured", peer_id), ("up",), ("pubsub_stream", protocol), ("rpc", stream,
    bytes), ("identify", bytes), ("identify_sent", n), ("pings_echoed", n), ("ping", rtt_ns
    or None), ("stream_refused", drop), ("request", stream, protocol, bytes), ("response",
    token, bytes), ("request_failed", token, error), ("closed", reason, drop or None)."""

    def __init__(
        self,
        dialer: bool,
        identity: Identity,
        *,
        expected_peer_id: bytes | None = None,
        pubsub_protocols: list[str] = ...,
        identify_message: bytes = b"",
        max_streams: int = 64,
        max_rpc_size: int = 1048576,
        max_unsent_output: int = 262144,
        ping_timeout_s: float = 20.0,
        stream_negotiation_timeout_s: float = 10.0,
        network_key: bytes | None = None,
        network_certificate: bytes = b"",
        now_unix_s: int = 0,
        request_protocols: list[str] = ...,
        max_request_size: int = 1048576,
        request_timeout_s: float = 10.0,
    ) -> None: ...
    def handle_bytes(self, now_ns: int, data: bytes) -> None: ...
    def handle_timeout(self, now_ns: int) -> None: ...
    def ping(self, payload: bytes, now_ns: int) -> None: ...
    def pubsub_writable(self, in_flight: int = 0) -> bool: ...
    def send_rpc_frame(self, rpc: bytes) -> bool: ...
    def reject_rpc(self, stream: int) -> None: ...
    def request(
        self,
        token: int,
        protocol: str,
        data: bytes,
        max_response: int,
        deadline_ns: int,
        now_ns: int,
    ) -> None: ...
    def respond(self, stream: int, data: bytes, now_ns: int) -> None: ...
    def refuse(self, stream: int, now_ns: int) -> None: ...
    def close(self) -> None: ...
    def take_output(self) -> bytes: ...
    def poll_events(self) -> list[tuple[Any, ...]]: ...
    @property
    def next_deadline_ns(self) -> int | None: ...
    @property
    def up(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def peer_id(self) -> bytes: ...
    @property
    def pubsub_protocol(self) -> str | None: ...
