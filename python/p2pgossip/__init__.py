"""p2pgossip: run, study and attack gossip networks.

A GossipSub core in C++ (signed messages, peer scoring, rate limits) with a Python API,
a deterministic network simulator, and libp2p on the wire.
"""

from importlib import metadata as _metadata

from . import crypto, dht, metrics, presets, topology, wire
from ._core.crypto import Identity, InvalidKeyError, PeerId
from ._core.host import Message, SignaturePolicy
from ._core.router import (
    GossipConfig,
    PeerScoreParams,
    PeerScoreThresholds,
    Router,
    TopicScoreParams,
)
from ._core.runtime import NodeLimits, PeerConfig
from ._core.sim import CpuCost, Latency
from ._core.wire import DecodeError, Rpc
from ._requests import (
    NotConnectedError,
    RequestError,
    RequestTimeoutError,
    ResponseTooLargeError,
    StreamResetError,
    UnsupportedProtocolError,
)
from .local_network import LocalNetwork
from .node import (
    Ban,
    Node,
    NodeError,
    NoPeersError,
    Received,
    Runtime,
    Subscription,
    ValidationResult,
)
from .simulation import Simulation

# The one version is pyproject.toml's; the installed metadata carries it (wheel, sdist and
# editable installs alike), and the C++ core's identify agent string is built from the same.
try:
    __version__ = _metadata.version("p2pgossip")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Ban",
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
    "NotConnectedError",
    "PeerId",
    "PeerScoreParams",
    "PeerScoreThresholds",
    "Received",
    "RequestError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "Router",
    "Runtime",
    "Rpc",
    "SignaturePolicy",
    "Simulation",
    "StreamResetError",
    "Subscription",
    "TopicScoreParams",
    "UnsupportedProtocolError",
    "ValidationResult",
    "__version__",
    "crypto",
    "dht",
    "metrics",
    "presets",
    "topology",
    "wire",
]
