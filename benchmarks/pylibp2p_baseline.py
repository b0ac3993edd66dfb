"""The same gossip workload on py-libp2p: the baseline p2pgossip's runtime is measured against.

`python -m benchmarks pylibp2p_baseline [--nodes N] [--messages M] [--rate R] ...`

N py-libp2p nodes (TCP, Noise, yamux or mplex, GossipSub /meshsub/1.2.0, StrictSign) run in
one trio process of the py-libp2p venv (`make interop-venv`), on a seeded random regular
graph (or a ring); M signed messages of B bytes are published round-robin at a steady offered
rate R. Reported per muxer: wall time from the first publish to the last delivery, delivered
fraction, deliveries/s, publish-to-deliver latency p50/p99, CPU seconds and peak RSS.

Other benchmarks import `run_pylibp2p` to put p2pgossip and py-libp2p in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from p2pgossip import topology

from . import _report

ROOT = Path(__file__).resolve().parent.parent
WORKLOAD = ROOT / "tests" / "interop" / "pylibp2p_workload.py"
# `make interop-venv` creates it; P2PGOSSIP_PYLIBP2P_PYTHON points elsewhere.
PYLIBP2P_PYTHON = Path(
    os.environ.get("P2PGOSSIP_PYLIBP2P_PYTHON", ROOT / "build" / "pylibp2p-venv" / "bin" / "python")
)
MUXERS = ("yamux", "mplex")


def edges(nodes: int, topology_name: str, seed: int) -> list[tuple[int, int]]:
    """`ring` or `random-regular:D` (connected; redrawn with the next seed if not)."""
    import networkx as nx

    if topology_name == "ring":
        return list(topology.ring(nodes).edges())
    kind, _, degree = topology_name.partition(":")
    if kind != "random-regular" or not degree.isdigit():
        raise ValueError(f"topology {topology_name!r}: expected ring or random-regular:D")
    for s in range(seed, seed + 100):
        graph = topology.random_regular(min(int(degree), nodes - 1), nodes, s)
        if nx.is_connected(graph):
            return list(graph.edges())
    raise ValueError(f"no connected {topology_name} graph on {nodes} nodes")


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list or array (nan when empty)."""
    if not len(sorted_values):
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n*q/100), at least 1
    return sorted_values[int(rank) - 1]


def run_pylibp2p(
    nodes: int = 10,
    messages: int = 1000,
    size: int = 256,
    rate: float = 1000.0,
    topology_name: str = "random-regular:8",
    seed: int = 1,
    muxer: str = "yamux",
    drain_s: float = 60.0,
    stall_s: float = 3.0,
    settle_s: float = 30.0,
    timeout_s: float = 300.0,
) -> dict[str, Any]:
    """Run the workload on py-libp2p in a subprocess; one result row (latencies summarised).

    After the last publish it waits for the missing deliveries until none came for `stall_s`
    (py-libp2p loses messages under load), at most `drain_s`; `settle_s` bounds the wait
    for meshes before publishing.
    """
    if not PYLIBP2P_PYTHON.exists():
        raise FileNotFoundError(f"{PYLIBP2P_PYTHON} absent: run `make interop-venv`")
    spec = {
        "nodes": nodes,
        "edges": edges(nodes, topology_name, seed),
        "messages": messages,
        "size": size,
        "rate": rate,
        "muxer": muxer,
        "drain_s": drain_s,
        "stall_s": stall_s,
        "settle_s": settle_s,
    }
    done = subprocess.run(
        [str(PYLIBP2P_PYTHON), str(WORKLOAD)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=WORKLOAD.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"py-libp2p workload failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout)
    latencies = result.pop("latencies_s")
    return {
        "stack": f"py-libp2p noise+{muxer}",
        "topology": topology_name,
        **{k: result[k] for k in ("nodes", "edges", "messages", "size_bytes", "offered_rate")},
        "wall_s": result["wall_s"],
        "delivered_fraction": result["deliveries"] / result["expected_deliveries"],
        "deliveries_per_s": result["deliveries"] / result["wall_s"],
        "latency_p50_ms": percentile(latencies, 50) * 1e3,
        "latency_p99_ms": percentile(latencies, 99) * 1e3,
        "cpu_s": result["cpu_s"],
        "deliveries_per_cpu_s": result["deliveries"] / result["cpu_s"],
        "peak_rss_mb": result["peak_rss_mb"],
        "max_publish_lag_s": result["max_publish_lag_s"],
        "mesh_settle_s": result["mesh_settle_s"],
        "teardown_errors": len(result["teardown_errors"]),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks pylibp2p_baseline")
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--rate", type=float, default=1000.0, help="offered messages/s")
    parser.add_argument("--topology", default="random-regular:8")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--muxer", choices=MUXERS, nargs="+", default=list(MUXERS))
    args = parser.parse_args(argv)
    rows = [
        run_pylibp2p(
            args.nodes, args.messages, args.size, args.rate, args.topology, args.seed, muxer
        )
        for muxer in args.muxer
    ]
    _report.write(
        "pylibp2p_baseline",
        rows,
        {
            "notes": "py-libp2p 0.8.1 in its own venv, all nodes in one trio process; "
            "wall_s from first publish to last delivery; the publisher's own delivery is "
            "not counted; py-libp2p's local 10 msgs/s/topic spam limit is off",
        },
    )
