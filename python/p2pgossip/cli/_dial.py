"""``node --connect``: dial a peer, redial with backoff until it answers, and again
whenever the connection is lost.

The rules for giving up, so a typo never hangs a terminal forever:
- a peer that answers with another peer id than the address names is an error at once
  (redialing cannot fix a wrong address);
- a peer that never answered within ``timeout`` seconds of the first dial is an error
  (0: redial forever); once it has answered, losing it only means redialing.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

from .._core.crypto import PeerId
from ..node import Node, NodeError
from ._errors import CliError

__all__ = ["Dialer", "parse_connect_addr"]

INITIAL_DELAY = 0.25
MAX_DELAY = 8.0
DIAL_TIMEOUT = 10.0  # one attempt; the runtime's handshake timeout is usually shorter


def parse_connect_addr(addr: str) -> PeerId:
    """The peer id an address ends with; a usage error when it has none."""
    head, sep, tail = addr.rpartition("/p2p/")
    if not sep or not head.startswith("/"):
        raise CliError(
            f"--connect {addr}: needs a multiaddr ending in /p2p/<peer id>, as the other "
            "node prints it (e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...)",
            code=2,
        )
    try:
        return PeerId.parse(tail)
    except ValueError as exc:
        raise CliError(f"--connect {addr}: bad peer id {tail!r}: {exc}", code=2) from None


class Dialer:
    def __init__(
        self,
        node: Node,
        addr: str,
        *,
        timeout: float,
        on_event: Callable[..., Any],
        seed: int | None = None,
    ) -> None:
        self.node = node
        self.addr = addr
        self.peer = parse_connect_addr(addr)
        self.timeout = timeout
        self.attempts = 0
        self.answered = False
        self._emit = on_event
        self._rng = random.Random(seed)

    async def run(self) -> None:
        """Runs until cancelled; raises CliError by the rules above."""
        started = time.monotonic()
        delay = INITIAL_DELAY
        while True:
            if self.peer in self.node.peers():
                await asyncio.sleep(1.0)
                continue
            self.attempts += 1
            try:
                await asyncio.wait_for(self.node.connect(self.addr), DIAL_TIMEOUT)
            except (NodeError, asyncio.TimeoutError) as exc:
                error = str(exc) or "no answer"
                if _wrong_peer(error):
                    raise CliError(
                        f"--connect {self.addr}: the node at that address is not "
                        f"{self.peer} ({error})"
                    ) from None
                waited = time.monotonic() - started
                if not self.answered and self.timeout > 0 and waited >= self.timeout:
                    raise CliError(
                        f"--connect {self.addr}: no answer after {self.attempts} attempts in "
                        f"{waited:.0f} s ({error})"
                    ) from None
                self._emit("dial_failed", addr=self.addr, attempt=self.attempts, error=error)
                # Jittered exponential backoff: nodes started together do not redial in step.
                await asyncio.sleep(delay * (0.5 + self._rng.random()))
                delay = min(delay * 2, MAX_DELAY)
                continue
            self.answered = True
            delay = INITIAL_DELAY


def _wrong_peer(error: str) -> bool:
    e = error.lower()
    return any(
        s in e for s in ("peer id differs", "peer id mismatch", "peer_id_mismatch", "this node")
    )
