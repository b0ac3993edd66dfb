"""RPC codec speed: one RPC carrying one signed 256-byte message (from 38 B, seqno 8 B,
signature 64 B, key 36 B; random bytes).

C++ batch loops (GIL released) time encode_rpc, encoded_rpc_size and decode_rpc, next to a
memcpy of the same encoded bytes in the same kind of loop: the ceiling for any codec. The
Python dict API (p2pgossip.wire) is timed on the same RPC.
"""

from __future__ import annotations

import argparse
import statistics
import time

from p2pgossip import _core, wire

from . import _report


def _rate_cpp(kind: str, n: int, repeats: int) -> float:
    return statistics.median(n / _core._bench.wire(kind, n) for _ in range(repeats))


def _rate_py(fn, arg, n: int, repeats: int) -> float:
    def once() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            fn(arg)
        return n / (time.perf_counter() - t0)

    return statistics.median(once() for _ in range(repeats))


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks wire", description=__doc__)
    p.add_argument("--n", type=int, default=1_000_000, help="iterations of each C++ loop")
    p.add_argument("--n-py", type=int, default=100_000, help="iterations through Python")
    p.add_argument("--repeats", type=int, default=5, help="runs per row; the median is kept")
    args = p.parse_args(argv)

    sample = _core._bench.wire_sample()
    rpc = wire.decode_rpc(sample)
    memcpy = _rate_cpp("memcpy", args.n, args.repeats)
    rates = {
        "memcpy (baseline)": memcpy,
        "C++ encode_rpc": _rate_cpp("encode", args.n, args.repeats),
        "C++ encoded_rpc_size": _rate_cpp("size", args.n, args.repeats),
        "C++ decode_rpc": _rate_cpp("decode", args.n, args.repeats),
        "Python wire.encode_rpc(dict)": _rate_py(wire.encode_rpc, rpc, args.n_py, args.repeats),
        "Python wire.decode_rpc(bytes)": _rate_py(wire.decode_rpc, sample, args.n_py, args.repeats),
    }
    rows = [
        {
            "operation": name,
            "ops_per_s": rate,
            "ns_per_op": 1e9 / rate,
            "MB_per_s": rate * len(sample) / 1e6,
            "vs_memcpy": rate / memcpy,
        }
        for name, rate in rates.items()
    ]
    _report.write("wire", rows, {"rpc_bytes": len(sample), "n": args.n, "n_py": args.n_py})
