"""Application validators slower than the network (issue 10: limits that protect without
losing messages). A node holds at most ``max_pending_validations`` messages for its
validators: past half of it its connections stop reading, so TCP and yamux push back to the
senders; at it a message is refused before it is marked seen and asked for again by IWANT.
Refused after being marked seen, as before, it was lost for good (a 10-node burst of 12,000
messages through a 100 ms validator lost 21,571 deliveries)."""

from __future__ import annotations

import asyncio
import collections

import p2pgossip as pg
import pytest
from p2pgossip.node import ValidationResult

TIMEOUT = 30.0


async def held_back(node: pg.Node, n: int) -> None:
    """Until `n` messages wait for the node's validators (running or in line)."""
    while node._validation.running + len(node._validation.backlog) < n:
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("messages", "size", "pending"),
    [
        # A read brings 8 at most: the pause at 32 (half, as the queue is small) comes before
        # the queue is full.
        (300, 4096, 64),
        # One read brings them all: 12 are refused unseen, then asked for again by IWANT at
        # the next heartbeats, as many as the queue then takes (the sender's mcache holds
        # them mcache_len heartbeats: a queue this small recovers that many times its size).
        (20, 16, 8),
    ],
    ids=["paused", "refused"],
)
async def test_a_validator_backlog_loses_nothing(messages: int, size: int, pending: int) -> None:
    gate = asyncio.Event()

    async def held(msg):
        await gate.wait()
        return ValidationResult.ACCEPT

    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt, limits=pg.NodeLimits(max_pending_validations=pending)).start()
        b = await pg.Node(runtime=rt).start()
        await a.connect(b.addrs[0])
        a.set_validator("t", held)
        async with a.subscribe("t", maxsize=messages) as sub, b.subscribe("t"):
            while b.stats()["mesh_sizes"].get("t", 0) == 0:
                await asyncio.sleep(0.01)
            data = [k.to_bytes(4, "big") * (size // 4) for k in range(messages)]
            ids = await b.publish_many("t", data)
            await asyncio.wait_for(held_back(a, pending // 2), TIMEOUT)
            gate.set()
            got = [(await asyncio.wait_for(sub.get(), TIMEOUT)).id for _ in ids]
        r = a.stats()
    assert sorted(got) == sorted(ids)
    assert r["router"]["dropped_ignored"] == 0
    if size == 4096:
        assert got == ids  # nothing refused: in order
        assert r["reads_paused"] > 0 and r["router"]["dropped_validation_full"] == 0
    else:
        assert r["router"]["dropped_validation_full"] >= messages - pending


async def test_a_stuck_validator_does_not_stop_the_node_reading() -> None:
    # Validators that answer nothing for Host::kValidationStall (5 s) are taken to be stuck:
    # the node reads again, so a topic without a validator (and pings, and control) still
    # flows; the validated messages the full queue cannot take are refused unseen.
    stuck = asyncio.Event()

    async def never(msg):
        await stuck.wait()
        return ValidationResult.ACCEPT

    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt, limits=pg.NodeLimits(max_pending_validations=64)).start()
        b = await pg.Node(runtime=rt).start()
        await a.connect(b.addrs[0])
        a.set_validator("t", never)
        async with a.subscribe("t"), a.subscribe("u") as other, b.subscribe("t"), b.subscribe("u"):
            while len(b.stats()["mesh_sizes"]) < 2:
                await asyncio.sleep(0.01)
            await b.publish_many("t", [k.to_bytes(4, "big") * 1024 for k in range(300)])
            await asyncio.wait_for(held_back(a, 32), TIMEOUT)
            mid = await b.publish("u", b"not validated")
            assert (await asyncio.wait_for(other.get(), TIMEOUT)).id == mid
        r = a.stats()
    assert r["reads_paused"] > 0 and r["router"]["dropped_validation_full"] > 0


async def test_the_queue_is_used_before_the_senders_outbox() -> None:
    # Reads pause only once the queue has less room than a read may bring (512 messages):
    # paused at half, 1,024 here, the rest of a burst waited in the sender's outbox, bounded
    # per peer, which refused what it could not hold (a 5,000-message burst of 1 KB through a
    # 0.5 s validator delivered 3,577). The validator answers one message every 50 ms until
    # released, so it is slow, not stuck (stuck, the node would read on after 5 s).
    waiting: collections.deque[asyncio.Future[None]] = collections.deque()
    released = False

    async def slow(msg):
        if not released:
            f = asyncio.get_running_loop().create_future()
            waiting.append(f)
            await f
        return ValidationResult.ACCEPT

    async def trickle() -> None:
        while True:
            await asyncio.sleep(0.05)
            if waiting:
                waiting.popleft().set_result(None)

    pending, messages = 2048, 1700  # 1.7 MB: within the sender's outbox (2 MiB a peer)
    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt, limits=pg.NodeLimits(max_pending_validations=pending)).start()
        b = await pg.Node(runtime=rt).start()
        await a.connect(b.addrs[0])
        a.set_validator("t", slow)
        async with a.subscribe("t", maxsize=messages) as sub, b.subscribe("t"):
            while b.stats()["mesh_sizes"].get("t", 0) == 0:
                await asyncio.sleep(0.01)
            data = [k.to_bytes(4, "big") * 256 for k in range(messages)]
            answering = asyncio.ensure_future(trickle())
            ids = await b.publish_many("t", data)
            await asyncio.wait_for(held_back(a, pending - 512), TIMEOUT)
            answering.cancel()
            released = True
            while waiting:
                waiting.popleft().set_result(None)
            got = [(await asyncio.wait_for(sub.get(), TIMEOUT)).id for _ in ids]
        r = a.stats()
    assert got == ids
    assert r["reads_paused"] > 0 and r["router"]["dropped_validation_full"] == 0
