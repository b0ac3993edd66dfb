"""p2pgossip._core.wire

The pubsub RPC and its bounded codec (cpp/src/wire).
"""

from collections.abc import Callable
from typing import Any, ClassVar

from .host import Message

class DecodeError(ValueError): ...

class Rpc:
    subscriptions: list[tuple[bool, str]]
    publish: list[Message]
    ihave: list[tuple[str, list[bytes]]]
    iwant: list[list[bytes]]
    graft: list[str]
    prune: list[tuple[str, list[bytes], int | None]]
    idontwant: list[list[bytes]]
    publish_hops: list[int]
    def __init__(
        self,
        subscriptions: list[tuple[bool, str]] = ...,
        publish: list[Message] = ...,
        ihave: list[tuple[str, list[bytes]]] = ...,
        iwant: list[list[bytes]] = ...,
        graft: list[str] = ...,
        prune: list[tuple[str, list[bytes], int | None]] = ...,
        idontwant: list[list[bytes]] = ...,
        publish_hops: list[int] = ...,
    ) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(d: dict[str, Any]) -> Rpc: ...
    def encode(self) -> bytes: ...
    @staticmethod
    def decode(data: bytes, limits: DecodeLimits | None = None) -> Rpc: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class DecodeLimits:
    fields: ClassVar[list[str]]
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
    def copy(self) -> DecodeLimits: ...

def encode_rpc(rpc: dict[str, Any]) -> bytes: ...
def encoded_rpc_size(rpc: dict[str, Any]) -> int: ...
def decode_rpc(
    data: bytes,
    limits: DecodeLimits | None = None,
    skip: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]: ...
