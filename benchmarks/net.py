"""Two real nodes over loopback TCP (multistream-select, Noise, yamux, /meshsub/1.2.0):
messages/s and MB/s from publish on one node to delivery on the other, next to the raw
libsodium ChaCha20-Poly1305 seal rate of the same size measured in the same run.

`python -m benchmarks net [--seconds S]`. Node A publishes through the low-level runtime
(publish_data) keeping at most `window` messages in flight; node B's deliveries are drained
from the event queue by this Python process, as an application would. Per-peer rate limits
are off. Rows without signing (StrictNoSign) measure the transport and router; signed rows
(StrictSign: Ed25519 sign on publish, verify on receipt) show the signature ceiling.
"""

from __future__ import annotations

import argparse
import select
import time

from p2pgossip import _core

from . import _report
from .noise import _rate

TOPIC = "bench"
CASES = [  # (size, signed, in-flight window)
    (256, False, 512),
    (256, True, 512),
    (64 * 1024, False, 16),
]


def _pair(signed: bool):
    policy = _core.SignaturePolicy.StrictSign if signed else _core.SignaturePolicy.StrictNoSign
    gossip = _core.GossipConfig(
        signature_policy=policy, rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0
    )
    rt = _core.Runtime()
    rt.start()
    done: dict[int, str | None] = {}
    listening: dict[int, list[str]] = {}

    def pump(timeout: float) -> list[tuple]:
        select.select([rt.fd], [], [], timeout)
        events = rt.drain()
        for e in events:
            if e[0] == "done":
                done[e[1]] = e[2]
            elif e[0] == "listening":
                listening[e[1]] = e[2]
        return events

    def wait_done(req: int) -> None:
        while req not in done:
            pump(1.0)
        assert done[req] is None, done[req]

    nodes = []
    for _ in range(2):
        n, req = rt.add_node(
            _core.Identity.generate(), listen=["/ip4/127.0.0.1/tcp/0"], gossip=gossip
        )
        wait_done(req)
        nodes.append(n)
    a, b = nodes
    for n in nodes:
        wait_done(rt.subscribe(n, TOPIC))
    wait_done(rt.connect(a, listening[b][0]))
    while rt.metrics(a)["topic_peers"].get(TOPIC, 0) < 1:  # b's subscription arrived
        pump(0.01)
    # a publishes without delivering to itself, so only b's deliveries reach Python.
    wait_done(rt.unsubscribe(a, TOPIC))
    return rt, a, b, pump


def _measure(size: int, signed: bool, window: int, seconds: float) -> dict:
    rt, a, b, pump = _pair(signed)
    payload_base = b"x" * (size - 8)
    sent = delivered = 0
    start = time.perf_counter()
    cpu0 = time.process_time()
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and delivered == sent:
            break
        if elapsed < seconds:
            while sent - delivered < window:
                rt.publish_data(a, TOPIC, sent.to_bytes(8, "big") + payload_base)
                sent += 1
        for e in pump(1.0):
            if e[0] == "delivered" and e[1] == b:
                delivered += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    drops = {k: v for k, v in rt.metrics(a)["drops"].items() if v}
    rt.close()
    return {
        "size_bytes": size,
        "signed": signed,
        "messages": delivered,
        "msgs_per_s": delivered / elapsed,
        "MB_per_s": delivered * size / elapsed / 1e6,
        "cpu_s_per_wall_s": cpu / elapsed,
        "drops": sum(drops.values()),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks net")
    parser.add_argument("--seconds", type=float, default=2.0, help="publishing time per row")
    args = parser.parse_args(argv)
    rows = []
    for size, signed, window in CASES:
        row = _measure(size, signed, window, args.seconds)
        raw = _rate(_core._bench_raw_chacha_seal, size, min(args.seconds, 1.0))
        row["raw_seal_msgs_per_s"] = raw
        row["raw_seal_MB_per_s"] = raw * size / 1e6
        row["vs_raw_seal"] = row["msgs_per_s"] / raw
        rows.append(row)
    _report.write(
        "net",
        rows,
        {
            "notes": "two nodes in one runtime (one I/O thread) and one Python process; "
            "publish -> Noise+yamux over loopback TCP -> delivery drained in Python; "
            "baseline: raw ChaCha20-Poly1305 seal of one message of the same size"
        },
    )
