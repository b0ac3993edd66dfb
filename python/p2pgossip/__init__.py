"""p2pgossip: run, study and attack gossip networks.

A GossipSub core in C++ (signed messages, peer scoring, rate limits) with a Python API,
a deterministic network simulator, and libp2p on the wire.
"""

from . import crypto, topology, wire
from ._core import (
    CpuCost,
    DecodeError,
    GossipConfig,
    Identity,
    InvalidKeyError,
    Latency,
    Message,
    PeerId,
    PeerScoreParams,
    PeerScoreThresholds,
    Router,
    Rpc,
    SignaturePolicy,
    TopicScoreParams,
)
from .simulation import Simulation

__version__ = "0.1.0"

__all__ = [
    "CpuCost",
    "DecodeError",
    "GossipConfig",
    "Identity",
    "InvalidKeyError",
    "Latency",
    "Message",
    "PeerId",
    "PeerScoreParams",
    "PeerScoreThresholds",
    "Router",
    "Rpc",
    "SignaturePolicy",
    "Simulation",
    "TopicScoreParams",
    "__version__",
    "crypto",
    "topology",
    "wire",
]
