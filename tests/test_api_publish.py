"""The fast publish paths (publish_many, publish_nowait): messages signed on the caller's
thread and built into the router's Message on the I/O thread, handed over in chunks, with
their order, ids, signatures and refusals as if each had been published on its own."""

from __future__ import annotations

import asyncio

import p2pgossip as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip.node import NodeError

TIMEOUT = 20


async def received(sub: pg.Subscription, n: int) -> list[pg.Received]:
    return [await asyncio.wait_for(sub.get(), TIMEOUT) for _ in range(n)]


async def test_a_large_publish_many_is_every_message_signed_in_order() -> None:
    # 300 messages: chunks of 128, 128 and 28, then the last 16 on their own
    async with pg.Node() as node:
        sub = node.subscribe("t", maxsize=1000)
        data = [b"m%d" % i for i in range(300)]
        ids = await node.publish_many("t", data)
        got = await received(sub, 300)
        assert [m.id for m in got] == ids and [m.data for m in got] == data
        assert all(m.message.verify() for m in got)
        assert {m.from_peer for m in got} == {node.peer_id}
        seqnos = [m.seqno for m in got]
        assert seqnos == list(range(seqnos[0], seqnos[0] + 300))
        assert [m.message.id().hex() for m in got] == ids
        assert node.stats()["router"]["messages_published"] == 300


async def test_from_seqno_ids_and_unsigned_messages_on_the_fast_paths() -> None:
    async with pg.Node(message_id="from-seqno") as node:
        sub = node.subscribe("t")
        ids = [node.publish_nowait("t", b"a"), *await node.publish_many("t", [b"b", b"c"])]
        got = await received(sub, 3)
        assert [m.id for m in got] == ids
        assert ids == [(m.message.from_ + m.message.seqno).hex() for m in got]
    unsigned = pg.GossipConfig(signature_policy=pg.SignaturePolicy.StrictNoSign)
    async with pg.Node(config=unsigned) as node:
        sub = node.subscribe("t")
        ids = [node.publish_nowait("t", b"a"), *await node.publish_many("t", [b"b"])]
        got = await received(sub, 2)
        assert [m.id for m in got] == ids
        assert all(m.message.from_ is None and m.message.seqno is None for m in got)
        assert all(m.message.signature is None for m in got)
        assert all(m.message.verify(pg.SignaturePolicy.StrictNoSign) for m in got)


async def test_publish_nowait_keeps_call_order_across_topics() -> None:
    # Single publishes join the queue's last batch only when it has their topic.
    async with pg.Node() as node:
        order: list[tuple[str, str]] = []
        node.on_delivery(lambda m: order.append((m.topic, m.id)))
        subs = {t: node.subscribe(t) for t in "ab"}
        await node.publish("a", b"sync")
        topics = "aababbba"
        ids = [node.publish_nowait(t, b"%d" % i) for i, t in enumerate(topics)]
        for t, sub in subs.items():
            await received(sub, topics.count(t) + (t == "a"))
        assert order[1:] == list(zip(topics, ids, strict=True))


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(0, 300), min_size=1, max_size=4))
def test_any_batch_sizes_route_every_message_once_in_order(sizes: list[int]) -> None:
    async def run() -> None:
        unsigned = pg.GossipConfig(signature_policy=pg.SignaturePolicy.StrictNoSign)
        async with pg.Node(config=unsigned) as node:
            sub = node.subscribe("t", maxsize=2000)
            ids: list[str] = []
            for k, n in enumerate(sizes):
                ids += await node.publish_many("t", [b"%d.%d" % (k, i) for i in range(n)])
            got = await received(sub, len(ids))
            assert [m.id for m in got] == ids
            assert node.stats()["router"]["messages_published"] == len(ids)

    asyncio.run(run())


async def test_messages_waiting_for_the_router_are_released_once_routed() -> None:
    # The bound on waiting messages (65,536) counts each message until its router took it:
    # publishing more than that in total, waiting between rounds, is never refused.
    unsigned = pg.GossipConfig(signature_policy=pg.SignaturePolicy.StrictNoSign)
    async with pg.Node(config=unsigned) as node:
        for r in range(4):
            for i in range(10_000):
                node.publish_nowait("t", b"n%d.%d" % (r, i))
            await node.publish_many("t", [b"m%d.%d" % (r, i) for i in range(10_000)])
        assert node.stats()["router"]["messages_published"] == 80_000
        assert node.stats()["drops"]["publish_failed"] == 0


async def test_the_fast_paths_take_any_buffer_and_refuse_other_data() -> None:
    async with pg.Node() as node:
        sub = node.subscribe("t")
        node.publish_nowait("t", memoryview(b"view"))
        node.publish_nowait("t", bytearray(b"array"))
        await node.publish_many("t", [memoryview(b"many view")])
        assert [m.data for m in await received(sub, 3)] == [b"view", b"array", b"many view"]
        with pytest.raises(TypeError):
            node.publish_nowait("t", 5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await node.publish_many("t", [b"ok", 5])  # type: ignore[list-item]
        assert node.stats()["router"]["messages_published"] == 3
    with pytest.raises(NodeError, match="closed"):
        node.publish_nowait("t", b"x")
