"""Application validators slower than the network (issue 10: limits that protect without
losing messages), end to end over loopback. A node holds at most ``max_pending_validations``
messages for its validators: once it has less room than a read may bring (512, or half a
smaller queue) its connections stop reading, so TCP and yamux push back to the senders; at
it a message is refused before it is marked seen and asked for again by IWANT (the router's
part: tests/test_router_validation.py). Refused after being marked seen, as before, it was
lost for good (a 10-node burst of 12,000 messages through a 100 ms validator lost 21,571
deliveries). Waiting is on events; the one clock is the slow validator's own pace."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator

import p2pgossip as pg
import pytest
from p2pgossip.node import ValidationResult

TIMEOUT = 30.0


class Held:
    """A validator that holds every message until released, and tells when `n` are held.
    Run with validation_concurrency as large as the node's queue, every message waiting for
    validation is held here, so the count is the queue's."""

    def __init__(self) -> None:
        self.waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self.released = False
        self._want = 0
        self._reached = asyncio.Event()

    async def __call__(self, msg: pg.Received) -> ValidationResult:
        if not self.released:
            f = asyncio.get_running_loop().create_future()
            self.waiting.append(f)
            if len(self.waiting) >= self._want:
                self._reached.set()
            await f
        return ValidationResult.ACCEPT

    async def holding(self, n: int) -> None:
        self._want = n
        if len(self.waiting) < n:
            self._reached.clear()
            await asyncio.wait_for(self._reached.wait(), TIMEOUT)

    def answer_one(self) -> None:
        if self.waiting:
            self.waiting.popleft().set_result(None)

    def release(self) -> None:
        self.released = True
        while self.waiting:
            self.answer_one()


@contextlib.asynccontextmanager
async def validated_pair(pending: int, held: Held) -> AsyncIterator[tuple[pg.Node, pg.Node]]:
    """Node a, validating topic "t" with `held` (a queue of `pending`, as many validations at
    once), connected to node b."""
    async with pg.Runtime() as rt:
        limits = pg.NodeLimits(max_pending_validations=pending)
        a = await pg.Node(runtime=rt, limits=limits, validation_concurrency=pending).start()
        b = await pg.Node(runtime=rt).start()
        await a.connect(b.addrs[0])
        a.set_validator("t", held)
        yield a, b


def burst(messages: int, size: int) -> list[bytes]:
    return [k.to_bytes(4, "big") * (size // 4) for k in range(messages)]


@pytest.mark.parametrize(
    ("messages", "size", "pending"),
    [
        # A read brings 8 at most: the pause at 32 (half, as the queue is small) comes before
        # the queue is full.
        (300, 4096, 64),
        # Reads may bring them all at once: what the queue cannot take is refused unseen and
        # asked for again by IWANT at the next heartbeats (the sender's mcache holds them
        # mcache_len heartbeats: a queue this small recovers that many times its size). How
        # many come in the read that fills it is the scheduler's; the router's test counts
        # the refusals exactly. Before the queue was released, one way or the other held
        # back the 12 it could not take.
        (20, 16, 8),
    ],
    ids=["paused", "refused"],
)
async def test_a_validator_backlog_loses_nothing(messages: int, size: int, pending: int) -> None:
    held = Held()
    async with validated_pair(pending, held) as (a, b):
        async with a.subscribe("t", maxsize=messages) as sub, b.subscribe("t"):
            await b.wait_for_mesh("t", timeout=TIMEOUT)
            ids = await b.publish_many("t", burst(messages, size))
            await held.holding(pending // 2)
            held.release()
            got = [(await asyncio.wait_for(sub.get(), TIMEOUT)).id for _ in ids]
        r = a.stats()
    assert sorted(got) == sorted(ids)
    assert r["router"]["dropped_ignored"] == 0
    if size == 4096:
        assert got == ids  # nothing refused: in order
        assert r["reads_paused"] > 0 and r["router"]["dropped_validation_full"] == 0
    else:
        assert r["reads_paused"] + r["router"]["dropped_validation_full"] > 0


async def test_a_stuck_validator_does_not_stop_the_node_reading() -> None:
    # Validators that answer nothing for Host::kValidationStall (5 s) are taken to be stuck:
    # the node reads again, so a topic without a validator (and pings, and control) still
    # flows; the validated messages the full queue cannot take are refused unseen.
    held = Held()
    async with validated_pair(64, held) as (a, b):
        async with a.subscribe("t"), a.subscribe("u") as other, b.subscribe("t"), b.subscribe("u"):
            await b.wait_for_mesh("t", timeout=TIMEOUT)
            await b.wait_for_mesh("u", timeout=TIMEOUT)
            await b.publish_many("t", burst(300, 4096))
            await held.holding(32)
            mid = await b.publish("u", b"not validated")
            assert (await asyncio.wait_for(other.get(), TIMEOUT)).id == mid
        r = a.stats()
        held.release()
    assert r["reads_paused"] > 0 and r["router"]["dropped_validation_full"] > 0


async def test_the_queue_is_used_before_the_senders_outbox() -> None:
    # Reads pause only once the queue has less room than a read may bring (512 messages):
    # paused at half, 1,024 here, the rest of a burst waited in the sender's outbox, bounded
    # per peer, which refused what it could not hold (a 5,000-message burst of 1 KB through a
    # 0.5 s validator delivered 3,577). The validator answers one message every 50 ms, so it
    # is slow, not stuck (stuck, the node reads on after 5 s and the queue fills anyway).
    held = Held()

    async def slow_validator() -> None:
        while True:
            await asyncio.sleep(0.05)  # the validator's pace: the host's stall rule is in time
            held.answer_one()

    pending, messages = 2048, 1700  # 1.7 MB: within the sender's outbox (2 MiB a peer)
    async with validated_pair(pending, held) as (a, b):
        async with a.subscribe("t", maxsize=messages) as sub, b.subscribe("t"):
            await b.wait_for_mesh("t", timeout=TIMEOUT)
            answering = asyncio.ensure_future(slow_validator())
            ids = await b.publish_many("t", burst(messages, 1024))
            try:
                await held.holding(pending - 512)
            finally:
                answering.cancel()
            held.release()
            got = [(await asyncio.wait_for(sub.get(), TIMEOUT)).id for _ in ids]
        r = a.stats()
    assert got == ids
    assert r["reads_paused"] > 0 and r["router"]["dropped_validation_full"] == 0
