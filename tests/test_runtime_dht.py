"""The Kademlia DHT on real nodes (Node(discovery=["dht"])): peers found through the DHT
alone, lookups over sockets, and kad requests a hostile peer sends. Waits are on conditions
with generous bounds, never on sleeps that decide the outcome."""

from __future__ import annotations

import asyncio
import socket
import time

import p2pgossip as pg
import pytest
from p2pgossip._core import kad
from p2pgossip._core.crypto import PeerId
from p2pgossip.net import Multiaddr

from benchmarks.dht import dht_network

KAD = "/ipfs/kad/1.0.0"


async def until(pred, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.2)


async def test_200_nodes_from_one_bootstrap_reach_their_target_through_the_dht() -> None:
    async with dht_network(200) as net:  # LocalNetwork: the experiment
        nodes = net.nodes
        target = pg.PeerConfig().target_outbound
        await until(lambda: min(len(x.peers()) for x in nodes) >= target, "every node at target")
        # What found them was the DHT: walks ran and named servers the nodes then dialled.
        assert sum(x.stats()["dht"]["peers_found"] for x in nodes) > 0
        assert all(x.stats()["dht"]["routing_table"] >= target for x in nodes)
        lookups = await asyncio.gather(
            *(x.dht.find_node(pg.Identity.generate().peer_id) for x in nodes)
        )
        assert all(len(r.peers) == 20 for r in lookups)
        assert all(r.hops >= 1 for r in lookups)


async def test_a_lookup_of_a_node_finds_it_first() -> None:
    async with dht_network(30) as net:
        nodes = net.nodes
        await until(lambda: min(len(x.peers()) for x in nodes) >= 3, "a connected network")
        for i, j in [(1, 29), (29, 1), (7, 13)]:
            found = await nodes[i].dht.find_node(nodes[j].peer_id)
            assert found.peers[0][0] == nodes[j].peer_id
            assert nodes[j].addrs[0].split("/p2p/")[0] in found.peers[0][1]


async def test_values_and_providers_are_found_across_the_network() -> None:
    async with dht_network(30) as net:
        nodes = net.nodes
        await until(lambda: min(len(x.peers()) for x in nodes) >= 3, "a connected network")
        stored = await nodes[3].dht.put(b"/app/greeting", b"hello")
        assert stored >= 10  # the closest servers took it
        assert await nodes[3].dht.get(b"/app/greeting") == b"hello"  # our own store
        assert await nodes[21].dht.get(b"/app/greeting") == b"hello"  # through the network
        assert await nodes[21].dht.get(b"/app/nothing") is None
        assert await nodes[8].dht.provide(b"block-42") >= 10
        providers = await nodes[27].dht.find_providers(b"block-42")
        assert [p for p, _ in providers] == [nodes[8].peer_id]
        assert nodes[8].addrs[0].split("/p2p/")[0] in providers[0][1]
        with pytest.raises(pg.NodeError, match="record value"):
            await nodes[3].dht.put(b"/app/big", bytes(70 * 1024))


async def test_a_client_looks_up_but_servers_never_name_it() -> None:
    async with dht_network(12) as net:
        servers, rt = net.nodes, net.runtime
        client = await pg.Node(
            runtime=rt,
            discovery=["dht"],
            peers=pg.PeerConfig(bootstrap=[servers[0].addrs[0]], dht_mode="client"),
        ).start()
        await until(lambda: len(client.peers()) >= 3, "the client connected through the DHT")
        await until(lambda: min(len(x.peers()) for x in servers) >= 3, "a connected network")
        # The client's lookups work: it finds a server it was never told of, first.
        found = await client.dht.find_node(servers[7].peer_id)
        assert found.peers[0][0] == servers[7].peer_id
        # It does not serve kad (nor list it in identify) ...
        with pytest.raises(pg.UnsupportedProtocolError):
            await servers[0].request(client.peer_id, KAD, kad.encode({"type": "FIND_NODE"}))
        assert client.stats()["dht"]["requests_answered"] == 0
        # ... so no server lists it in a FIND_NODE answer, even for its own id, though
        # several are connected to it.
        asker = await pg.Node(runtime=rt).start()
        for server in servers:
            await asker.connect(server.addrs[0])
            answer = kad.decode(
                await asker.request(
                    server.peer_id,
                    KAD,
                    kad.encode({"type": "FIND_NODE", "key": client.peer_id.to_bytes()}),
                )
            )
            named = [PeerId.from_bytes(p["id"]) for p in answer["closer_peers"]]
            assert named and client.peer_id not in named


def test_dht_mode_is_server_or_client() -> None:
    assert pg.PeerConfig().dht_mode == "server"
    with pytest.raises(ValueError, match="'server' or 'client'"):
        pg.PeerConfig(dht_mode="auto")


