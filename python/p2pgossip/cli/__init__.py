"""The `p2pgossip` command line.

Verbs: ``demo`` (the README's benchmark-like demo), ``keygen``, ``node`` (one long-running
node) and ``cluster`` (N node processes on loopback). Failures are one line on stderr and
a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from ._errors import EXIT_USAGE, CliError

__all__ = ["CliError", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: it says what is wrong and where help is.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import cluster, keygen, node

    parser = _Parser(prog="p2pgossip", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"p2pgossip {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="run gossip on real sockets and in the simulator")
    demo.add_argument("--quick", action="store_true", help="10 real and 1,000 simulated nodes")
    demo.add_argument("--sim-nodes", type=int, default=None, help="simulated nodes")
    demo.add_argument("--net-nodes", type=int, default=None, help="real nodes on loopback")
    demo.set_defaults(run=_run_demo)
    keygen.add_parser(sub)
    node.add_parser(sub)
    cluster.add_parser(sub)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    from ..demo import run_demo

    return run_demo(quick=args.quick, sim_nodes=args.sim_nodes, net_nodes=args.net_nodes)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    prog = f"p2pgossip {args.command}"
    try:
        code: int = args.run(args)
        return code
    except CliError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:  # Ctrl-C before the command installed its own handler
        return 130
    except Exception as exc:  # a bug: still one line, with the traceback on request
        if os.environ.get("P2PGOSSIP_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} "
            "(P2PGOSSIP_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
