"""Read backpressure (issue 10, part 1): a receiver whose per-peer budget is spent stops
reading the connection until it refills, so TCP and yamux flow control slow the publisher
and nothing is refused or lost."""

from __future__ import annotations

import asyncio

import p2pgossip as pg

TIMEOUT = 60.0


async def test_a_fast_publisher_is_slowed_to_the_budget_and_nothing_is_lost() -> None:
    rate, messages = 300.0, 900
    config = pg.GossipConfig(rate_limit_messages_per_s=rate, rate_limit_burst_s=1.0)
    async with pg.LocalNetwork(2, topology="full", config=config) as net:
        await net.subscribe("t")
        sub = net.subscriptions[1]["t"]
        # 1 KiB messages: a read (32 KiB, with what Noise holds) brings fewer than the
        # budget's low mark, so the pause comes before any refusal.
        data = [k.to_bytes(4, "big") * 256 for k in range(messages)]
        ids = await net.nodes[0].publish_many("t", data)
        got = []
        while len(got) < messages:
            got.append((await asyncio.wait_for(sub.get(), TIMEOUT)).id)
        receiver = net.nodes[1].stats()
    assert got == ids  # every message, in order: none refused and recovered later
    assert receiver["router"]["dropped_rate_limited"] == 0
    # Without the pause the receiver reads all 900 at once and refuses about 500.
    assert receiver["reads_paused"] > 0
