"""py-libp2p's Kademlia DHT (KadDHT, server mode) as a service of pylibp2p_node.py (--dht);
runs in the py-libp2p venv.

Commands (stdin JSON), each answered by one event:
  {"dht_add": "<multiaddr with /p2p/>"}     dial, then add to KadDHT's routing table
      -> {"event": "dht_added", "peer_id", "added"}
  {"dht_rpc": "<peer id>", "message": {...}} one request on a fresh /ipfs/kad/1.0.0 stream,
      the message in pylibp2p_kad.py's dict form (bytes as hex), written by kademlia_pb2
      -> {"event": "dht_response", "response": {...}}   (pylibp2p_kad.py's dict form)
  {"dht_lookup": "<key hex>"}                KadDHT's iterative lookup of the closest peers
      -> {"event": "dht_lookup", "peers": [...], "addrs": {peer: [multiaddr, ...]}}
  {"dht_provide": "<key hex>"}               KadDHT's provide: lookup, then ADD_PROVIDER
      -> {"event": "dht_provided", "ok"}
  {"dht_find_providers": "<key hex>"}        KadDHT's provider lookup (GET_PROVIDERS)
      -> {"event": "dht_providers", "providers": [{"peer_id", "addrs"}]}
  {"dht_table": true}                        -> {"event": "dht_table", "peers": [...]}
A failure of a command is {"event": "error", "command", "error"}.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import multiaddr
import trio
import varint
from libp2p.abc import IHost
from libp2p.custom_types import TProtocol
from libp2p.kad_dht.common import MAX_DHT_MESSAGE_SIZE, PROTOCOL_ID
from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.utils.varint import read_varint_prefixed_bytes_limited
from pylibp2p_kad import decode, encode

Emit = Callable[..., None]


class DhtService:
    def __init__(self, host: IHost, emit: Emit) -> None:
        self.host = host
        self.emit = emit
        # Server mode: /ipfs/kad/1.0.0 is served (and listed by identify) from now on.
        self.dht = KadDHT(host, DHTMode.SERVER)

    def start(self, cmd: dict[str, Any], nursery: trio.Nursery) -> bool:
        """Start the command if it is one of ours (False: not a DHT command)."""
        for name, run in (
            ("dht_add", self.add),
            ("dht_rpc", self.rpc),
            ("dht_lookup", self.lookup),
            ("dht_provide", self.provide),
            ("dht_find_providers", self.find_providers),
            ("dht_table", self.table),
        ):
            if name in cmd:
                nursery.start_soon(self.reporting, name, run, cmd)
                return True
        return False

    async def reporting(self, name: str, run, cmd: dict[str, Any]) -> None:
        try:
            await run(cmd)
        except Exception as e:  # report and keep serving: the test decides what it means
            logging.exception("%s failed", name)
            self.emit(event="error", command=name, error=f"{type(e).__name__}: {e}")

    def addrs_of(self, peer: ID) -> list[str]:
        return [str(a) for a in self.host.get_peerstore().addrs(peer)]

    async def add(self, cmd: dict[str, Any]) -> None:
        info = info_from_p2p_addr(multiaddr.Multiaddr(cmd["dht_add"]))
        await self.host.connect(info)
        added = await self.dht.routing_table.add_peer(info)
        self.emit(event="dht_added", peer_id=info.peer_id.to_base58(), added=added)

    async def rpc(self, cmd: dict[str, Any]) -> None:
        request = bytes.fromhex(encode(cmd["message"]))
        peer = ID.from_base58(cmd["dht_rpc"])
        stream = await self.host.new_stream(peer, [TProtocol(PROTOCOL_ID)])
        try:
            await stream.write(varint.encode(len(request)) + request)
            response = await read_varint_prefixed_bytes_limited(stream, MAX_DHT_MESSAGE_SIZE)
        finally:
            await stream.close()
        self.emit(event="dht_response", response=decode(response.hex()))

    async def lookup(self, cmd: dict[str, Any]) -> None:
        found = await self.dht.peer_routing.find_closest_peers_network(
            bytes.fromhex(cmd["dht_lookup"])
        )
        self.emit(
            event="dht_lookup",
            peers=[p.to_base58() for p in found],
            addrs={p.to_base58(): self.addrs_of(p) for p in found},
        )

    async def provide(self, cmd: dict[str, Any]) -> None:
        ok = await self.dht.provider_store.provide(bytes.fromhex(cmd["dht_provide"]))
        self.emit(event="dht_provided", ok=ok)

    async def find_providers(self, cmd: dict[str, Any]) -> None:
        found = await self.dht.provider_store.find_providers(
            bytes.fromhex(cmd["dht_find_providers"])
        )
        providers = [
            {"peer_id": p.peer_id.to_base58(), "addrs": [str(a) for a in p.addrs]} for p in found
        ]
        self.emit(event="dht_providers", providers=providers)

    async def table(self, cmd: dict[str, Any]) -> None:
        peers = self.dht.routing_table.get_peer_ids()
        self.emit(event="dht_table", peers=sorted(p.to_base58() for p in peers))
