"""Bursts and a spammer on real sockets (LocalNetwork, loopback TCP, signed messages), at a
size CI affords (issue 10): with the default configuration a burst published at once reaches
every node; a spammer far over a small budget costs no honest delivery."""

from __future__ import annotations

import asyncio
import random

import p2pgossip as pg


async def test_a_burst_with_the_default_config_reaches_every_node() -> None:
    async with pg.LocalNetwork(20, topology="random-regular:8", seed=1) as net:
        await net.subscribe("blocks")
        rng = random.Random(1)
        await asyncio.gather(
            *(
                net.publish(rng.randrange(20), "blocks", k.to_bytes(4, "big") * 64)
                for k in range(500)
            )
        )
        await net.wait_delivered(timeout=120)
        assert len(net.deliveries()) == 20 * 500
        m = net.metrics()
        assert m["dropped_rate_limited"].sum() == 0
        assert m["dropped_queue_full"].sum() == 0


async def test_a_spammer_at_20x_the_budget_costs_no_honest_delivery() -> None:
    """Node 0 publishes 20x the per-peer budget at once (valid, distinct, signed); the
    others publish as usual meanwhile. Every honest message reaches every node; the
    spammer's neighbours drop what is over budget, and count it."""
    budget = 25  # and 500 spam messages at once
    cfg = pg.GossipConfig(rate_limit_messages_per_s=budget, rate_limit_burst_s=1)
    async with pg.LocalNetwork(10, topology="random-regular:4", seed=3, config=cfg) as net:
        await net.subscribe("t")
        # The spam goes through the node itself: wait_delivered waits for the honest ones.
        spam = net.nodes[0].publish_many("t", [b"spam %d" % k + bytes(200) for k in range(500)])
        honest = [net.publish(1 + k % 9, "t", b"honest %d" % k) for k in range(18)]
        results = await asyncio.gather(spam, *honest)
        honest_ids = set(results[1:])
        await net.wait_delivered(timeout=120)
        d = net.deliveries()
        assert d[d["msg_id"].isin(honest_ids)].groupby("msg_id")["node"].nunique().eq(10).all()
        m = net.metrics()
        neighbours = list(net.topology.neighbors(0))
        assert (m.loc[neighbours, "dropped_rate_limited"] > 0).all()
