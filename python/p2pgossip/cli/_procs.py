"""Child processes that cannot outlive the command that started them.

The supervisor (``cluster``) puts all its children in one new process group, so one
``killpg`` reaches every one of them, whatever state each is in. A child also asks the
kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``), which covers the one exit
the supervisor cannot clean up after: being killed with SIGKILL. The child does that
itself, first thing after start (``die_with_parent``), rather than in a ``preexec_fn``,
which is unsafe in a process with threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Sequence

__all__ = ["PARENT_ENV", "ProcessGroup", "die_with_parent"]

PARENT_ENV = "P2PGOSSIP_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child started by ``ProcessGroup``: exit with the parent, even a SIGKILLed one.
    A no-op elsewhere (no ``P2PGOSSIP_PARENT_PID``) and where prctl does not exist."""
    parent = os.environ.get(PARENT_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before prctl took effect: then we were re-parented.
    if os.getppid() != int(parent):
        os._exit(1)


class ProcessGroup:
    """Processes started with ``spawn`` share one new process group (the first one's
    pid); ``terminate`` and ``kill`` signal all of them at once."""

    def __init__(self) -> None:
        self.pgid: int | None = None
        self.procs: list[asyncio.subprocess.Process] = []

    async def spawn(self, argv: Sequence[str]) -> asyncio.subprocess.Process:
        env = dict(os.environ, **{PARENT_ENV: str(os.getpid())})
        env.setdefault("PYTHONUNBUFFERED", "1")
        group = 0 if self.pgid is None else self.pgid
        kwargs: dict[str, object] = {}
        if sys.version_info >= (3, 11):
            kwargs["process_group"] = group
        else:  # pragma: no cover - Python 3.10
            kwargs["preexec_fn"] = lambda: os.setpgid(0, group)
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=1 << 22,  # a line: a node's stats event lists every peer it has
            **kwargs,  # type: ignore[arg-type]
        )
        if self.pgid is None:
            self.pgid = proc.pid
        self.procs.append(proc)
        return proc

    def signal(self, sig: int) -> None:
        alive = [p for p in self.procs if p.returncode is None]
        # While a child is unreaped the group exists, so its id names no one else's group.
        if self.pgid is not None and alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, sig)
        for p in alive:  # a child that left the group (none should) is still ours to stop
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(sig)

    async def wait(self, timeout: float) -> bool:
        """True when every child has exited within ``timeout`` seconds."""
        pending = [p.wait() for p in self.procs if p.returncode is None]
        if not pending:
            return True
        try:
            await asyncio.wait_for(asyncio.gather(*pending), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (each child closes cleanly and prints its summary), then SIGKILL for
        whatever is left after ``grace`` seconds."""
        self.signal(signal.SIGTERM)
        if not await self.wait(grace):
            self.signal(signal.SIGKILL)
            await self.wait(5.0)

    def kill_now(self) -> None:
        """For exit paths that cannot await (an exception unwinding)."""
        self.signal(signal.SIGKILL)
