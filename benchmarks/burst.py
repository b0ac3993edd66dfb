"""A burst with the default configuration, as a new user tries it (issue 10): N nodes on a
seeded random 8-regular graph (LocalNetwork, loopback TCP, signed messages), M messages of
SIZE bytes published at once (one asyncio.gather of net.publish, publishers chosen at random),
then waited for up to TIMEOUT seconds.

`python -m benchmarks burst [--nodes N] [--messages M] [--size B] [--timeout S]
[--one-publisher]`

Reports the delivered fraction, seconds from the first publish to the last delivery (or to
the timeout), deliveries per CPU-second of this process, its peak RSS when the burst is
delivered (burst_peak_rss_mb: setup and burst) and at the end (peak_rss_mb: with the pandas
frames of the results built, pandas imported for them), and the drop counters that are not
zero. Each row runs in a child process of its own, so the peak RSS is the row's.

Profiling the measured window alone: with PERF_CTL naming perf's control fifo, the child
writes "enable" before the first publish and "disable" after wait_delivered:
`mkfifo ctl; PERF_CTL=ctl perf record -e cpu-clock -g -D -1 --control fifo:ctl python -m
benchmarks burst --child`. `--messages 0` runs the setup alone (to subtract it from a
callgrind count of a whole run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time

from . import _report


def _perf_control(command: str) -> None:
    fifo = os.environ.get("PERF_CTL")
    if fifo:
        with open(fifo, "w") as f:
            f.write(command + "\n")


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _burst(args: argparse.Namespace) -> dict:
    import p2pgossip as pg

    n, messages, size, one_publisher = args.nodes, args.messages, args.size, args.one_publisher
    config = pg.GossipConfig()
    if args.no_limits:
        config.rate_limit_messages_per_s = config.rate_limit_bytes_per_s = float("inf")
    topology = f"random-regular:{args.degree}"
    async with pg.LocalNetwork(n, topology=topology, seed=1, config=config) as net:
        await net.subscribe("blocks")
        rng = random.Random(1)
        _perf_control("enable")
        cpu0 = time.process_time()
        t0 = time.monotonic()
        await asyncio.gather(
            *(
                net.publish(
                    0 if one_publisher else rng.randrange(n),
                    "blocks",
                    k.to_bytes(4, "big") * (size // 4),
                )
                for k in range(messages)
            )
        )
        complete = True
        try:
            await net.wait_delivered(timeout=args.timeout)
        except TimeoutError:
            complete = False
        wall = time.monotonic() - t0
        cpu = time.process_time() - cpu0
        _perf_control("disable")
        # The network's own peak: what follows builds pandas frames (importing pandas alone
        # adds about 25 MB), so the row's peak_rss_mb is the whole run's, this the burst's.
        burst_peak = _peak_rss_mb()
        expected = messages * n
        got = len(net.deliveries())
        m = net.metrics()
        drops = {c: int(m[c].sum()) for c in m.columns if c.startswith("dropped_") and m[c].sum()}
        for c in ("iwant_recovered", "duplicates"):
            if c in m.columns:
                drops[c] = int(m[c].sum())
    return {
        "nodes": n,
        "degree": args.degree,
        "limits": "off" if args.no_limits else "default",
        "messages": messages,
        "publishers": "node 0" if one_publisher else "random",
        "delivered_pct": 100.0 * got / expected if expected else 100.0,
        "complete": complete,
        "seconds": wall,
        "deliveries_per_cpu_s": got / cpu if cpu else float("nan"),
        "burst_peak_rss_mb": burst_peak,
        "peak_rss_mb": _peak_rss_mb(),
        "counters": drops,
    }


def _child(args: argparse.Namespace) -> None:
    row = asyncio.run(_burst(args))
    print(json.dumps(row))


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks burst")
    p.add_argument("--nodes", type=int, default=50)
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--one-publisher", action="store_true")
    p.add_argument("--degree", type=int, default=8, help="random d-regular topology")
    p.add_argument("--no-limits", action="store_true", help="rate limits off (the cost floor)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args)
        return
    # -S is passed on: a build under test can be put first on PYTHONPATH without site hooks.
    site = ["-S"] if sys.flags.no_site else []
    cmd = [sys.executable, *site, "-m", "benchmarks", "burst", "--child", *argv]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ).stdout
    row = json.loads(out.strip().splitlines()[-1])
    row["load_1min"] = os.getloadavg()[0]
    row["children_cpu_s"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    counters = row.pop("counters")
    _report.write("burst", [row], {"counters": counters})
    print("counters:", counters)
