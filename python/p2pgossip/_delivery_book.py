"""The deliveries of a LocalNetwork, booked from the runtime's native delivery log.

The I/O threads append a row per delivery (node, message, neighbour, time) to the runtime's
log; this book takes the rows in bulk as numpy columns, keeps each node's first delivery of
each message, and counts per message how many expected nodes still miss it. No Python object
is made per delivery, so a burst costs the interpreter per batch, not per copy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DeliveryBook"]


class DeliveryBook:
    """Columns of first deliveries for ``n`` nodes, and what is still missing.

    Messages get codes in the order they are first named (``code``); ``expect`` says, per
    message code, which nodes should have it; ``pending`` counts the (message, node) pairs
    expected and not delivered, kept up to date as rows arrive.
    """

    def __init__(self, n: int, peer_index: dict[bytes, int]) -> None:
        self.n = n
        self.ids: list[bytes] = []
        self._codes: dict[bytes, int] = {}
        self._peer_index = peer_index  # peer id bytes -> node index
        self._native_code = np.zeros(0, dtype=np.int64)  # the log's message index -> code
        self._native_peer = np.zeros(0, dtype=np.int64)  # the log's peer index -> node
        self._node_of = np.full(0, -1, dtype=np.int64)  # the runtime's node id -> node
        self._have = np.zeros((0, n), dtype=bool)
        self._expected = np.zeros((0, n), dtype=bool)
        self._need = np.zeros(0, dtype=np.int64)
        self.pending = 0
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def code(self, mid: bytes) -> int:
        c = self._codes.get(mid)
        if c is None:
            c = self._codes[mid] = len(self.ids)
            self.ids.append(mid)
        return c

    def add_node(self, native_id: int, i: int) -> None:
        if native_id >= len(self._node_of):
            grown = np.full(max(2 * len(self._node_of), native_id + 1), -1, dtype=np.int64)
            grown[: len(self._node_of)] = self._node_of
            self._node_of = grown
        self._node_of[native_id] = i

    def _grow(self) -> None:
        rows = len(self.ids)
        if rows > len(self._have):
            cap = max(rows, 2 * len(self._have), 64)
            for name in ("_have", "_expected"):
                old = getattr(self, name)
                new = np.zeros((cap, self.n), dtype=bool)
                new[: len(old)] = old
                setattr(self, name, new)
            need = np.zeros(cap, dtype=np.int64)
            need[: len(self._need)] = self._need
            self._need = need

    def take(self, rows: tuple, t0_ns: int) -> bool:
        """Books ``Runtime.take_deliveries()``'s rows; whether any was a first delivery."""
        node, msg, frm, at, new_ids, new_peers = rows
        if new_ids:
            codes = [self.code(m) for m in new_ids]
            self._native_code = np.concatenate([self._native_code, np.asarray(codes, np.int64)])
        if new_peers:
            peers = [self._peer_index.get(p, -1) for p in new_peers]
            self._native_peer = np.concatenate([self._native_peer, np.asarray(peers, np.int64)])
        if not len(node):
            return False
        self._grow()
        code = self._native_code[msg]
        where = self._node_of[node]
        # The first row of each (message, node) pair in this batch, not booked before (a node
        # restarted with an empty seen cache may deliver a message again).
        _, first = np.unique(code * self.n + where, return_index=True)
        first.sort()
        first = first[where[first] >= 0]
        first = first[~self._have[code[first], where[first]]]
        if not len(first):
            return False
        c, w = code[first], where[first]
        self._have[c, w] = True
        hit = self._expected[c, w]
        np.subtract.at(self._need, c[hit], 1)
        self.pending -= int(hit.sum())
        f = frm[first].astype(np.int64)
        sender = np.full(len(f), -1, dtype=np.int64)
        sender[f >= 0] = self._native_peer[f[f >= 0]]
        self._chunks.append((c, w.astype(np.uint32), (at[first] - t0_ns) / 1e9, sender))
        return True

    def expect(self, codes: np.ndarray, masks: np.ndarray) -> None:
        """Message ``codes[k]`` is expected at the nodes where ``masks[k]`` is set (every
        other message nowhere); recounts what is pending."""
        self._grow()
        self._expected[:] = False
        self._expected[codes] = masks
        missing = self._expected & ~self._have
        self._need[:] = missing.sum(axis=1)
        self.pending = int(self._need.sum())

    def missing(self) -> list[tuple[int, int]]:
        """(message code, node) pairs expected and not delivered, by message code."""
        rows, cols = np.nonzero(self._expected[: len(self.ids)] & ~self._have[: len(self.ids)])
        return list(zip(rows.tolist(), cols.tolist(), strict=True))

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """message code, node, t (s since start), from (node index, -1 at the publisher)."""
        if len(self._chunks) > 1:
            self._chunks = [
                tuple(np.concatenate(col) for col in zip(*self._chunks, strict=True))  # type: ignore[misc]
            ]
        if not self._chunks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.astype(np.uint32), empty.astype(float), empty
        return self._chunks[0]
