"""Router receive path: Router.rpc_received throughput, one unsigned 256-byte message per RPC.

A C++ loop (GIL released) feeds the router messages from a mesh peer under GossipSub
defaults (StrictNoSign, so no signature verification; no rate limits; 8 peers, D=6): "unique"
messages are new (id, seen insert, deliver, mcache, forward to the mesh), "duplicate" ones
arrive a second time from another peer (id, seen lookup, duplicate counted). The baseline,
timed in the same run, is the floor for any router with a seen cache: one XXH3-128 of the
data and one std::unordered_set insert per message.
"""

from __future__ import annotations

import argparse
import statistics

from p2pgossip import _core

from . import _report


def _rate(kind: str, n: int, repeats: int) -> float:
    return statistics.median(n / _core._bench.router(kind, n) for _ in range(repeats))


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks router", description=__doc__)
    p.add_argument("--n", type=int, default=200_000, help="messages per run")
    p.add_argument("--repeats", type=int, default=5, help="runs per row; the median is kept")
    args = p.parse_args(argv)

    baseline = _rate("baseline", args.n, args.repeats)
    rates = {
        "XXH3-128 + unordered_set insert (baseline)": baseline,
        "rpc_received, unique": _rate("unique", args.n, args.repeats),
        "rpc_received, duplicate": _rate("duplicate", args.n, args.repeats),
    }
    rows = [
        {
            "operation": name,
            "msgs_per_s": rate,
            "ns_per_msg": 1e9 / rate,
            "vs_baseline": rate / baseline,
        }
        for name, rate in rates.items()
    ]
    _report.write("router", rows, {"n": args.n, "message_bytes": 256})
