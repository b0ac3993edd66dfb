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
        self._calls: dict[str, list[tuple[int, np.ndarray, bool]]] = {}  # by topic

    def add(self, at_ns: int, topic: str, nodes: list[int], joined: bool) -> None:
        self._calls.setdefault(topic, []).append((at_ns, np.asarray(nodes, dtype=np.int64), joined))

    def expected(
        self, messages: pd.DataFrame, deliveries: pd.DataFrame, honest: np.ndarray
    ) -> tuple[int, pd.DataFrame]:
        """Of ``messages`` (msg_id, topic, t_publish in s) the number of (message, honest
        node subscribed at its publication) pairs, and the rows of ``deliveries`` (msg_id,
        node, t_publish) that are such pairs. ``honest``: a bool a node."""
        import pandas as pd

        d = deliveries[honest[deliveries["node"].to_numpy()]]
        d = d[d["msg_id"].isin(set(messages["msg_id"]))]
        # Each delivery's topic once, then the deliveries of each topic by position.
        topics = messages["topic"].unique()
        if len(topics) == 1:
            by_topic = {topics[0]: np.arange(len(d))}
        else:
            topic_of = dict(zip(messages["msg_id"], messages["topic"], strict=True))
            by_topic = d.groupby(d["msg_id"].map(topic_of), observed=True, sort=False).indices
        total = 0
        kept = []
        for topic, group in messages.groupby("topic", sort=False):
            at, node, joined = self._events(str(topic), honest)
            times = np.round(group["t_publish"].to_numpy() * 1e9).astype(np.int64)
            dt = d.iloc[by_topic.get(topic, [])]
            if joined.all() and (len(at) == 0 or at.max() <= times.min()):
                # Nobody left or joined while these were published (the usual experiment):
                # one set of subscribers, without a search a delivery.
                member = np.zeros(len(honest), dtype=bool)
                member[node] = True
                total += int(member.sum()) * len(group)
                kept.append(dt[member[dt["node"].to_numpy()]])
                continue
            total += int(self._subscribed_counts(at, node, joined, times).sum())
            t = np.round(dt["t_publish"].to_numpy() * 1e9).astype(np.int64)
            kept.append(dt[self._subscribed_at(at, node, joined, dt["node"].to_numpy(), t)])
        rows = pd.concat(kept) if kept else deliveries.iloc[:0]
        return total, rows

    def _events(self, topic: str, honest: np.ndarray) -> tuple[np.ndarray, ...]:
        """The topic's calls as one event a node, honest nodes only, by time (stable)."""
        calls = self._calls.get(topic, [])
        if not calls:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=bool)
        at = np.concatenate([np.full(len(c[1]), c[0], dtype=np.int64) for c in calls])
        node = np.concatenate([c[1] for c in calls])
        joined = np.concatenate([np.full(len(c[1]), c[2]) for c in calls])
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

    @staticmethod
    def _subscribed_counts(at, node, joined, times: np.ndarray) -> np.ndarray:
        """How many nodes were subscribed at each of ``times`` (an event at a time counts)."""
        t, step = SubscriptionLog._changes(at, node, joined)
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
