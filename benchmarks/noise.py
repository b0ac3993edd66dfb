"""Noise transport: seal+open through our CipherState against raw libsodium seal.

`python -m benchmarks noise [--seconds S]`. Each row is one message size; the C++ loops run
with the GIL released and are timed here. Baseline: crypto_aead_chacha20poly1305_ietf_encrypt
alone (seal only, no open), measured in the same run on the same sizes.
"""

from __future__ import annotations

import argparse
import time

from p2pgossip import _core

from . import _report

SIZES = [256, 64 * 1024]


def _rate(fn, size: int, seconds: float) -> float:
    """Messages per second, growing the iteration count until a run lasts `seconds`."""
    iterations = 64
    while True:
        start = time.perf_counter()
        fn(size, iterations)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return iterations / elapsed
        iterations *= 2 if elapsed < seconds / 8 else max(2, int(seconds / max(elapsed, 1e-9)) + 1)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks noise")
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum time per measurement")
    args = parser.parse_args(argv)
    rows = []
    for size in SIZES:
        ours = _rate(_core._bench.noise_seal_open, size, args.seconds)
        raw = _rate(_core._bench.raw_chacha_seal, size, args.seconds)
        rows.append(
            {
                "size_bytes": size,
                "cipherstate_seal_open_msgs_per_s": ours,
                "cipherstate_seal_open_MB_per_s": ours * size / 1e6,
                "raw_seal_msgs_per_s": raw,
                "raw_seal_MB_per_s": raw * size / 1e6,
                "seal_open_vs_raw_seal": ours / raw,
            }
        )
    _report.write(
        "noise",
        rows,
        {"notes": "ours = seal + open (two AEAD ops) per message; baseline = one raw seal"},
    )
