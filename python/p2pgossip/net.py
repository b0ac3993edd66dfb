"""libp2p connection upgrade as sans-I/O machines: multiaddrs, multistream-select,
Noise XX with the libp2p handshake payload, and yamux. Feed bytes in, get bytes and
events out; nothing here opens a socket or reads a clock."""

from ._core import (
    Multiaddr,
    MultistreamNegotiation,
    NoiseCipherState,
    NoiseHandshakeState,
    NoiseSession,
    YamuxSession,
    multistream_encode,
    noise_decode_payload,
    noise_peer_id,
    yamux_encode_header,
)

__all__ = [
    "Multiaddr",
    "MultistreamNegotiation",
    "NoiseCipherState",
    "NoiseHandshakeState",
    "NoiseSession",
    "YamuxSession",
    "multistream_encode",
    "noise_decode_payload",
    "noise_peer_id",
    "yamux_encode_header",
]
