"""The bridge from native event queues to an asyncio loop.

A native thread appends events to a bounded queue and signals a file descriptor (an
eventfd) once per batch. :class:`EventPump` wakes the loop on that descriptor and drains
the whole batch in one callback, so a burst of N events costs one wakeup, not N.

Loops with ``add_reader`` (the default selector loop, uvloop) watch the descriptor
directly. Loops without it (Windows' Proactor) get a watcher thread that waits on the
descriptor with ``select`` and hands over with ``call_soon_threadsafe``; ``close()`` stops
and joins it. No Python code runs on the native I/O thread either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["EventPump"]


def _clear(fd: int) -> None:
    # An eventfd read returns and zeroes the counter; nothing to read is fine (the native
    # side may have cleared it, or a spurious wakeup).
    with contextlib.suppress(BlockingIOError, InterruptedError):
        os.read(fd, 8)


class EventPump:
    """Calls ``handle(batch)`` on the loop for every non-empty ``drain()`` after ``fd``
    becomes readable.

    ``drain()`` returns the events queued so far (a sequence, empty when there are none).
    After a non-empty batch the pump drains again on the next loop iteration rather than
    at once, so a steady stream cannot starve other tasks. ``use_reader=False`` forces the
    watcher thread (tests; loops whose ``add_reader`` is unreliable). An exception from
    ``handle`` goes to the loop's exception handler and the pump keeps running.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        fd: int,
        drain: Callable[[], Sequence[Any]],
        handle: Callable[[Sequence[Any]], None],
        *,
        use_reader: bool | None = None,
    ) -> None:
        self._loop = loop
        self._fd = fd
        self._drain = drain
        self._handle = handle
        self._closed = False
        self._reader = False
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._drained = threading.Event()
        self._pending = False
        self._threaded = False
        self.wakeups = 0
        self.batches = 0
        os.set_blocking(fd, False)
        if use_reader is not False:
            try:
                loop.add_reader(fd, self._on_readable)
                self._reader = True
            except NotImplementedError:
                if use_reader:
                    raise
        if not self._reader:
            self._threaded = True
            self._wake = socket.socketpair()
            self._thread = threading.Thread(
                target=self._watch, name=f"p2pgossip-events-{fd}", daemon=False
            )
            self._thread.start()

    @property
    def uses_thread(self) -> bool:
        """Whether this pump waits in a watcher thread (no add_reader on the loop)."""
        return self._threaded

    def _on_readable(self) -> None:
        if self._closed:
            return
        self.wakeups += 1
        _clear(self._fd)
        self._drained.set()
        self._drain_once()

    def _drain_once(self) -> None:
        self._pending = False
        if self._closed:
            return
        batch = self._drain()
        if not batch:
            return
        self.batches += 1
        try:
            self._handle(batch)
        except Exception as exc:  # the pump must outlive a faulty handler
            self._loop.call_exception_handler(
                {"message": "p2pgossip event handler failed", "exception": exc}
            )
        if not self._pending and not self._closed:
            self._pending = True
            self._loop.call_soon(self._drain_once)

    def _watch(self) -> None:
        assert self._wake is not None
        stop = self._wake[1]
        while True:
            readable, _, _ = select.select([self._fd, stop], [], [])
            if stop in readable:
                return
            self._drained.clear()
            # close() may have set _drained just before the clear: it set _closed first, so
            # look again, or the wait below would outlast the close that joins this thread.
            if self._closed:
                return
            try:
                self._loop.call_soon_threadsafe(self._on_readable)
            except RuntimeError:  # the loop is closed: nobody left to deliver to
                return
            # The descriptor stays readable until the loop clears it; wait for that (or for
            # close) instead of spinning on select.
            self._drained.wait()
            if self._closed:
                return

    def drain_now(self) -> None:
        """Drain synchronously (on the loop), e.g. before closing, to hand over the last
        events without waiting for a wakeup."""
        _clear(self._fd)
        while not self._closed:
            batch = self._drain()
            if not batch:
                return
            self.batches += 1
            self._handle(batch)

    def close(self) -> None:
        """Stop watching; joins the watcher thread. Idempotent. Call on the loop's thread
        (or after the loop stopped)."""
        if self._closed:
            return
        self._closed = True
        if self._reader:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._fd)
            self._reader = False
        if self._thread is not None and self._wake is not None:
            self._wake[0].send(b"x")
            self._drained.set()
            self._thread.join()
            self._thread = None
            for s in self._wake:
                s.close()
            self._wake = None
