"""Drive a py-libp2p node (pylibp2p_node.py) in a subprocess from the test process.

The node speaks JSON lines; a reader thread moves its stdout into a queue so the test waits on
the next event with a bounded timeout instead of sleeping. stderr (py-libp2p's logs) goes to a
file and is quoted in every failure, since that is where py-libp2p explains a refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

NODE_SCRIPT = Path(__file__).with_name("pylibp2p_node.py")

Event = dict[str, Any]


class PyLibp2pNode:
    def __init__(
        self,
        python: Path,
        topic: str,
        log_dir: Path,
        *,
        connect: tuple[str, ...] = (),
        lifetime_s: float = 60.0,
        extra_args: tuple[str, ...] = (),
        log_level: str = "INFO",
    ) -> None:
        args = [str(python), str(NODE_SCRIPT), "--topic", topic, "--lifetime", str(lifetime_s)]
        args += ["--log-level", log_level, *extra_args]
        for addr in connect:
            args += ["--connect", addr]
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"pylibp2p-{id(self):x}.log"
        self._log = self.log_path.open("w")
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True
        )
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="pylibp2p-stdout")
        self._reader.start()
        self.pending: list[Event] = []  # events read while waiting for another kind
        try:
            ready = self.expect("ready")
        except BaseException:
            self.close()
            raise
        self.peer_id: str = ready["peer_id"]
        self.addrs: list[str] = ready["addrs"]

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._events.put(json.loads(line))
        self._events.put(None)  # EOF: the process is gone

    def send(self, **command: Any) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(command) + "\n")
        self._proc.stdin.flush()

    def expect(
        self, event: str, where: Callable[[Event], bool] = lambda e: True, timeout_s: float = 30.0
    ) -> Event:
        """The next event of kind `event` satisfying `where`; others are kept in `pending`.

        An "error" event answering a command fails at once with the node's log.
        """
        for i, e in enumerate(self.pending):
            if e["event"] == event and where(e):
                return self.pending.pop(i)
        while True:
            try:
                e = self._events.get(timeout=timeout_s)
            except queue.Empty:
                raise AssertionError(self._failure(f"no {event!r} within {timeout_s} s")) from None
            if e is None:
                self._events.put(None)
                raise AssertionError(self._failure(f"node exited before {event!r}"))
            if e["event"] == "error":
                raise AssertionError(self._failure(f"node reported {e}"))
            if e["event"] == event and where(e):
                return e
            self.pending.append(e)

    async def ask(self, event: str, timeout_s: float = 60.0, **command: Any) -> Event:
        """Send `command` (if any) and await the next `event`, waiting in a thread: an
        asyncio test's loop must keep running for our node's handlers."""
        if command:
            self.send(**command)
        return await asyncio.to_thread(self.expect, event, timeout_s=timeout_s)

    def messages(self, count: int, where: Callable[[Event], bool] = lambda e: True) -> list[Event]:
        return [self.expect("message", where) for _ in range(count)]

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.log().splitlines()[-40:])
        return f"py-libp2p node {what}; pending events {self.pending}; log tail:\n{tail}"

    def close(self) -> int:
        """Close stdin (the node's signal to stop) and reap it; returns the exit code."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # the node may have exited already
                self._proc.stdin.close()
        try:
            code = self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            code = self._proc.wait()
        self._reader.join()
        self._log.close()
        return code

    def __enter__(self) -> PyLibp2pNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
