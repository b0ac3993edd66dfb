"""p2pgossip: run, study and attack gossip networks.

A GossipSub core in C++ (signed messages, peer scoring, rate limits) with a Python API,
a deterministic network simulator, and libp2p on the wire.
"""

from . import topology
from ._core import (
    CpuCost,
    DecodeError,
    GossipConfig,
    Latency,
    Message,
    PeerScoreParams,
    PeerScoreThresholds,
    Router,
    Rpc,
    TopicScoreParams,
)
from .simulation import Simulation

__version__ = "0.1.0"

__all__ = [
    "CpuCost",
    "DecodeError",
    "GossipConfig",
    "Latency",
    "Message",
    "PeerScoreParams",
    "PeerScoreThresholds",
    "Router",
    "Rpc",
    "Simulation",
    "TopicScoreParams",
    "__version__",
    "topology",
]
