"""A node's application validators: each received message on a validated topic waits for
``fn(msg)`` (sync or async) before the router delivers or forwards it. At most
``concurrency`` async validations run at once; the rest wait in order. A validator that
raises or returns something other than a ValidationResult counts as an error, is logged,
and the message is IGNOREd: dropped without penalising the peer that sent it, since the
fault is ours."""

from __future__ import annotations

import asyncio
import collections
import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from . import _log
from .subscription import Received, ValidationResult, Validator

if TYPE_CHECKING:
    from .node import Node


class Validation:
    def __init__(self, node: Node, concurrency: int) -> None:
        self._node = node
        self._limit = concurrency
        self._validators: dict[str, Validator] = {}
        self.running = 0  # async validations under way
        self.backlog: collections.deque[tuple[int, Received]] = collections.deque()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors = 0

    def set(self, topic: str, fn: Validator | None) -> None:
        if fn is None:
            self._validators.pop(topic, None)
        else:
            self._validators[topic] = fn

    def received(self, token: int, msg: Received) -> None:
        if self.running >= self._limit:
            self.backlog.append((token, msg))
            return
        self._run(token, msg)

    def cancel(self) -> None:
        for t in list(self._tasks):
            t.cancel()

    def _run(self, token: int, msg: Received) -> None:
        fn = self._validators.get(msg.topic)
        if fn is None:
            self._answer(token, ValidationResult.ACCEPT)
            return
        try:
            result = fn(msg)
        except Exception as exc:
            self._failed(msg, exc)
            self._answer(token, ValidationResult.IGNORE)
            return
        if inspect.isawaitable(result):
            self.running += 1
            task = asyncio.ensure_future(self._await(token, msg, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self._answer_checked(token, msg, result)

    async def _await(self, token: int, msg: Received, pending: Awaitable[Any]) -> None:
        try:
            result = await pending
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(msg, exc)
            result = ValidationResult.IGNORE
        finally:
            self.running -= 1
        self._answer_checked(token, msg, result)
        while self.backlog and self.running < self._limit:
            self._run(*self.backlog.popleft())

    def _answer_checked(self, token: int, msg: Received, result: Any) -> None:
        if not isinstance(result, ValidationResult):
            self._failed(msg, TypeError(f"validator returned {result!r}"))
            result = ValidationResult.IGNORE
        self._answer(token, result)

    def _answer(self, token: int, result: ValidationResult) -> None:
        node = self._node
        if not node._closed and node._id is not None:
            node._runtime._core.validation_result(node._id, token, result.value)

    def _failed(self, msg: Received, exc: BaseException) -> None:
        self.errors += 1
        node = self._node
        node._count_app_drop("validator_error")
        _log.logger.error(
            "validator failed on topic %s: %r",
            msg.topic,
            exc,
            exc_info=exc,
            extra={"node": str(node.peer_id), "topic": msg.topic, "reason": "validator_error"},
        )
