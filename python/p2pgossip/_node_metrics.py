"""A node's raw counters (``Runtime.metrics``) as Prometheus families, labelled by node.

Names follow Prometheus conventions: counters end in ``_total``, one family per quantity,
with what varies (protocol, direction, reason, topic) as labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .node import Node

_ROUTER_DROPS = (
    "invalid_signature",
    "too_large",
    "rejected",
    "ignored",
    "rate_limited",
    "seen_cache_full",
    "unsubscribed_topic",
    "spam",
    "graylisted",
)
_CONTROL = ("ihave", "iwant", "graft", "prune", "idontwant")


def _family(name: str, help: str, kind: str, label_names: list[str]) -> dict[str, Any]:
    return {"name": name, "help": help, "type": kind, "label_names": label_names, "samples": []}


def node_families(node: Node, stats: dict[str, Any]) -> list[dict[str, Any]]:
    me = str(node.peer_id)
    r = stats["router"]

    def sample(fam: dict[str, Any], value: float, **labels: str) -> None:
        fam["samples"].append({"labels": {"node": me, **labels}, "value": float(value)})

    msgs = _family(
        "p2pgossip_messages_total",
        "Pubsub messages by event: published, received (duplicates included), delivered, "
        "forwarded (copies sent), duplicates.",
        "counter",
        ["node", "event"],
    )
    for ev in ("published", "received", "delivered", "forwarded"):
        sample(msgs, r[f"messages_{ev}"], event=ev)
    sample(msgs, r["duplicates"], event="duplicate")

    control = _family(
        "p2pgossip_control_total",
        "GossipSub control messages by type and direction.",
        "counter",
        ["node", "type", "direction"],
    )
    for c in _CONTROL:
        sample(control, r[f"{c}_sent"], type=c.upper(), direction="out")
        sample(control, r[f"{c}_received"], type=c.upper(), direction="in")

    drops = _family(
        "p2pgossip_dropped_total",
        "Messages, RPCs and connections dropped, by layer and reason.",
        "counter",
        ["node", "layer", "reason"],
    )
    for d in _ROUTER_DROPS:
        sample(drops, r[f"dropped_{d}"], layer="router", reason=d)
    sample(drops, r["broken_promises"], layer="router", reason="broken_promise")
    for reason, v in stats["drops"].items():
        sample(drops, v, layer="net", reason=reason)
    sample(drops, node.validator_errors, layer="app", reason="validator_error")
    for topic, subs in node._subs.items():
        sample(drops, sum(s.dropped for s in subs), layer="app", reason=f"subscription:{topic}")

    proto_msgs = _family(
        "p2pgossip_protocol_messages_total",
        "Messages (RPCs for pubsub protocols) by protocol and direction.",
        "counter",
        ["node", "protocol", "direction"],
    )
    proto_bytes = _family(
        "p2pgossip_protocol_bytes_total",
        "Bytes by protocol and direction.",
        "counter",
        ["node", "protocol", "direction"],
    )
    for proto, s in stats["protocols"].items():
        sample(proto_msgs, s["messages_in"], protocol=proto, direction="in")
        sample(proto_msgs, s["messages_out"], protocol=proto, direction="out")
        sample(proto_bytes, s["bytes_in"], protocol=proto, direction="in")
        sample(proto_bytes, s["bytes_out"], protocol=proto, direction="out")

    tcp = _family("p2pgossip_tcp_bytes_total", "TCP bytes.", "counter", ["node", "direction"])
    sample(tcp, stats["tcp_bytes_in"], direction="in")
    sample(tcp, stats["tcp_bytes_out"], direction="out")

    conns = _family(
        "p2pgossip_connections_total",
        "Connections opened and closed.",
        "counter",
        ["node", "event"],
    )
    sample(conns, stats["connections_opened"], event="opened")
    sample(conns, stats["connections_closed"], event="closed")

    peers = _family("p2pgossip_peers", "Connected peers.", "gauge", ["node"])
    sample(peers, len(stats["peers"]))
    mesh = _family("p2pgossip_mesh_peers", "Mesh size per topic.", "gauge", ["node", "topic"])
    for topic, size in stats["mesh_sizes"].items():
        sample(mesh, size, topic=topic)

    return [msgs, control, drops, proto_msgs, proto_bytes, tcp, conns, peers, mesh]
