"""The `p2pgossip` command line."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2pgossip", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run gossip on real sockets and in the simulator")
    demo.add_argument("--quick", action="store_true", help="10 real and 1,000 simulated nodes")
    demo.add_argument("--sim-nodes", type=int, default=None, help="simulated nodes")
    demo.add_argument("--net-nodes", type=int, default=None, help="real nodes on loopback")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        return run_demo(quick=args.quick, sim_nodes=args.sim_nodes, net_nodes=args.net_nodes)
    return 2
