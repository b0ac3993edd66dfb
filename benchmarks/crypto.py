"""Signed messages: sign/s, verify/s, id/s, encode/s, decode/s for 256-byte messages.

Each operation runs through the Python API (one call per message) and through the
native batch paths, next to raw libsodium crypto_sign_detached / crypto_sign_verify_detached
measured in the same run. The machine is shared, so many short rounds each measure all paths back to
back, and rates and ratios use each path's best round (the one least disturbed).

    python -m benchmarks crypto [--n 250] [--rounds 40] [--size 256]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import p2pgossip as pg
from p2pgossip import _core, crypto

from ._report import write


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks crypto")
    ap.add_argument("--n", type=int, default=250, help="messages per measurement")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--size", type=int, default=256, help="payload bytes")
    args = ap.parse_args(argv)
    n, size = args.n, args.size

    ident = pg.Identity.generate()
    payloads = [i.to_bytes(4, "big") + b"x" * (size - 4) for i in range(n)]
    msgs = [pg.Message.create(ident, "bench", p, seqno=i) for i, p in enumerate(payloads)]
    unsigned = [pg.Message("bench", p) for p in payloads]

    def create_all() -> None:
        for i, p in enumerate(payloads):
            pg.Message.create(ident, "bench", p, seqno=i)

    def verify_each() -> None:
        assert all(m.verify() for m in msgs)

    def verify_batch() -> None:
        assert all(crypto.verify_batch(msgs))

    cache = crypto.VerifyCache(capacity=2 * n)
    assert all(crypto.verify_batch(msgs, cache=cache))

    def verify_cached() -> None:
        assert all(m.verify(cache=cache) for m in msgs)

    signed_len = len(msgs[0].signed_bytes())
    encoded = [m.encode() for m in msgs]

    # path name -> (operation, seconds for n operations)
    paths: dict[tuple[str, str], Callable[[], float]] = {
        ("sign", "libsodium raw"): lambda: _core._bench.raw_sign(n, size),
        ("sign", "Message.create"): lambda: _timed(create_all),
        ("sign", "C++ sign_message loop"): lambda: _core._bench.sign(ident, unsigned),
        ("verify", "libsodium raw"): lambda: _core._bench.raw_verify(n, size),
        # The project signs "libp2p-pubsub:" + from + seqno + topic + data, not the bare payload.
        ("verify", f"libsodium raw, {signed_len} B"): lambda: _core._bench.raw_verify(
            n, signed_len
        ),
        ("verify", "Message.verify"): lambda: _timed(verify_each),
        ("verify", "crypto.verify_batch"): lambda: _timed(verify_batch),
        ("verify", "C++ verify_message loop"): lambda: _core._bench.verify(msgs),
        ("verify", "Message.verify, cache hit"): lambda: _timed(verify_cached),
        ("id", "Message.id"): lambda: _timed(lambda: [m.id() for m in msgs]),
        ("id", "C++ message_id_xxh3 loop"): lambda: _core._bench.id(msgs),
        ("encode", "Message.encode"): lambda: _timed(lambda: [m.encode() for m in msgs]),
        ("encode", "C++ encode_message loop"): lambda: _core._bench.encode(msgs),
        ("decode", "Message.decode"): lambda: _timed(
            lambda: [pg.Message.decode(e) for e in encoded]
        ),
        ("decode", "C++ decode_message loop"): lambda: _core._bench.decode(encoded),
    }
    seconds: dict[tuple[str, str], list[float]] = {k: [] for k in paths}
    for _ in range(args.rounds):
        for key, run in paths.items():
            seconds[key].append(run())

    rows = []
    for (op, path), secs in seconds.items():
        raw = seconds.get((op, "libsodium raw"))
        row: dict[str, object] = {"op": op, "path": path, "per_s": n / min(secs)}
        row["us_per_op"] = min(secs) / n * 1e6
        if raw is not None:
            row["vs_raw"] = min(raw) / min(secs)
        rows.append(row)
    ratio = {r["path"]: r["vs_raw"] for r in rows if r["op"] == "verify"}
    write(
        "crypto",
        rows,
        extra={
            "params": {"n": n, "rounds": args.rounds, "payload_bytes": size},
            "signed_bytes": signed_len,
            "verify_ratio_target": 0.9,
            "verify_ratio": {k: v for k, v in ratio.items() if not k.startswith("libsodium")},
        },
    )
