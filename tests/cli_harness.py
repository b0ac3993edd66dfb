"""Running the `p2pgossip` command in subprocesses, for the CLI and live-view tests.

Waits poll a condition with a generous deadline (this machine may be busy); nothing
sleeps a fixed time hoping the other side is ready.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

P2PGOSSIP = [sys.executable, "-m", "p2pgossip"]
TIMEOUT = 90.0  # seconds: a loaded 2-core machine starts a node process in a few


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONUNBUFFERED="1")


def run(*args: str, timeout: float = TIMEOUT, **kw: Any) -> subprocess.CompletedProcess[str]:
    kw.setdefault("env", env())
    return subprocess.run(
        [*P2PGOSSIP, *args], capture_output=True, text=True, timeout=timeout, **kw
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(cond: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Cli:
    """A running `p2pgossip ...`; its stdout and stderr lines are collected as they come."""

    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        self.args = args
        self.proc = subprocess.Popen(
            [*P2PGOSSIP, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
            cwd=cwd,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out)),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err)),
        ]
        for t in self._readers:
            t.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def events(self) -> list[dict[str, Any]]:
        """stdout as --json events (every line must parse)."""
        return [json.loads(line) for line in list(self.out)]

    def wait_line(self, predicate: Callable[[str], bool], what: str, stream: str = "out") -> str:
        lines = self.out if stream == "out" else self.err

        def found() -> str | None:
            if self.proc.poll() is not None and not any(predicate(x) for x in lines):
                raise AssertionError(f"exited ({self.proc.returncode}) before {what}: {self}")
            return next((x for x in list(lines) if predicate(x)), None)

        return str(wait_until(found, what))

    def wait_event(self, predicate: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            evs = self.events()
            hit = next((e for e in evs if predicate(e)), None)
            if hit is None and self.proc.poll() is not None:
                raise AssertionError(f"exited ({self.proc.returncode}) before {what}: {self}")
            return hit

        return dict(wait_until(found, what))

    def stop(self, sig: int | None = signal.SIGINT, timeout: float = TIMEOUT) -> int:
        """Send ``sig`` (None: none, it ends by itself) and wait for the exit code."""
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        for t in self._readers:
            t.join(timeout)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        for t in self._readers:
            t.join(TIMEOUT)

    def __str__(self) -> str:
        return (
            f"p2pgossip {' '.join(self.args)}\n--- stdout\n"
            + "\n".join(self.out[-30:])
            + "\n--- stderr\n"
            + "\n".join(self.err[-30:])
        )


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            found.append(int(entry.name))
    return found


def group_nodes(pgid: int) -> list[int]:
    """The `p2pgossip node` processes in the group (an editable install's import may run
    a `cmake --build` child there too)."""
    nodes = []
    for pid in group_members(pgid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"p2pgossip" in argv and b"node" in argv:
            nodes.append(pid)
    return nodes


def kill_group(pgid: int) -> None:
    """Test clean-up only, after a failure: leave nothing running."""
    if group_members(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