async def test_without_the_dht_lookups_are_empty_and_kad_is_unsupported() -> None:
    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt).start()
        b = await pg.Node(runtime=rt).start()
        await a.connect(b.addrs[0])
        with pytest.raises(pg.NodeError, match="the DHT is off"):
            await a.dht.find_node(b.peer_id)
        with pytest.raises(pg.UnsupportedProtocolError):
            await a.request(b.peer_id, KAD, kad.encode({"type": "FIND_NODE", "key": b"x"}))
        assert a.stats()["dht"]["lookups_started"] == 0


async def test_hostile_kad_requests_are_refused_and_counted() -> None:
    async with pg.Runtime() as rt:
        server = await pg.Node(runtime=rt, discovery=["dht"]).start()
        attacker = await pg.Node(runtime=rt).start()  # speaks raw bytes through request()
        await attacker.connect(server.addrs[0])
        refused = 0
        for garbage in (b"\xff" * 20, b"\x08\x63", kad.encode({"type": "GET_VALUE", "key": b""})):
            with pytest.raises(pg.StreamResetError):
                await attacker.request(server.peer_id, KAD, garbage)
            refused += 1
            assert server.stats()["dht"]["requests_refused"] == refused
        # Above kad's message bound (128 KiB), within the node's request limit: refused by
        # the decoder's bound, not buffered into a message.
        with pytest.raises(pg.StreamResetError):
            await attacker.request(server.peer_id, KAD, b"\x00" * (200 << 10))
        assert server.stats()["dht"]["requests_refused"] == refused + 1
        # The server still answers a well-formed FIND_NODE, as any kad peer would ask it.
        answer = kad.decode(
            await attacker.request(
                server.peer_id, KAD, kad.encode({"type": "FIND_NODE", "key": b"some key"})
            )
        )
        assert answer["type"] == "FIND_NODE"
        assert server.stats()["dht"]["requests_answered"] == 1


def closed_port() -> int:
    """A loopback TCP port nobody listens on (bound, then released, never listened on)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_lookup_dials_the_next_address_when_one_fails() -> None:
    # Servers name peers at several addresses, some not dialable from here (go-libp2p lists
    # private and loopback ones first); the first failing must not fail the peer's query.
    async with pg.Runtime() as rt:
        target = await pg.Node(runtime=rt, discovery=["dht"]).start()
        dead = Multiaddr.parse(f"/ip4/127.0.0.1/tcp/{closed_port()}").to_bytes()
        live = Multiaddr.parse(target.addrs[0].split("/p2p/")[0]).to_bytes()

        def names_target(peer: pg.PeerId, data: bytes) -> bytes:
            named = {"id": target.peer_id.to_bytes(), "addrs": [dead, live]}
            return kad.encode({"type": "FIND_NODE", "closer_peers": [named]})

        server = pg.Node(runtime=rt)  # answers kad itself, as another implementation would
        server.set_handler(KAD, names_target)
        await server.start()
        x = await pg.Node(runtime=rt, discovery=["dht"]).start()
        await x.connect(server.addrs[0])
        await until(lambda: x.stats()["dht"]["routing_table"] >= 1, "the server in x's table")
        found = await x.dht.find_node(target.peer_id)
        assert [p for p, _ in found.peers][:1] == [target.peer_id], found
        assert x.stats()["dht"]["failures"] == 0


# One bootstrap node for a network larger than its inbound slots (PeerConfig.trim_inbound):
# each newcomer takes the slot of an inbound peer that has had trim_grace to find others, and
# nodes at their target do not redial the bootstrap node, so every node reaches its target.
async def test_a_bootstrap_node_with_few_slots_admits_a_larger_network() -> None:
    nodes, slots, target = 40, 12, 4
    async with pg.Runtime() as rt:
        boot_peers = pg.PeerConfig(max_inbound=slots, trim_grace=2.0, target_outbound=target)
        first = await pg.Node(runtime=rt, discovery=["dht"], peers=boot_peers).start()
        rest = [
            await pg.Node(
                runtime=rt,
                discovery=["dht"],
                peers=pg.PeerConfig(bootstrap=[first.addrs[0]], target_outbound=target),
            ).start()
            for _ in range(nodes - 1)
        ]
        await until(lambda: min(len(x.peers()) for x in rest) >= target, "every node at target")
        pm = first.stats()["peer_manager"]
        # More nodes than slots came through the bootstrap node: some were trimmed for them.
        assert pm["inbound_trimmed"] >= 1
        assert first.stats()["drops"].get("trimmed", 0) == pm["inbound_trimmed"]
