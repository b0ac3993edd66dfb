"""Type stubs for the C++ extension p2pgossip._core (keep in step with cpp/bindings)."""

class DecodeError(ValueError): ...

# --- wire -----------------------------------------------------------------------------------
from typing import Any  # noqa: E402

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
