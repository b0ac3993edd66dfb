"""p2pgossip: run, study and attack gossip networks.

A GossipSub core in C++ (signed messages, peer scoring, rate limits) with a Python API,
a deterministic network simulator, and libp2p on the wire.
"""

from . import crypto, wire
from ._core import (
    DecodeError,
    GossipConfig,
    Identity,
    InvalidKeyError,
    Message,
    PeerId,
    PeerScoreParams,
    PeerScoreThresholds,
    Router,
    Rpc,
    SignaturePolicy,
    TopicScoreParams,
)

__version__ = "0.1.0"

__all__ = [
    "DecodeError",
    "GossipConfig",
    "Identity",
    "InvalidKeyError",
    "Message",
    "PeerId",
    "PeerScoreParams",
    "PeerScoreThresholds",
    "Router",
    "Rpc",
    "SignaturePolicy",
    "TopicScoreParams",
    "__version__",
    "crypto",
    "wire",
]
