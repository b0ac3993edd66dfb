"""What a node's application reads: subscriptions, received messages and validation."""

from __future__ import annotations

import asyncio
import collections
import enum
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from ._core.crypto import PeerId
from ._core.host import Message
from ._core.runtime import Mailbox

if TYPE_CHECKING:
    from .node import Node

__all__ = ["Overflow", "Received", "Subscription", "ValidationResult", "Validator"]

Overflow = Literal["drop_oldest", "drop_newest"]


class ValidationResult(enum.Enum):
    ACCEPT = "accept"
    REJECT = "reject"  # invalid: dropped, and the sender's score is penalised
    IGNORE = "ignore"  # not forwarded, no penalty


Validator = Callable[["Received"], "ValidationResult | Awaitable[ValidationResult]"]


class Received:
    """A message delivered to a subscription (or handed to a validator).

    ``id`` is the message id in hex (as ``publish`` returns it); ``from_peer`` the author,
    ``received_from`` the neighbour it arrived from (None for the node's own publish),
    ``received_at`` the ``time.monotonic()`` of its arrival at the I/O thread.
    """

    __slots__ = ("_message", "_id", "_received_from", "received_at")

    def __init__(self, message: Message, mid: bytes, received_from: bytes, received_at_ns: int):
        self._message = message
        self._id = mid
        self._received_from = received_from
        self.received_at = received_at_ns / 1e9

    @property
    def message(self) -> Message:
        return self._message

    @property
    def data(self) -> bytes:
        return self._message.data or b""

    @property
    def topic(self) -> str:
        return self._message.topic

    @property
    def id(self) -> str:
        return self._id.hex()

    @property
    def from_peer(self) -> PeerId | None:
        f = self._message.from_
        return PeerId.from_bytes(f) if f else None

    @property
    def seqno(self) -> int | None:
        s = self._message.seqno
        return int.from_bytes(s, "big") if s else None

    @property
    def received_from(self) -> PeerId | None:
        return PeerId.from_bytes(self._received_from) if self._received_from else None

    def __repr__(self) -> str:
        return f"Received(topic={self.topic!r}, id={self.id}, {len(self.data)} B)"


class Subscription:
    """Messages of one topic at one node, in arrival order.

    The queue holds at most ``maxsize`` messages; when it is full a new message either
    evicts the oldest (``overflow='drop_oldest'``, the default: a slow reader sees the
    latest traffic) or is itself dropped (``'drop_newest'``). ``dropped`` counts both. The
    network is never slowed down for a slow reader. Iteration ends when the subscription
    or its node is closed.
    """

    def __init__(
        self,
        node: Node,
        topic: str,
        maxsize: int,
        overflow: Overflow,
        mailbox: Mailbox | None = None,
    ) -> None:
        self.check(maxsize, overflow)
        self.node = node
        self.topic = topic
        self.maxsize = maxsize
        self.overflow: Overflow = overflow
        self._dropped = 0
        self._delivered = 0
        self._queue: collections.deque[Received] = collections.deque()
        # Where messages wait natively until read (Node._subscribe(native=True)); its
        # overflow policy and counts are this subscription's, applied before Python.
        self._mailbox = mailbox
        self._drop_reason = f"subscription:{topic}"
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    @staticmethod
    def check(maxsize: int, overflow: str) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        if overflow not in ("drop_oldest", "drop_newest"):
            raise ValueError("overflow must be 'drop_oldest' or 'drop_newest'")

    @property
    def dropped(self) -> int:
        box = self._mailbox
        return self._dropped + (box.dropped if box is not None else 0)

    @property
    def delivered(self) -> int:
        box = self._mailbox
        return self._delivered + (box.delivered if box is not None else 0)

    def _keep(self, msg: Received) -> bool:
        if len(self._queue) >= self.maxsize:
            self._dropped += 1
            self.node._count_app_drop(self._drop_reason)
            if self.overflow == "drop_newest":
                return False
            self._queue.popleft()
        self._queue.append(msg)
        return True

    def _put(self, msg: Received) -> None:
        if self._keep(msg):
            self._delivered += 1
            self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _refill(self) -> None:
        """Moves what waits in the mailbox (counted there already) into the queue."""
        box = self._mailbox
        if box is not None and box.size():
            for message, mid, received_from, at in box.take(self.maxsize):
                self._keep(Received(message, mid, received_from, at))

    def qsize(self) -> int:
        self._refill()
        return len(self._queue)

    def get_nowait(self) -> Received:
        """The next queued message; raises ``asyncio.QueueEmpty`` when there is none."""
        if not self._queue:
            self._refill()
            if not self._queue:
                raise asyncio.QueueEmpty
        return self._queue.popleft()

    def get_batch(self, max_items: int | None = None) -> list[Received]:
        """Every queued message (at most ``max_items``) without waiting."""
        self._refill()
        q = self._queue
        n = len(q) if max_items is None else min(max_items, len(q))
        return [q.popleft() for _ in range(n)]

    async def get(self) -> Received:
        """Wait for the next message; raises ``StopAsyncIteration`` once closed and empty."""
        while True:
            self._refill()
            if self._queue:
                return self._queue.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                # A mailbox wakes us once it holds something (armed here; false: it does).
                if self._mailbox is None or self._mailbox.wait():
                    await self._waiter
            finally:
                self._waiter = None

    def __aiter__(self) -> AsyncIterator[Received]:
        return self

    async def __anext__(self) -> Received:
        if self._queue:
            return self._queue.popleft()
        return await self.get()

    @property
    def closed(self) -> bool:
        return self._closed

    def _end(self) -> None:
        self._closed = True
        self._wake()

    async def close(self) -> None:
        """Stop receiving; queued messages can still be read. Unsubscribes the node from
        the topic when this was its last subscription there."""
        if self._closed:
            return
        self._end()
        await self.node._unsubscribe(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
