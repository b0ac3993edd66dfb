"""A node's state as the plain dicts the shell prints and the live view draws.

``view(node)`` is the periodic ``stats`` event: the node's peers (direction, score, the
topics whose mesh holds them) and its counters. The same dict feeds the live view, in
the node's own process or, read from ``--json`` lines, in a ``cluster``.
"""

from __future__ import annotations

from typing import Any

from .._core.crypto import PeerId
from ..node import Node

__all__ = ["counters", "drops", "view"]

_PUBSUB_PREFIXES = ("/meshsub/", "/floodsub/")


def drops(stats: dict[str, Any]) -> dict[str, int]:
    """Every non-zero drop, by reason: the runtime's and the router's (``dropped_*``)."""
    out = {k: int(v) for k, v in stats["drops"].items() if v}
    for k, v in stats["router"].items():
        if k.startswith("dropped_") and v:
            out[k.removeprefix("dropped_")] = out.get(k.removeprefix("dropped_"), 0) + int(v)
    return out


def counters(stats: dict[str, Any]) -> dict[str, Any]:
    r = stats["router"]
    pubsub = [v for p, v in stats["protocols"].items() if p.startswith(_PUBSUB_PREFIXES)]
    d = drops(stats)
    return {
        # The router counts our own publishes as delivered (to our subscriptions).
        "messages_in": max(0, int(r["messages_delivered"]) - int(r["messages_published"])),
        "messages_out": int(r["messages_published"]),
        "forwarded": int(r["messages_forwarded"]),
        "duplicates": int(r["duplicates"]),
        "drops": sum(d.values()),
        "drops_by_reason": d,
        "bytes_in": sum(int(v["bytes_in"]) for v in pubsub),
        "bytes_out": sum(int(v["bytes_out"]) for v in pubsub),
    }


def view(node: Node) -> dict[str, Any]:
    """The ``stats`` event's fields (without ``event`` and ``t``)."""
    stats = node.stats()
    mesh_of: dict[bytes, list[str]] = {}
    for topic, members in stats.get("meshes", {}).items():
        for p in members:
            mesh_of.setdefault(bytes(p), []).append(topic)
    peers = [
        {
            "peer_id": str(PeerId.from_bytes(pid)),
            "addr": addr,
            "direction": direction,
            "score": round(float(score), 3),
            "mesh": sorted(mesh_of.get(bytes(pid), [])),
        }
        for pid, addr, direction, _protocol, score in stats["peers"]
    ]
    return {
        "peer_id": str(node.peer_id),
        "topics": sorted(stats["mesh_sizes"]),
        "peers": peers,
        "counters": counters(stats),
    }
