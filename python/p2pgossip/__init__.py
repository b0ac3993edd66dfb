"""p2pgossip: run, study and attack gossip networks.

A GossipSub core in C++ (signed messages, peer scoring, rate limits) with a Python API,
a deterministic network simulator, and libp2p on the wire.
"""

from . import crypto, metrics, topology, wire
from ._core import (
    CpuCost,
    DecodeError,
    GossipConfig,
    Identity,
    InvalidKeyError,
    Latency,
    Message,
    NodeLimits,
    PeerConfig,
    PeerId,
    PeerScoreParams,
    PeerScoreThresholds,
    Router,
    Rpc,
    SignaturePolicy,
    TopicScoreParams,
)
from .local_network import LocalNetwork
from .node import (
    Node,
    NodeError,
    NoPeersError,
    Received,
    Runtime,
    Subscription,
    ValidationResult,
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
    "LocalNetwork",
    "Message",
    "NodeLimits",
    "NoPeersError",
    "PeerConfig",
    "Node",
    "NodeError",
    "PeerId",
    "PeerScoreParams",
    "PeerScoreThresholds",
    "Received",
    "Router",
    "Runtime",
    "Rpc",
    "SignaturePolicy",
    "Simulation",
    "Subscription",
    "TopicScoreParams",
    "ValidationResult",
    "__version__",
    "crypto",
    "metrics",
    "topology",
    "wire",
]
