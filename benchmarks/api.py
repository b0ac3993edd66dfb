"""Python API throughput: messages/s delivered into an `async for` loop and publish calls/s,
with raw libsodium signing measured in the same run as the baseline.

Rows:
- async_for_batches: a Subscription fed in batches of 1,000 (as the event pump does) and
  read by `async for`: the Python-side ceiling on deliveries.
- deliver_two_nodes: node B publishes N messages, node A reads them with `async for`
  (real sockets, Noise, yamux): end to end. Both nodes run with the per-peer inbound rate
  limits off (rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0), as benchmarks/net.py
  does: the defaults (100 messages/s per peer) would measure the limit, not the stack.
- publish_await / publish_gather: `await node.publish()` one at a time, and 256 at a time
  with asyncio.gather, on a node with no peers (each call waits for its round trip to the
  I/O thread; the calls of one loop iteration share one wakeup of it).
- publish_nowait: `node.publish_nowait()` one call per message (signed on the caller's
  thread, queued without waiting, handed to the router once per loop iteration or per 256).
- publish_many: `await node.publish_many()` in batches of 256 (one native call signs them
  all, handing chunks of up to 128 to the router while it signs the next, the last 16 on
  their own; one wait per batch).
- raw_sign: libsodium crypto_sign_detached on 256 B messages: the baseline of the issue's
  target (publish calls/s >= 90% of it), the headline vs_raw_sign / cpu_vs_raw_sign.
- raw_sign_same_bytes: the same call on as many bytes as a publish signs ("libp2p-pubsub:"
  + the encoded from, data, seqno and topic: 326 B for 256 B of data): the share of the gap
  that is the longer input (one more SHA-512 block), not the publish path. Publish rows
  also give their rates against it (vs_same_bytes, cpu_vs_same_bytes).

Publish rows give wall-clock rates (per_s, vs_raw_sign) and the publishing thread's CPU
rates (cpu_per_s, cpu_vs_raw_sign, from time.thread_time): on a loaded machine the wall
rates also measure the other processes, the CPU rates only what a publish costs the caller.
Each baseline is the median of five measurements, three before any node runs and two after
the last has closed, so one burst of load on the machine does not set it. The 1-minute
load average before and after the run is printed and written with the rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import time

import p2pgossip as pg
from p2pgossip import _core
from p2pgossip.node import Received, Subscription

from . import _report


async def async_for_rate(n: int) -> float:
    node = pg.Node()
    sub = Subscription(node, "t", maxsize=n, overflow="drop_newest")
    m = pg.Message.create(pg.Identity.generate(), "t", b"x" * 256)
    batch = [Received(m, b"\0" * 16, b"", 0) for _ in range(1000)]

    async def feed() -> None:
        for _ in range(n // 1000):
            for r in batch:
                sub._put(r)
            await asyncio.sleep(0)
        sub._end()

    t0 = time.perf_counter()
    feeder = asyncio.ensure_future(feed())
    count = 0
    async for _ in sub:
        count += 1
    await feeder
    return count / (time.perf_counter() - t0)


async def two_node_rate(n: int) -> tuple[float, float]:
    unlimited = pg.GossipConfig(rate_limit_messages_per_s=0, rate_limit_bytes_per_s=0)
    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt, config=unlimited).start()
        b = await pg.Node(runtime=rt, config=unlimited).start()
        await a.connect(b.addrs[0])
        sa = a.subscribe("t", maxsize=n)
        b.subscribe("t")
        while not b.stats()["mesh_sizes"].get("t"):
            await asyncio.sleep(0.05)
        t0 = time.perf_counter()

        async def publish() -> None:
            for k in range(0, n, 256):
                await asyncio.gather(
                    *(b.publish("t", i.to_bytes(8, "big") * 32) for i in range(k, min(n, k + 256)))
                )

        pub = asyncio.ensure_future(publish())
        count = 0

        async def read() -> None:
            nonlocal count
            async for _ in sa:
                count += 1
                if count == n:
                    return

        # Sends past the per-peer outbound queue are dropped (counted by the runtime), so
        # the read is bounded and the row reports what arrived.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(read(), 30)
        await pub
        return count / (time.perf_counter() - t0), count / n


class _Clock:
    """Wall and calling-thread CPU time of a block, as rates for n items."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.per_s = self.n / (time.perf_counter() - self.wall)
        self.cpu_per_s = self.n / (time.thread_time() - self.cpu)


