"""A node's Kademlia DHT (``Node(discovery=["dht"])``): ``node.dht``.

The node serves ``/ipfs/kad/1.0.0`` (values, provider records, closest peers) from its own
stores and routing table, and runs these operations as iterative lookups over the network
(the C++ ``host::Dht``; docs/architecture.md, "The Kademlia DHT"). Keys are bytes (a peer
id's bytes for :meth:`Dht.find_node`); values are at most 65 KiB; records expire after 36 h,
provider records after 48 h, as in go-libp2p-kad-dht. ``PeerConfig(dht_mode="client")``
(go's ModeClient) runs the same operations without serving: the node neither answers nor
advertises ``/ipfs/kad/1.0.0``, so servers keep it out of their routing tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ._core.crypto import PeerId
from ._runtime import NodeError

if TYPE_CHECKING:
    from .node import Node

Peers = list[tuple[PeerId, list[str]]]  # closest first, with their multiaddrs


class DhtLookup(NamedTuple):
    """The outcome of :meth:`Dht.find_node`."""

    peers: Peers
    hops: int


class Dht:
    """Kademlia operations of one node; each raises NodeError when the node runs no DHT."""

    def __init__(self, node: Node) -> None:
        self._node = node

    async def _run(self, op: str, key: PeerId | bytes, value: bytes = b"") -> tuple:
        node = self._node
        rt = node._runtime
        raw = key.to_bytes() if isinstance(key, PeerId) else bytes(key)
        peers, hops, found, providers, stored, error = await rt._request(
            rt._core.dht(node._node(), op, raw, bytes(value))
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
        how many of them took it. ValueError-like NodeError when our store refuses it."""
        *_, stored = await self._run("put_value", key, value)
        return stored

    async def get(self, key: bytes) -> bytes | None:
        """The value under ``key``: ours if we hold it, else the first valid one a lookup
        toward ``key`` meets; None when none is found."""
        _, _, found, _, _ = await self._run("get_value", key)
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
