"""Two real nodes over loopback TCP (multistream-select, Noise, yamux, /meshsub/1.2.0):
messages/s and MB/s from publish on one node to delivery on the other, next to the raw
libsodium ChaCha20-Poly1305 seal rate of the same size measured in the same run.

`python -m benchmarks net [--seconds S] [--network-only] [--no-pylibp2p] [--rate R]
[--threads T] [--default-limits] [--pylibp2p-rates R ...] [--muxers M ...]`.
Node A publishes through the low-level runtime (publish_data) keeping at most `window`
messages in flight; node B's deliveries are drained from the event queue by this Python
process, as an application would. Per-peer rate limits
are off. Rows without signing (StrictNoSign) measure the transport and router; signed rows
(StrictSign: Ed25519 sign on publish, verify on receipt) show the signature ceiling.

Then a gossip network in one process: N nodes on a seeded random 8-regular graph, M signed
256 B messages published round-robin at a steady offered rate (100 nodes x 10,000 at RATE,
a rate this machine sustains, on THREADS I/O threads), reporting delivered fraction,
publish-to-deliver latency p50/p99 (deliveries booked by the runtime's native log and taken
as numpy columns on the driver's clock, as LocalNetwork books them), deliveries/s, CPU seconds
(I/O threads and the Python driver, from /proc), RSS before traffic and the row's own peak
RSS, and drops by reason; after it, its raw cost floor measured in the same run: per copy
(duplicates included) a ChaCha20-Poly1305 seal and open of the copy's bytes and one loopback
TCP write and read of them, against the row's CPU per copy.
The comparison workload, 10 nodes x 1,000, runs on both stacks in the same run (py-libp2p
through benchmarks/pylibp2p_baseline.py): each as fast as it goes (py-libp2p then loses
messages), and py-libp2p at the highest of PYLIBP2P_RATES where it still delivers >= 99%,
against p2pgossip at that same rate and as fast as it goes; ratios of wall time and of
deliveries per CPU-second. About 6 minutes here.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import select
import threading
import time

import numpy as np
from p2pgossip import _core

from . import _report
from .noise import _rate
from .pylibp2p_baseline import MUXERS, edges, percentile, run_pylibp2p

TOPIC = "bench"
CASES = [  # (size, signed, in-flight window)
    (256, False, 512),
    (256, True, 512),
    (64 * 1024, False, 16),
]
# 100 nodes x 10,000: an offered rate this machine sustains with every message delivered
# (each message is 99 deliveries), on 2 I/O threads (the Python driver takes the rest).
RATE = 200.0
THREADS = 2
# py-libp2p, 10 nodes x 1,000: offered rates tried, highest first, until one delivers >= 99%
# (it handles about 100 deliveries per CPU-second, 9 per message; 10/s takes 100 s).
PYLIBP2P_RATES = [40.0, 20.0, 10.0]
# Longest wait for py-libp2p's late deliveries after its last publish (it also stops once
# none came for 3 s); what arrives later is reported as lost.
DRAIN_S = 30.0


def _pair(signed: bool):
    policy = (
        _core.host.SignaturePolicy.StrictSign if signed else _core.host.SignaturePolicy.StrictNoSign
    )
    gossip = _core.router.GossipConfig(
        signature_policy=policy, rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0
    )
    rt = _core.runtime.Runtime()
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
            _core.crypto.Identity.generate(), listen=["/ip4/127.0.0.1/tcp/0"], gossip=gossip
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


def _task_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of each thread of this process, by thread id."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset_peak_rss) of this process, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak_rss() -> None:
    """Give freed heap back to the system (what earlier rows left would count otherwise),
    then restart VmHWM from the current RSS, so each row reports its own peak."""
    ctypes.CDLL(None).malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _network(
    nodes: int,
    messages: int,
    rate: float,
    size: int = 256,
    seed: int = 1,
    threads: int = 1,
    stall_s: float = 3.0,
    default_limits: bool = False,
) -> dict:
    """Runs the gossip workload on p2pgossip; `rate` inf publishes as fast as the driver can.

    After the last publish it waits for the rest until every delivery came, or until none
    came for `stall_s` (a lost message never arrives; the row then says so).
    """
    _reset_peak_rss()
    graph = edges(nodes, "random-regular:8", seed)
    gossip = (
        _core.router.GossipConfig()
        if default_limits
        else _core.router.GossipConfig(rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0)
    )
    rt = _core.runtime.Runtime(threads=threads)
    rt.start()
    done: dict[int, str | None] = {}
    listening: dict[int, list[str]] = {}
    published: dict[bytes, int] = {}  # id -> publish time (monotonic ns)
    # Deliveries are booked by the runtime's native log and taken as numpy columns, as
    # LocalNetwork does: a Python tuple per delivery (a "delivered" event) cost this driver
    # about 10 µs a delivery, 13% of the machine at 250/s, and the p99 measured that queueing.
    sent_ns = np.zeros(messages, dtype=np.int64)  # the log's message index -> publish time
    named = 0  # message ids the log has named so far
    chunks: list[np.ndarray] = []  # latencies (ns) of deliveries at other nodes
    delivered = 0
    last_delivery = 0.0
    drain_lag_ns = 0  # how far this Python driver ran behind the I/O threads' events

    def take() -> None:
        nonlocal named, delivered, last_delivery, drain_lag_ns
        _, msg, frm, at, new_ids, _ = rt.take_deliveries()
        sent_ns[named : named + len(new_ids)] = [published[m] for m in new_ids]
        named += len(new_ids)
        others = frm >= 0  # not the publisher's own delivery
        if others.any():
            drain_lag_ns = max(drain_lag_ns, time.monotonic_ns() - int(at[others].min()))
            chunks.append(at[others] - sent_ns[msg[others]])
            delivered += int(others.sum())
            last_delivery = time.perf_counter()

    def pump(timeout: float) -> None:
        select.select([rt.fd], [], [], timeout)
        for e in rt.drain():
            if e[0] == "done":
                done[e[1]] = e[2]
            elif e[0] == "listening":
                listening[e[1]] = e[2]
        take()

    def wait(cond, what: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out: {what}")
            pump(0.02)

    ids = []
    for i in range(nodes):
        n, req = rt.add_node(
            _core.crypto.Identity.generate(), listen=["/ip4/127.0.0.1/tcp/0"], gossip=gossip, seed=i
        )
        ids.append(n)
        wait(lambda req=req: req in done, "add_node")
    reqs = [rt.subscribe(n, TOPIC) for n in ids]
    reqs += [rt.connect(ids[u], listening[ids[v]][0]) for u, v in graph]
    wait(lambda: all(r in done for r in reqs), "connections")
    degree = [0] * nodes
    for u, v in graph:
        degree[u] += 1
        degree[v] += 1
    wait(
        lambda: all(
            rt.metrics(n)["topic_peers"].get(TOPIC, 0) == degree[i] for i, n in enumerate(ids)
        ),
        "subscriptions",
    )
    wait(lambda: all(rt.metrics(n)["mesh_sizes"][TOPIC] > 0 for n in ids), "meshes")
    for n in ids:
        rt.set_delivery_events(n, None, False)
    rt.log_deliveries()
    # Woken by the clock, not by each batch of rows (once per batch was about 30 wakeups a
    # message): every pump takes what was booked.
    rt.notify_deliveries_at(2**62)
    idle_rss = _rss_mb("VmRSS")
    payload = b"x" * (size - 8)
    main_tid = threading.get_native_id()
    cpu0 = _task_cpu()
    start = time.perf_counter()
    for k in range(messages):
        if not math.isinf(rate):
            while (lag := start + k / rate - time.perf_counter()) > 0:
                pump(lag)
        published[rt.publish_data(ids[k % nodes], TOPIC, k.to_bytes(8, "big") + payload)[1]] = (
            time.monotonic_ns()
        )
        if k % 64 == 0:
            pump(0)
    publish_s = time.perf_counter() - start
    expected = messages * (nodes - 1)
    while delivered < expected and time.perf_counter() - max(last_delivery, start) < stall_s:
        pump(0.05)
    cpu1 = _task_cpu()
    peak_rss = _rss_mb("VmHWM")  # the network's and its driver's, before the results' arrays
    wall = max(last_delivery, start + publish_s) - start
    metrics = [rt.metrics(n) for n in ids]
    copies = sum(m["router"]["messages_received"] for m in metrics)  # duplicates included
    tcp_out = sum(m["tcp_bytes_out"] for m in metrics)
    drops: dict[str, int] = {}
    for m in metrics:
        for reason, v in m["drops"].items():
            if v:
                drops[reason] = drops.get(reason, 0) + v
    dropped_events = rt.dropped_events
    rt.close()
    cpu_io = sum(v - cpu0.get(t, 0.0) for t, v in cpu1.items() if t != main_tid)
    cpu = cpu_io + cpu1[main_tid] - cpu0[main_tid]
    latencies = np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.int64)
    return {
        "stack": "p2pgossip",
        "nodes": nodes,
        "messages": messages,
        "io_threads": threads,
        "limits": "default" if default_limits else "off",
        "offered_rate": rate,
        "achieved_publish_rate": messages / publish_s,
        "wall_s": wall,
        "delivered_fraction": delivered / expected,
        "deliveries_per_s": delivered / wall,
        "latency_p50_ms": float(percentile(latencies, 50)) / 1e6,
        "latency_p99_ms": float(percentile(latencies, 99)) / 1e6,
        "cpu_s": cpu,
        "cpu_s_io_threads": cpu_io,
        # How much of the machine the row kept busy: near os.cpu_count(), latency is queueing.
        "cores_busy": cpu / wall if wall else math.nan,
        "cores": os.cpu_count(),
        # /proc counts CPU in clock ticks: a row shorter than one reads 0.
        "deliveries_per_cpu_s": delivered / cpu if cpu else math.nan,
        "copies": copies,
        "bytes_per_copy": tcp_out / max(copies, 1),
        "cpu_us_per_copy": 1e6 * cpu / max(copies, 1),
        "idle_rss_mb": idle_rss,
        "peak_rss_mb": peak_rss,
        # Copies not sent because the peer had the message (IDONTWANT, echoes) lose nothing.
        "drops": sum(v for k, v in drops.items() if not k.endswith("_cancelled")),
        "drop_reasons": " ".join(f"{k}:{v}" for k, v in sorted(drops.items())),
        "dropped_events": dropped_events,
        "max_driver_lag_ms": drain_lag_ns / 1e6,
    }


def _floor(row: dict, seconds: float) -> dict:
    """The raw cost floor of `row`'s copies, measured now: per copy, a ChaCha20-Poly1305
    seal and open of its bytes and one loopback TCP write and read of them (the bytes are
    the row's TCP output over its copies, control traffic included)."""
    size = max(1, round(row["bytes_per_copy"]))
    crypto = 1e6 / _rate(_core._bench.raw_chacha_seal_open, size, seconds)
    loopback = 1e6 / _rate(_core._bench.loopback_write_read, size, seconds)
    floor_cpu = row["copies"] * (crypto + loopback) / 1e6
    return {
        "floor_of": f"{row['nodes']} nodes x {row['messages']} at {row['offered_rate']}/s",
        "bytes_per_copy": size,
        "seal_open_us": crypto,
        "loopback_write_read_us": loopback,
        "floor_us_per_copy": crypto + loopback,
        "row_cpu_us_per_copy": row["cpu_us_per_copy"],
        "floor_cpu_s": floor_cpu,
        "row_cpu_s": row["cpu_s"],
        "cpu_vs_floor": row["cpu_s"] / floor_cpu if floor_cpu else float("nan"),
    }


def _compare(what: str, ours: dict, theirs: dict) -> dict:
    return {
        "comparison": f"{what}: p2pgossip vs {theirs['stack']}",
        "theirs_offered_rate": theirs["offered_rate"],
        "theirs_delivered_fraction": theirs["delivered_fraction"],
        "ours_delivered_fraction": ours["delivered_fraction"],
        "wall_time_ratio": theirs["wall_s"] / ours["wall_s"],
        "deliveries_per_cpu_s_ratio": ours["deliveries_per_cpu_s"] / theirs["deliveries_per_cpu_s"],
    }


def _pylibp2p_full_delivery_rate(rates: list[float], muxer: str) -> tuple[list[dict], dict | None]:
    """py-libp2p rows at falling offered rates down to the first that delivers >= 99%, and
    that row (None when none of `rates` does)."""
    rows = []
    for rate in sorted(rates, reverse=True):
        row = run_pylibp2p(10, 1000, 256, rate, muxer=muxer, drain_s=DRAIN_S)
        rows.append(row)
        if row["delivered_fraction"] >= 0.99:
            return rows, row
    return rows, None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks net")
    parser.add_argument("--seconds", type=float, default=2.0, help="publishing time per row")
    parser.add_argument("--network-only", action="store_true", help="skip the two-node rows")
    parser.add_argument("--no-pylibp2p", action="store_true", help="skip the py-libp2p rows")
    parser.add_argument(
        "--rate", type=float, default=RATE, help="offered messages/s, 100 nodes x 10,000"
    )
    parser.add_argument("--threads", type=int, default=THREADS, help="runtime I/O threads")
    parser.add_argument(
        "--default-limits",
        action="store_true",
        help="network rows with the default GossipConfig (per-peer rate limits on), as issue 10",
    )
    parser.add_argument(
        "--pylibp2p-rates",
        type=float,
        nargs="+",
        default=PYLIBP2P_RATES,
        help="offered rates tried on py-libp2p (yamux), highest first, until one delivers >= 99%%",
    )
    parser.add_argument(
        "--muxers",
        nargs="+",
        choices=MUXERS,
        default=["yamux"],
        help="py-libp2p muxers for the as-fast-as-it-goes rows",
    )
    args = parser.parse_args(argv)
    rows: list[dict] = []
    for size, signed, window in [] if args.network_only else CASES:
        row = _measure(size, signed, window, args.seconds)
        raw = _rate(_core._bench.raw_chacha_seal, size, min(args.seconds, 1.0))
        row["raw_seal_msgs_per_s"] = raw
        row["raw_seal_MB_per_s"] = raw * size / 1e6
        row["vs_raw_seal"] = row["msgs_per_s"] / raw
        rows.append(row)
    limits = {"threads": args.threads, "default_limits": args.default_limits}
    spaced = _network(100, 10_000, args.rate, **limits)
    rows.append(spaced)
    rows.append(_floor(spaced, min(args.seconds, 1.0)))
    # The comparison workload, 10 nodes x 1,000: first each stack as fast as it goes.
    fastest = _network(10, 1000, math.inf, **limits)
    rows.append(fastest)
    comparisons = []
    if not args.no_pylibp2p:
        for muxer in args.muxers:
            theirs = run_pylibp2p(10, 1000, 256, 1e9, muxer=muxer, drain_s=DRAIN_S)
            rows.append(theirs)
            comparisons.append(_compare("as fast as each goes", fastest, theirs))
        # py-libp2p loses messages when pushed, so also: the fastest offered rate at which it
        # still delivers >= 99%, p2pgossip at that same rate, and p2pgossip as fast as it
        # goes against py-libp2p's time to (near) full delivery.
        ladder, best = _pylibp2p_full_delivery_rate(args.pylibp2p_rates, "yamux")
        rows.extend(ladder)
        if best is not None:
            same_rate = _network(10, 1000, best["offered_rate"], **limits)
            rows.append(same_rate)
            comparisons.append(_compare("same offered rate", same_rate, best))
            comparisons.append(
                _compare("p2pgossip as fast as it goes vs py-libp2p full delivery", fastest, best)
            )
    rows.extend(comparisons)
    _report.write(
        "net",
        rows,
        {
            "notes": "two-node rows: two nodes in one runtime and one Python process; "
            "publish -> Noise+yamux over loopback TCP -> delivery drained in Python; "
            "baseline: raw ChaCha20-Poly1305 seal of one message of the same size. "
            "floor_of rows: the raw cost floor of the row named, measured after it: per copy "
            "(duplicates included), a seal+open and one loopback TCP write+read of its bytes; "
            "cpu_vs_floor = the row's CPU over copies x that floor. "
            "Network rows: every node in one runtime, router rate limits off on both "
            "stacks, signed messages; cpu_s = I/O threads + the Python driver (cpu_s_io_threads "
            "the former); peak_rss_mb = VmHWM of this process reset before the row; wall_s "
            "first publish -> last delivery; wall_time_ratio = py-libp2p wall / p2pgossip wall"
        },
    )
