"""The network as one observer sees it: the model behind the live view.

A ``NetworkView`` is fed the ``stats`` and ``message`` events of the nodes it observes
(one node in ``p2pgossip node``, every node in ``cluster``) and turns them into the JSON
the page draws. It needs no web framework, so it is tested on its own. The stream's
messages (see ``schema.json`` beside this file):

- ``snapshot`` (about once a second): whose view it is, the nodes (observed ones with
  their counters), the connections (who dialled, each side's score of the other and the
  topics whose mesh holds the other side);
- ``deliveries`` (batched): which node got which message over which connection, and the
  publish-to-deliver latency when the payload carries its publish time;
- ``history`` (first, on connect): the counters' recent samples, for the plots.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from typing import Any, Literal

__all__ = ["NetworkView"]

# Counters kept as time series (the plots); the others are shown as numbers only.
SERIES = ("messages_in", "messages_out", "duplicates", "drops", "bytes_in", "bytes_out")


class NetworkView:
    def __init__(
        self,
        kind: Literal["node", "cluster"],
        label: str,
        *,
        peer_id: str | None = None,
        history: int = 120,
        max_deliveries: int = 500,
    ) -> None:
        self.source = {"kind": kind, "label": label, "peer_id": peer_id}
        self._stats: dict[str, dict[str, Any]] = {}  # observed node -> its last stats
        self._samples: collections.deque[dict[str, Any]] = collections.deque(maxlen=history)
        self._pending: list[dict[str, Any]] = []
        self._max_pending = max_deliveries
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()

    # -- input ---------------------------------------------------------------------------

    def update(self, stats: dict[str, Any]) -> None:
        """A ``stats`` event of an observed node (``cli._stats.view``)."""
        self._stats[stats["peer_id"]] = stats

    def forget(self, peer_id: str) -> None:
        self._stats.pop(peer_id, None)

    def delivery(self, node: str, event: dict[str, Any]) -> None:
        """A ``message`` event at observed node ``node``."""
        if len(self._pending) >= self._max_pending:
            return  # a flood is shown as the counters' rise, not as every message
        self._pending.append(
            {
                "node": node,
                "via": event.get("via"),
                "origin": event.get("origin"),
                "topic": event.get("topic"),
                "id": event.get("id"),
                "latency_ms": event.get("latency_ms"),
            }
        )

    # -- output --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        nodes: dict[str, dict[str, Any]] = {}
        edges: dict[tuple[str, str], dict[str, Any]] = {}
        topics: set[str] = set()
        for pid, s in self._stats.items():
            nodes[pid] = {
                "id": pid,
                "observed": True,
                "peers": len(s["peers"]),
                "topics": s["topics"],
                "counters": s["counters"],
            }
            topics.update(s["topics"])
        for viewer, s in self._stats.items():
            for p in s["peers"]:
                other = p["peer_id"]
                nodes.setdefault(
                    other,
                    {"id": other, "observed": False, "peers": None, "topics": [], "counters": None},
                )
                a, b = sorted((viewer, other))
                e = edges.setdefault(
                    (a, b),
                    {"id": f"{a}|{b}", "a": a, "b": b, "dialer": None, "mesh": [], "views": {}},
                )
                e["dialer"] = viewer if p["direction"] == "outbound" else other
                e["views"][viewer] = {"score": p["score"], "mesh": p["mesh"]}
                e["mesh"] = sorted(set(e["mesh"]) | set(p["mesh"]))
        return {
            "type": "snapshot",
            "t": time.time(),
            "source": self.source,
            "topics": sorted(topics),
            "nodes": list(nodes.values()),
            "edges": list(edges.values()),
        }

    def history(self) -> dict[str, Any]:
        return {"type": "history", "t": time.time(), "samples": list(self._samples)}

    def _sample(self) -> None:
        sample = {
            "t": time.time(),
            "counters": {
                pid: {k: s["counters"][k] for k in SERIES} for pid, s in self._stats.items()
            },
        }
        self._samples.append(sample)

    # -- streaming -----------------------------------------------------------------------

    def subscribe(self, maxsize: int = 256) -> asyncio.Queue[dict[str, Any] | None]:
        """A queue of stream messages, starting with the history and a snapshot; ``None``
        ends it (the view closed)."""
        q: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize)
        q.put_nowait(self.history())
        q.put_nowait(self.snapshot())
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._subscribers.discard(q)

    def _broadcast(self, msg: dict[str, Any] | None) -> None:
        for q in list(self._subscribers):
            if q.full():  # a stalled page loses old messages, never slows the node
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
            q.put_nowait(msg)

    def tick_snapshot(self) -> None:
        """Record a sample and send a snapshot to every page (call about once a second)."""
        if self._stats:  # nothing reported yet: no sample to plot
            self._sample()
        self._broadcast(self.snapshot())

    def flush_deliveries(self) -> None:
        if self._pending:
            items, self._pending = self._pending, []
            self._broadcast({"type": "deliveries", "t": time.time(), "items": items})

    async def run(self, snapshot_every: float = 1.0, deliveries_every: float = 0.2) -> None:
        """Feeds the pages until cancelled."""
        next_snapshot = 0.0
        try:
            while True:
                now = time.monotonic()
                self.flush_deliveries()
                if now >= next_snapshot:
                    self.tick_snapshot()
                    next_snapshot = now + snapshot_every
                await asyncio.sleep(deliveries_every)
        finally:
            self._broadcast(None)
