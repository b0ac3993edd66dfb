"""A node's Kademlia DHT (``Node(discovery=["dht"])``): ``node.dht``.

The node serves ``/ipfs/kad/1.0.0`` (values, provider records, closest peers) from its own
stores and routing table, and runs these operations as iterative lookups over the network
(the C++ ``host::Dht``; docs/architecture.md, "The Kademlia DHT"). Keys are bytes (a peer
id's bytes for :meth:`Dht.find_node`); values are at most 65 KiB; records expire after 36 h,
provider records after 48 h, as in go-libp2p-kad-dht. ``PeerConfig(dht_mode="client")``
(go's ModeClient) runs the same operations without serving: the node neither answers nor
advertises ``/ipfs/kad/1.0.0``, so servers keep it out of their routing tables.

Records are validated per namespace, as go-libp2p-record's ``NamespacedValidator`` does:
:meth:`Dht.set_validator` registers ``fn(key, value) -> bool`` (or an awaitable of one) for
keys ``/<namespace>/...``. A remote's PUT_VALUE of such a key is held until ``fn`` answers
and refused (its stream reset) unless it says True; a ``get`` never returns a record ``fn``
rejects (the lookup walks on while a record is checked); our own ``put`` checks before
storing. A namespace may also have a selector (``set_validator(ns, fn, select=)``, the spec's
``Validator.Select``): a ``get`` then collects several records and returns the one it picks,
sending it to the holders of stale ones. A validator that raises, returns something other
than a bool, or takes longer than 10 s rejects the record (counted in
``stats()["dht"]["records_rejected"]`` and ``validator_errors``). Keys of other namespaces
are stored and returned without a check.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from . import _log
from ._core.crypto import PeerId
from ._runtime import NodeError

if TYPE_CHECKING:
    from .node import Node

Peers = list[tuple[PeerId, list[str]]]  # closest first, with their multiaddrs


class DhtLookup(NamedTuple):
    """The outcome of :meth:`Dht.find_node`."""

    peers: Peers
    hops: int


RecordValidator = Callable[[bytes, bytes], "bool | Awaitable[bool]"]
# select(key, values) -> the index of the best (the spec's Validator.Select).
RecordSelector = Callable[[bytes, list[bytes]], "int | Awaitable[int]"]
# A get's quorum for a namespace with a selector: enough that one stale holder does not
# decide, without waiting for the whole walk.
SELECT_QUORUM = 3


class Dht:
    """Kademlia operations of one node; each raises NodeError when the node runs no DHT."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._validators: dict[str, RecordValidator] = {}
        self._selectors: dict[str, RecordSelector] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.validator_errors = 0  # validators that raised or returned a non-bool

    def set_validator(
        self, namespace: str, fn: RecordValidator | None, select: RecordSelector | None = None
    ) -> None:
        """Validate records with keys ``/<namespace>/...`` with ``fn(key, value)`` (True:
        valid; sync or async); None removes it (and its selector). ``select(key, values)``
        (sync or async) returns the index of the best of several different valid records a
        ``get`` found (the newest, by a sequence number in the value, say); the others'
        holders are then sent the best. Without one, a ``get`` returns the first it finds."""
        if not namespace or "/" in namespace:
            raise ValueError(f"namespace {namespace!r}: one non-empty path segment")
        if fn is None:
            self._validators.pop(namespace, None)
            self._selectors.pop(namespace, None)
        else:
            self._validators[namespace] = fn
            if select is None:
                self._selectors.pop(namespace, None)
            else:
                self._selectors[namespace] = select
        node = self._node
        if node._id is not None and not node._closed:
            self._tell(node._runtime._core, node._id)

    def _tell(self, core: Any, node_id: int) -> None:
        """The native node learns which namespaces are checked and selected."""
        core.dht_check_namespaces(node_id, sorted(self._validators))
        core.dht_select_namespaces(node_id, sorted(self._selectors))

    @staticmethod
    def _namespace(key: bytes) -> str | None:
        parts = key.split(b"/", 2)
        if len(parts) < 3 or parts[0] != b"":
            return None
        return parts[1].decode("utf-8", "replace")

    def _validator_of(self, key: bytes) -> RecordValidator | None:
        ns = self._namespace(key)
        return None if ns is None else self._validators.get(ns)

    async def _ask(self, what: str, fn: Callable[..., Any], key: bytes, arg: Any, ok: Any) -> Any:
        """The application's answer ``fn(key, arg)`` (sync or async, 10 s at most) if
        ``ok(answer)``; else None, counted in ``validator_errors`` and logged."""
        try:
            result = fn(key, arg)
            if inspect.isawaitable(result):
                result = await asyncio.wait_for(result, 10.0)
            if not ok(result):
                raise TypeError(f"record {what} returned {result!r}")
            return result
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.validator_errors += 1
            _log.logger.error(
                "record %s failed on %r: %r",
                what,
                key,
                exc,
                exc_info=exc,
                extra={"node": str(self._node.peer_id), "reason": "validator_error"},
            )
            return None

    async def _valid(self, key: bytes, value: bytes) -> bool:
        fn = self._validator_of(key)
        if fn is None:
            return True
        return bool(await self._ask("validator", fn, key, value, lambda r: isinstance(r, bool)))

    def _spawn(self, answer: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.ensure_future(answer())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _answering(self) -> int | None:
        node = self._node
        return node._id if node._id is not None and not node._closed else None

    def _select(self, token: int, key: bytes, values: list[bytes]) -> None:
        """Different valid records a get found (the runtime's 'record_select' event)."""
        ns = self._namespace(key)
        fn = self._selectors.get(ns) if ns is not None else None

        async def select() -> None:
            index = None
            if fn is not None:
                index = await self._ask(
                    "selector", fn, key, values, lambda r: type(r) is int and 0 <= r < len(values)
                )
            if (node_id := self._answering()) is not None:
                # Out of range: no choice (the first is returned, nobody corrected).
                choice = len(values) if index is None else index
                self._node._runtime._core.dht_selected(node_id, token, choice)

        self._spawn(select)

    def _check(self, token: int, key: bytes, value: bytes) -> None:
        """A record the node holds for our verdict (the runtime's 'record_check' event)."""

        async def check() -> None:
            valid = await self._valid(key, value)
            if (node_id := self._answering()) is not None:
                self._node._runtime._core.dht_checked(node_id, token, valid)

        self._spawn(check)

    def _cancel(self) -> None:
        """The node closes: checks under way are dropped (the node will not hear them)."""
        for t in list(self._tasks):
            t.cancel()

    async def _run(
        self, op: str, key: PeerId | bytes, value: bytes = b"", quorum: int = 1
    ) -> tuple:
        node = self._node
        rt = node._runtime
        raw = key.to_bytes() if isinstance(key, PeerId) else bytes(key)
        peers, hops, found, providers, stored, error = await rt._request(
            rt._core.dht(node._node(), op, raw, bytes(value), quorum)
        )
        if error is not None:
            raise NodeError(f"dht {op}: {error}")
        return _peers(peers), hops, found, _peers(providers), stored

    async def find_node(self, key: PeerId | bytes) -> DhtLookup:
        """The k (20) servers closest to ``key`` that answered, closest first, and the
        lookup's hops; empty when nobody answered."""
        peers, hops, *_ = await self._run("find_node", key)
        return DhtLookup(peers, hops)

    async def put(self, key: bytes, value: bytes) -> int:
        """Store ``value`` under ``key`` here and on the k servers closest to it; returns
        how many of them took it. NodeError when our store or its namespace's validator
        refuses it."""
        if not await self._valid(bytes(key), bytes(value)):
            raise NodeError("dht put_value: record invalid (the namespace's validator)")
        *_, stored = await self._run("put_value", key, value)
        return stored

    async def get(self, key: bytes, quorum: int | None = None) -> bytes | None:
        """The value under ``key``, as the spec's value retrieval finds it: the lookup
        toward ``key`` collects ``quorum`` valid records (ours among them, if we hold one;
        fewer if the walk ends first), then returns the best: the namespace's selector's
        choice among different ones (whose holders are then sent the best), else the first
        found. ``quorum`` defaults to 1 (the first valid record ends it), or
        ``SELECT_QUORUM`` (3) for a namespace with a selector. None when none is found."""
        raw = bytes(key)
        if quorum is None:
            ns = self._namespace(raw)
            quorum = SELECT_QUORUM if ns is not None and ns in self._selectors else 1
        if quorum < 1:
            raise ValueError(f"quorum must be >= 1, not {quorum}")
        _, _, found, _, _ = await self._run("get_value", raw, b"", quorum)
        return found

    async def provide(self, key: bytes) -> int:
        """Announce this node as a provider of ``key`` (at its listen addresses) here and to
        the k servers closest to it; returns how many were sent the record."""
        *_, stored = await self._run("add_provider", key)
        return stored

    async def find_providers(self, key: bytes) -> Peers:
        """Providers of ``key``: ours, then those a lookup toward it meets, up to k."""
        _, _, _, providers, _ = await self._run("get_providers", key)
        return providers


def _peers(raw: list[tuple[bytes, list[str]]]) -> Peers:
    return [(PeerId.from_bytes(p), list(addrs)) for p, addrs in raw]
