"""LocalNetwork books deliveries natively (issue 10, part 3): no Python event per delivery
unless something reads message by message, while subscriptions and listeners keep working."""

from __future__ import annotations

import asyncio
from collections import Counter

import p2pgossip as pg

TIMEOUT = 30.0


def count_event_kinds(net: pg.LocalNetwork) -> Counter[str]:
    """Counts the kinds of events the network's runtime hands to Python from now on."""
    kinds: Counter[str] = Counter()
    rt = net._rt()
    dispatch = rt._dispatch

    def counting(batch: list) -> None:
        kinds.update(ev[0] for ev in batch)
        dispatch(batch)

    assert rt._pump is not None
    rt._pump._handle = counting
    return kinds


async def test_a_burst_nobody_reads_reaches_python_as_batches_not_deliveries() -> None:
    async with pg.LocalNetwork(6, topology="random-regular:3", seed=3) as net:
        await net.subscribe("t")
        kinds = count_event_kinds(net)
        ids = await asyncio.gather(*(net.publish(k % 6, "t", b"m%d" % k) for k in range(60)))
        await net.wait_delivered(timeout=TIMEOUT)
        d = net.deliveries()
        assert len(d) == 360 and set(d["msg_id"]) == set(ids)
        assert d.groupby("msg_id", observed=True)["node"].nunique().eq(6).all()
        assert kinds["delivered"] == 0
        assert 0 < kinds["logged"] < 360


async def test_subscriptions_keep_the_latest_messages_until_read() -> None:
    async with pg.LocalNetwork(3, topology="full", subscription_maxsize=4) as net:
        await net.subscribe("t")
        ids = [await net.publish(0, "t", b"m%d" % k) for k in range(10)]
        await net.wait_delivered(timeout=TIMEOUT)
        sub = net.subscriptions[2]["t"]
        assert sub.qsize() == 4 and sub.dropped == 6 and sub.delivered == 10
        assert [m.id for m in sub.get_batch()] == ids[-4:]
        waiting = asyncio.ensure_future(sub.get())  # woken by the mailbox, not by polling
        await asyncio.sleep(0)
        late = await net.publish(1, "t", b"late")
        assert (await asyncio.wait_for(waiting, TIMEOUT)).id == late


async def test_node_subscriptions_and_listeners_still_see_every_message() -> None:
    async with pg.LocalNetwork(3, topology="full") as net:
        await net.subscribe("t")
        heard: list[str] = []
        remove = net.nodes[1].on_delivery(lambda m: heard.append(m.id))
        async with net.nodes[2].subscribe("t") as sub:
            ids = [await net.publish(0, "t", b"m%d" % k) for k in range(5)]
            got = [(await asyncio.wait_for(sub.get(), TIMEOUT)).id for _ in ids]
            await net.wait_delivered(timeout=TIMEOUT)
        assert got == ids
        assert heard == ids
        remove()
        kinds = count_event_kinds(net)
        await net.publish(0, "t", b"unread")
        await net.wait_delivered(timeout=TIMEOUT)
        assert kinds["delivered"] == 0  # neither the closed subscription nor the listener
