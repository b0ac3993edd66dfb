"""A blocking facade over :class:`p2pgossip.Node` for scripts and notebooks without asyncio.

Each ``sync.Node`` runs its own event loop in a background thread (not a daemon) and
forwards every call to it. ``close()`` (or leaving a ``with`` block) closes the node and
joins that thread; a script that forgets to close still exits promptly, because the node is
closed by an exit hook that runs before Python waits for its threads.

    from p2pgossip import sync
    with sync.Node() as a, sync.Node() as b:
        a.connect(b.addrs[0])
        sub = b.subscribe("t")
        a.publish("t", b"hi")
        print(sub.get(timeout=5).data)
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from . import node as _anode
from ._core.crypto import PeerId

__all__ = ["Node", "Subscription"]

T = TypeVar("T")


def _register_exit(obj: Node) -> None:
    ref = weakref.ref(obj)

    def close() -> None:
        n = ref()
        if n is not None:
            n.close()

    # threading's exit hooks run before non-daemon threads are joined (atexit runs after).
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(close)
    else:  # pragma: no cover - every CPython >= 3.9 has it
        import atexit

        atexit.register(close)


class Subscription:
    """Blocking reads of an asyncio Subscription."""

    def __init__(self, owner: Node, sub: _anode.Subscription) -> None:
        self._owner = owner
        self._sub = sub

    @property
    def dropped(self) -> int:
        return self._sub.dropped

    def get(self, timeout: float | None = None) -> _anode.Received:
        """The next message; TimeoutError after ``timeout`` s, StopIteration once closed."""

        async def get() -> _anode.Received:
            try:
                return await asyncio.wait_for(self._sub.get(), timeout)
            except StopAsyncIteration:
                raise StopIteration from None

        return self._owner._call(get())

    def __iter__(self) -> Subscription:
        return self

    def __next__(self) -> _anode.Received:
        return self.get()

    def close(self) -> None:
        self._owner._call(self._sub.close())


class Node:
    """``p2pgossip.Node`` with blocking methods; takes the same arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="p2pgossip-sync-loop", daemon=False
        )
        self._thread.start()
        self._closed = False

        async def start() -> _anode.Node:
            return await _anode.Node(*args, **kwargs).start()

        try:
            self._node = self._call(start())
        except BaseException:
            self._stop_loop()
            raise
        _register_exit(self)

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise _anode.NodeError("node is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _run(self, fn: Any, *args: Any) -> Any:
        async def run() -> Any:
            return fn(*args)

        return self._call(run())

    @property
    def peer_id(self) -> PeerId:
        return self._node.peer_id

    @property
    def addrs(self) -> list[str]:
        return self._node.addrs

    def peers(self) -> list[PeerId]:
        return self._run(self._node.peers)

    def connect(self, addr: str) -> None:
        self._call(self._node.connect(addr))

    def publish(self, topic: str, data: bytes, *, require_peers: bool = False) -> str:
        return self._call(self._node.publish(topic, data, require_peers=require_peers))

    def publish_many(self, topic: str, data: Iterable[bytes]) -> list[str]:
        return self._call(self._node.publish_many(topic, list(data)))

    def subscribe(self, topic: str, **kw: Any) -> Subscription:
        return Subscription(self, self._run(lambda: self._node.subscribe(topic, **kw)))

    def set_validator(self, topic: str, fn: _anode.Validator | None) -> None:
        """As Node.set_validator; ``fn`` runs on this node's loop thread."""
        self._run(self._node.set_validator, topic, fn)

    def set_app_score(self, peer: PeerId, value: float) -> None:
        self._run(self._node.set_app_score, peer, value)

    def stats(self) -> dict[str, Any]:
        return self._run(self._node.stats)

    def metrics_text(self) -> str:
        return self._run(self._node.metrics_text)

    @property
    def metrics_url(self) -> str | None:
        """Served by the runtime's I/O thread (``metrics_port=``), not by this loop."""
        return self._node.metrics_url

    def close(self) -> None:
        """Close the node and join its loop thread. Idempotent."""
        if self._closed:
            return
        try:
            self._call(self._node.close())
        finally:
            self._closed = True
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
