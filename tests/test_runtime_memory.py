"""What a burst leaves behind in a runtime (issue 10, "memory that stays flat under load"):
frames in transit come from a pool that gives its slabs back once idle, and a subscription
nobody reads keeps its latest messages in about a hundred bytes each, nothing once read."""

from __future__ import annotations

import asyncio
import time

import p2pgossip as pg
from p2pgossip._core.runtime import buffer_pool_stats

TIMEOUT = 30.0
SLAB = 256 << 10
CLASSES = 4  # 8, 16, 32 and 64 KiB buffers


async def test_transit_buffers_are_given_back_once_a_burst_is_over() -> None:
    # The pool is the process's: what earlier tests left in it is the baseline.
    start = buffer_pool_stats()
    async with pg.LocalNetwork(10, topology="random-regular:4", seed=2) as net:
        await net.subscribe("t")
        before = buffer_pool_stats()
        await asyncio.gather(
            *(net.publish(k % 10, "t", k.to_bytes(4, "big") * 64) for k in range(400))
        )
        await net.wait_delivered(timeout=TIMEOUT)
        during = buffer_pool_stats()
        # The burst's merged RPCs and Noise frames went through the pool.
        assert during["peak_mapped_bytes"] > start["mapped_bytes"] + CLASSES * SLAB
        # Once the gossip after it settles, at most one more slab per size stays mapped.
        deadline = time.monotonic() + TIMEOUT
        while buffer_pool_stats()["mapped_bytes"] > start["mapped_bytes"] + CLASSES * SLAB:
            assert time.monotonic() < deadline, buffer_pool_stats()
            await asyncio.sleep(0.05)
        assert buffer_pool_stats()["slabs_unmapped"] > before["slabs_unmapped"]
    # Every connection's buffers came back.
    assert buffer_pool_stats()["used_bytes"] <= start["used_bytes"]


async def test_a_full_mailbox_costs_about_a_hundred_bytes_a_message_and_nothing_once_read() -> None:
    async with pg.LocalNetwork(3, topology="full", subscription_maxsize=1024) as net:
        await net.subscribe("t")
        for k in range(0, 1200, 100):
            await asyncio.gather(*(net.publish(k % 2, "t", b"m%d" % j) for j in range(k, k + 100)))
        await net.wait_delivered(timeout=TIMEOUT)
        box = net.subscriptions[2]["t"]._mailbox
        assert box.size() == 1024 and box.dropped == 1200 - 1024
        # A kept delivery is its shared message, id, time and an index into the senders; it
        # was a deque entry with its own copy of the sender's peer id (about 220 bytes).
        assert 0 < box.memory_bytes() <= 1024 * 112
        assert len(net.subscriptions[2]["t"].get_batch()) == 1024
        assert box.memory_bytes() == 0
