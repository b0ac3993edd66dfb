"""What a subscription nobody reads holds (issue 10, "memory that stays flat under load"):
its latest messages in about a hundred bytes each besides the shared bodies, nothing once
read."""

from __future__ import annotations

import asyncio

import p2pgossip as pg

TIMEOUT = 30.0


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
        batch = net.subscriptions[2]["t"].get_batch()
        assert len(batch) == 1024
        # The newest kept, oldest evicted, each with its sender.
        assert [m.data for m in batch][-1] == b"m1199"
        assert box.memory_bytes() == 0
