"""Who a delivery figure expects a message at: the nodes subscribed to its topic when it was
published. ``Simulation.summary`` divided by every honest node, so with 16 topics of which
each node joins 3 a network that delivered every message to every subscriber read 19%."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class SubscriptionLog:
    """Every subscribe and unsubscribe a simulation was given, in order: (time in ns,
    topic, the nodes, joined). A call for every node keeps one array, not a row a node."""

    def __init__(self) -> None:
        self._calls: list[tuple[int, str, np.ndarray, bool]] = []

    def add(self, at_ns: int, topic: str, nodes: list[int], joined: bool) -> None:
        self._calls.append((at_ns, topic, np.asarray(nodes, dtype=np.int64), joined))

    def expected(
        self, messages: pd.DataFrame, deliveries: pd.DataFrame, honest: np.ndarray
    ) -> tuple[int, pd.DataFrame]:
        """Of ``messages`` (msg_id, topic, t_publish in s) the number of (message, honest
        node subscribed at its publication) pairs, and the rows of ``deliveries`` (msg_id,
        node, t_publish) that are such pairs. ``honest``: a bool a node."""
        import pandas as pd

        total = 0
        kept = []
        for topic, group in messages.groupby("topic", sort=False):
            at, node, joined = self._events(str(topic), honest)
            times = np.round(group["t_publish"].to_numpy() * 1e9).astype(np.int64)
            d = deliveries[deliveries["msg_id"].isin(set(group["msg_id"]))]
            d = d[honest[d["node"].to_numpy()]]
            if joined.all() and (len(at) == 0 or at.max() <= times.min()):
                # Nobody left or joined while these were published (the usual experiment):
                # one set of subscribers, without a search a delivery.
                member = np.zeros(len(honest), dtype=bool)
                member[node] = True
                total += int(member.sum()) * len(group)
                kept.append(d[member[d["node"].to_numpy()]])
                continue
            total += int(self._subscribed_counts(at, node, joined, times).sum())
            t = np.round(d["t_publish"].to_numpy() * 1e9).astype(np.int64)
            kept.append(d[self._subscribed_at(at, node, joined, d["node"].to_numpy(), t)])
        rows = pd.concat(kept) if kept else deliveries.iloc[:0]
        return total, rows

    def _events(self, topic: str, honest: np.ndarray) -> tuple[np.ndarray, ...]:
        """The topic's calls as one event a node, honest nodes only, by time (stable)."""
        calls = [c for c in self._calls if c[1] == topic]
        if not calls:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=bool)
        at = np.concatenate([np.full(len(c[2]), c[0], dtype=np.int64) for c in calls])
        node = np.concatenate([c[2] for c in calls])
        joined = np.concatenate([np.full(len(c[2]), c[3]) for c in calls])
        keep = honest[node]
        at, node, joined = at[keep], node[keep], joined[keep]
        order = np.argsort(at, kind="stable")
        return at[order], node[order], joined[order]

    @staticmethod
    def _changes(at, node, joined) -> tuple[np.ndarray, np.ndarray]:
        """The times a node's state changed, with +1 (joined) or -1 (left), by time: a
        subscribe of a node subscribed already changes nothing."""
        by_node = np.lexsort((np.arange(len(at)), node))  # by node, then in time order
        n, j, t = node[by_node], joined[by_node], at[by_node]
        first = np.ones(len(n), dtype=bool)
        first[1:] = n[1:] != n[:-1]
        previous = np.where(first, False, np.roll(j, 1))  # a node starts unsubscribed
        changed = j != previous
        t, step = t[changed], np.where(j[changed], 1, -1)
        order = np.argsort(t, kind="stable")
        return t[order], step[order]

    def _subscribed_counts(self, at, node, joined, times: np.ndarray) -> np.ndarray:
        """How many nodes were subscribed at each of ``times`` (an event at a time counts)."""
        t, step = self._changes(at, node, joined)
        level = np.concatenate([[0], np.cumsum(step)])
        return level[np.searchsorted(t, times, side="right")]

    @staticmethod
    def _subscribed_at(at, node, joined, nodes: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Whether each of ``nodes`` was subscribed at the matching one of ``times``: its last
        event at or before it (the last call, of several at one time) was a subscribe."""
        import pandas as pd

        if len(at) == 0 or len(nodes) == 0:
            return np.zeros(len(nodes), dtype=bool)
        queries = pd.DataFrame(
            {
                "t": times.astype(np.int64),
                "node": nodes.astype(np.int64),
                "i": np.arange(len(nodes)),
            }
        ).sort_values("t", kind="stable")
        events = pd.DataFrame({"t": at, "node": node, "joined": joined})  # by time already
        found = pd.merge_asof(queries, events, on="t", by="node", direction="backward")
        state = np.zeros(len(nodes), dtype=bool)
        state[found["i"].to_numpy()] = found["joined"].fillna(False).to_numpy(dtype=bool)
        return state
