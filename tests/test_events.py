"""The event pump: one wakeup drains a whole batch, on add_reader loops and through the
watcher thread, with a plain eventfd and a fake native queue."""

from __future__ import annotations

import asyncio
import collections
import os
import threading

import pytest
from p2pgossip._events import EventPump

pytestmark = pytest.mark.skipif(not hasattr(os, "eventfd"), reason="needs os.eventfd")


class FakeQueue:
    """A native queue stand-in: push() appends a batch and signals the eventfd once."""

    def __init__(self) -> None:
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.items: collections.deque[int] = collections.deque()
        self.lock = threading.Lock()
        self.drains = 0

    def push(self, batch: list[int]) -> None:
        with self.lock:
            self.items.extend(batch)
        os.eventfd_write(self.fd, 1)

    def drain(self) -> list[int]:
        self.drains += 1
        with self.lock:
            out = list(self.items)
            self.items.clear()
        return out

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def queue():
    q = FakeQueue()
    yield q
    q.close()


async def collect(
    pump_kwargs: dict, q: FakeQueue, batches: list[list[int]]
) -> tuple[list, EventPump]:
    loop = asyncio.get_running_loop()
    got: list[list[int]] = []
    done = asyncio.Event()
    total = sum(len(b) for b in batches)

    def handle(batch):
        got.append(list(batch))
        if sum(len(b) for b in got) == total:
            done.set()

    pump = EventPump(loop, q.fd, q.drain, handle, **pump_kwargs)
    try:
        for b in batches:
            q.push(b)
        await asyncio.wait_for(done.wait(), 10)
    finally:
        pump.close()
    return got, pump


@pytest.mark.parametrize("use_reader", [None, False])
async def test_one_wakeup_drains_a_whole_batch(queue: FakeQueue, use_reader) -> None:
    got, pump = await collect({"use_reader": use_reader}, queue, [list(range(10_000))])
    assert got == [list(range(10_000))]
    assert pump.wakeups == 1
    assert pump.uses_thread is (use_reader is False)


@pytest.mark.parametrize("use_reader", [None, False])
async def test_batches_pushed_from_another_thread_all_arrive_in_order(
    queue: FakeQueue, use_reader
) -> None:
    loop = asyncio.get_running_loop()
    got: list[int] = []
    done = asyncio.Event()

    def handle(batch):
        got.extend(batch)
        if len(got) == 50_000:
            done.set()

    pump = EventPump(loop, queue.fd, queue.drain, handle, use_reader=use_reader)
    producer = threading.Thread(
        target=lambda: [queue.push(list(range(i, i + 100))) for i in range(0, 50_000, 100)]
    )
    producer.start()
    try:
        await asyncio.wait_for(done.wait(), 30)
    finally:
        producer.join()
        pump.close()
    assert got == list(range(50_000))
    assert pump.wakeups <= 500


async def test_a_failing_handler_is_reported_and_the_pump_keeps_going(queue: FakeQueue) -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict] = []
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    seen: list[int] = []
    done = asyncio.Event()

    def handle(batch):
        seen.extend(batch)
        if batch == [1]:
            raise RuntimeError("boom")
        done.set()

    pump = EventPump(loop, queue.fd, queue.drain, handle)
    try:
        queue.push([1])
        while not errors:
            await asyncio.sleep(0)
        queue.push([2])
        await asyncio.wait_for(done.wait(), 10)
    finally:
        pump.close()
        loop.set_exception_handler(None)
    assert seen == [1, 2]
    assert isinstance(errors[0]["exception"], RuntimeError)


async def test_close_joins_the_watcher_thread_and_stops_delivery(queue: FakeQueue) -> None:
    loop = asyncio.get_running_loop()
    before = set(threading.enumerate())
    handled: list = []
    pump = EventPump(loop, queue.fd, queue.drain, handled.append, use_reader=False)
    assert len(set(threading.enumerate()) - before) == 1
    pump.close()
    pump.close()
    assert set(threading.enumerate()) == before
    queue.push([1])
    await asyncio.sleep(0)
    assert handled == []


def test_close_while_the_watcher_wakes_does_not_hang(queue: FakeQueue) -> None:
    """The watcher wakes for an event and clears its 'drained' flag just as close() sets it
    (close() then joins the watcher): the watcher must see the close and leave, not wait for a
    drain nobody will run. The interleaving is forced: the watcher's clear() waits until
    close() has set the flag. Found as a CI hang in the test above."""
    loop = asyncio.new_event_loop()  # never run: nothing drains, as when the loop is blocked
    entered, closing = threading.Event(), threading.Event()

    class Gated(threading.Event):
        def clear(self) -> None:
            if threading.current_thread().name.startswith("p2pgossip-events"):
                entered.set()
                closing.wait(30)
            super().clear()

        def set(self) -> None:
            super().set()
            if pump._closed:
                closing.set()

    pump = EventPump(loop, queue.fd, queue.drain, lambda batch: None, use_reader=False)
    pump._drained = Gated()
    try:
        queue.push([1])
        assert entered.wait(30)
        closer = threading.Thread(target=pump.close)
        closer.start()
        closer.join(30)  # a deadlock guard, not a timing assertion
        assert not closer.is_alive(), "close() hangs joining the watcher"
    finally:
        pump._drained.set()  # let a stuck watcher go, so the interpreter can exit
        loop.close()


async def test_add_reader_required_raises_where_missing(queue: FakeQueue) -> None:
    class NoReaderLoop:
        def add_reader(self, fd, cb):
            raise NotImplementedError

    with pytest.raises(NotImplementedError):
        EventPump(NoReaderLoop(), queue.fd, queue.drain, print, use_reader=True)  # type: ignore[arg-type]


async def test_loops_without_add_reader_fall_back_to_the_thread(queue: FakeQueue) -> None:
    real = asyncio.get_running_loop()

    class ProactorLike:
        """Only what the pump uses, minus add_reader (as Windows' Proactor loop)."""

        def add_reader(self, fd, cb):
            raise NotImplementedError

        def __getattr__(self, name):
            return getattr(real, name)

    got: list[int] = []
    done = asyncio.Event()

    def handle(batch):
        got.extend(batch)
        done.set()

    pump = EventPump(ProactorLike(), queue.fd, queue.drain, handle)  # type: ignore[arg-type]
    try:
        assert pump.uses_thread
        queue.push([7, 8])
        await asyncio.wait_for(done.wait(), 10)
    finally:
        pump.close()
    assert got == [7, 8]


async def test_drain_now_hands_over_without_a_wakeup(queue: FakeQueue) -> None:
    loop = asyncio.get_running_loop()
    got: list[int] = []
    pump = EventPump(loop, queue.fd, queue.drain, got.extend)
    queue.push([1, 2, 3])
    pump.drain_now()
    pump.close()
    assert got == [1, 2, 3]
