"""The GossipSub v1.1 attack evaluation (PL-TechRep-2020-001), reproduced in the simulator.

`python -m benchmarks attacks [--medium | --full] [--sybil-ratio R] [--only ATTACK ...]`:
every attack of `p2pgossip.evaluation.ATTACKS` in each mode (v1.0 baseline, v1.1 with
scoring off, v1.1 with the evaluation's scoring on), with the sybils of the report's configs.
Default: `evaluation.SMALL` (100 honest nodes: 10 publishers + 90 lurkers, 10 messages/s for
180 s, up to 400 sybils); `--medium`: `evaluation.MEDIUM` (the report's 1,000 honest nodes and
up to 4,000 sybils at 10 messages/s); `--full`: `evaluation.FULL` (the same at the report's 120
messages/s, which does not fit 24 GiB). All: honest degree 20, 2 KiB messages, latency 5-25
ms. `--sybil-ratio`: sybils per honest node in the network-wide eclipse (the report ran 4 and
10).

Written: results/attacks.json (one row per attack and mode: of the attacked honest messages
published since the attack began, the share delivered to the attack's victims, the share
delivered on time (within 250 ms: by the mesh, not repaired by gossip a heartbeat later),
latency p50/p99, and both shares over the last minute) and results/attacks.png (on-time
share and p99 per attack, a bar per mode).
Deterministic: the same arguments give the same figures on any machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, replace
from typing import Any

from p2pgossip import evaluation

from . import _report


def rows_for(scale: evaluation.Scale, attacks: list[str]) -> list[dict[str, Any]]:
    return [_timed(attack, mode, scale) for attack in attacks for mode in evaluation.MODES]


def _timed(attack: str, mode: str, scale: evaluation.Scale) -> dict[str, Any]:
    t = time.perf_counter()
    row = evaluation.run(attack, mode, scale)
    row["wall_s"] = time.perf_counter() - t
    print(f"  done: {attack} / {mode} in {row['wall_s']:.1f} s", file=sys.stderr)
    return row


def _save_plot(rows: list[dict[str, Any]], path) -> bool:
    """evaluation.plot to a PNG; False without matplotlib."""
    plt = _report.pyplot()
    if plt is None:
        return False
    fig = evaluation.plot(rows)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks attacks")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="the report's 1,000 honest nodes (long)")
    size.add_argument(
        "--medium", action="store_true", help="the report's nodes at a twelfth of its rate (long)"
    )
    ap.add_argument("--only", nargs="+", choices=list(evaluation.ATTACKS), metavar="ATTACK")
    ap.add_argument(
        "--sybil-ratio", type=float, help="sybils per honest node (default 4; the report: 4, 10)"
    )
    args = ap.parse_args(argv)
    scale = evaluation.FULL if args.full else evaluation.MEDIUM if args.medium else evaluation.SMALL
    if args.sybil_ratio is not None:
        if args.sybil_ratio <= 0:
            ap.error("--sybil-ratio must be positive")
        scale = replace(scale, sybil_ratio=args.sybil_ratio)
    rows = rows_for(scale, args.only or list(evaluation.ATTACKS))
    png = _report.RESULTS_DIR / "attacks.png"
    _report.RESULTS_DIR.mkdir(exist_ok=True)
    plotted = _save_plot(rows, png)
    _report.write("attacks", rows, {"scale": asdict(scale), "plot": str(png) if plotted else None})
    print(f"wrote {png}" if plotted else "no plot: matplotlib is not installed")