def payload(i: int) -> bytes:
    return i.to_bytes(8, "big") * 32


def signed_size() -> int:
    """Bytes a publish of this benchmark's payloads signs."""
    return len(pg.Message.create(pg.Identity.generate(), "t", payload(0)).signed_bytes())


class _Baseline:
    """Raw signing rates of one input size, measured several times; the medians."""

    def __init__(self, n: int, size: int) -> None:
        self.n, self.size = n, size
        self.clocks: list[_Clock] = []

    def measure(self) -> None:
        with _Clock(self.n) as c:
            _core._bench.raw_sign(self.n, self.size)
        self.clocks.append(c)

    @property
    def per_s(self) -> float:
        return statistics.median(c.per_s for c in self.clocks)

    @property
    def cpu_per_s(self) -> float:
        return statistics.median(c.cpu_per_s for c in self.clocks)


async def publish_rates(n: int) -> dict[str, _Clock]:

    rates: dict[str, _Clock] = {}
    async with pg.Node() as node:
        with _Clock(n) as rates["publish_await"]:
            for i in range(n):
                await node.publish("t", payload(i))
        with _Clock(n) as rates["publish_gather"]:
            for k in range(n, 2 * n, 256):
                await asyncio.gather(
                    *(node.publish("t", payload(i)) for i in range(k, min(2 * n, k + 256)))
                )
        with _Clock(n) as rates["publish_nowait"]:
            for i in range(2 * n, 3 * n):
                node.publish_nowait("t", payload(i))
                if i % 4096 == 0:
                    await asyncio.sleep(0)  # let the loop breathe, as an application would
        with _Clock(n) as rates["publish_many"]:
            for k in range(3 * n, 4 * n, 256):
                await node.publish_many("t", [payload(i) for i in range(k, min(4 * n, k + 256))])
        if node.stats()["drops"]["publish_failed"]:
            raise RuntimeError("publish_nowait: the router refused messages")
    return rates


def main(argv: list[str]) -> None:
    load_before = os.getloadavg()[0]
    quick = "--quick" in argv
    n = 20_000 if quick else 200_000
    p = 2_000 if quick else 20_000
    raw, same = _Baseline(p, len(payload(0))), _Baseline(p, signed_size())
    for _ in range(3):
        raw.measure()
        same.measure()
    rows = [
        {"case": "async_for_batches", "per_s": asyncio.run(async_for_rate(n))},
    ]
    rate, fraction = asyncio.run(two_node_rate(p))
    rows.append({"case": "deliver_two_nodes", "per_s": rate, "delivered": fraction})
    rates = asyncio.run(publish_rates(p))
    for _ in range(2):
        raw.measure()
        same.measure()
    rows += [
        {
            "case": case,
            "per_s": c.per_s,
            "vs_raw_sign": c.per_s / raw.per_s,
            "cpu_per_s": c.cpu_per_s,
            "cpu_vs_raw_sign": c.cpu_per_s / raw.cpu_per_s,
            "vs_same_bytes": c.per_s / same.per_s,
            "cpu_vs_same_bytes": c.cpu_per_s / same.cpu_per_s,
        }
        for case, c in [*rates.items(), ("raw_sign", raw), ("raw_sign_same_bytes", same)]
    ]
    load = {"before": load_before, "after": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"load average (1 min): {load['before']:.2f} before, {load['after']:.2f} after")
    _report.write(
        "api",
        rows,
        {
            "async_for_messages": n,
            "published_messages": p,
            "signed_bytes": {"raw_sign": raw.size, "raw_sign_same_bytes": same.size},
            "load_average_1m": load,
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
