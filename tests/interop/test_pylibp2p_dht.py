"""The Kademlia DHT against py-libp2p's KadDHT (server mode) over real connections: our
lookups (Node.find_node) use py-libp2p nodes as servers and reach peers only py-libp2p told
us of; py-libp2p's FIND_NODE, iterative lookups, ADD_PROVIDER and GET_PROVIDERS get their
answers from our nodes' kad::Server. py-libp2p runs in a subprocess (pylibp2p_node.py --dht,
commands in pylibp2p_dht.py); every wait is on a condition with a generous bound.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from typing import Any

import p2pgossip as pg
from p2pgossip.net import Multiaddr
from pylibp2p_proc import PyLibp2pNode

TOPIC = "interop-dht"
TIMEOUT_S = 60.0


def tcp(addr: str) -> str:
    """A multiaddr without its /p2p/ suffix."""
    return addr.split("/p2p/")[0]


async def until(pred: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not pred():
        assert time.monotonic() < deadline, f"not within {TIMEOUT_S} s: {what}"
        await asyncio.sleep(0.05)


async def table_of(theirs: PyLibp2pNode) -> list[str]:
    return (await theirs.ask("dht_table", dht_table=True))["peers"]


async def until_in_table(theirs: PyLibp2pNode, peer: pg.PeerId) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while str(peer) not in await table_of(theirs):
        assert time.monotonic() < deadline, f"{peer} not in py-libp2p's table"
        await asyncio.sleep(0.1)


def kad_server(rt: pg.Runtime, bootstrap: tuple[str, ...] = ()) -> pg.Node:
    return pg.Node(runtime=rt, discovery=["dht"], peers=pg.PeerConfig(bootstrap=list(bootstrap)))


async def test_our_lookup_uses_pylibp2p_servers_and_reaches_whom_they_name(pylibp2p_node) -> None:
    a = pylibp2p_node(TOPIC, extra_args=("--dht",))
    b = pylibp2p_node(TOPIC, extra_args=("--dht",))
    # a and b know each other as kad servers; b is known to nobody on our side.
    assert (await a.ask("dht_added", dht_add=b.addrs[0]))["added"]
    assert (await b.ask("dht_added", dht_add=a.addrs[0]))["added"]
    async with pg.Runtime() as rt:
        # y joins through a: its bootstrap self-lookup asks a, which puts y in its table.
        y = await kad_server(rt, (a.addrs[0],)).start()
        await until_in_table(a, y.peer_id)
        x = await kad_server(rt).start()
        await x.connect(a.addrs[0])
        # identify tells x that a serves kad, the one server x was given.
        await until(lambda: x.stats()["dht"]["routing_table"] >= 1, "a in x's table")

        found = await x.dht.find_node(y.peer_id)
        ids = [p for p, _ in found.peers]
        addrs = {str(p): [tcp(m) for m in named] for p, named in found.peers}
        assert ids[0] == y.peer_id, found
        assert tcp(y.addrs[0]) in addrs[str(y.peer_id)]
        # b answered too: x reached it at the address a gave for it.
        assert {a.peer_id, b.peer_id} <= set(addrs), found
        assert tcp(b.addrs[0]) in addrs[b.peer_id]
        assert tcp(a.addrs[0]) in addrs[a.peer_id]
        dht = x.stats()["dht"]
        assert dht["answers"] >= 3 and dht["failures"] == 0, dht


def peers_in(response: dict[str, Any], field: str = "closer_peers") -> dict[str, list[str]]:
    """A kad response's peers (pylibp2p_kad.py's form): {peer id: [multiaddr, no /p2p/]}."""
    return {
        str(pg.PeerId.from_bytes(bytes.fromhex(p["id"]))): [
            tcp(Multiaddr.from_bytes(bytes.fromhex(a)).to_string()) for a in p["addrs"]
        ]
        for p in response[field]
    }


async def test_pylibp2p_finds_nodes_and_providers_through_our_servers(pylibp2p_node) -> None:
    async with pg.Runtime() as rt:
        x = await kad_server(rt).start()
        y = await kad_server(rt, (x.addrs[0],)).start()
        z = await kad_server(rt, (x.addrs[0],)).start()
        await until(lambda: x.stats()["dht"]["routing_table"] >= 2, "y and z in x's table")
        a = pylibp2p_node(TOPIC, extra_args=("--dht",))
        assert (await a.ask("dht_added", dht_add=x.addrs[0]))["added"]

        # One FIND_NODE, as py-libp2p's kademlia_pb2 writes it: x answers with its table
        # (the asker left out), each peer at its listen address.
        target = z.peer_id.to_bytes().hex()
        answer = await a.ask(
            "dht_response", dht_rpc=str(x.peer_id), message={"type": "FIND_NODE", "key": target}
        )
        response = answer["response"]
        assert response["type"] == "FIND_NODE", response
        closer = peers_in(response)
        assert set(closer) == {str(y.peer_id), str(z.peer_id)}, response
        assert tcp(z.addrs[0]) in closer[str(z.peer_id)]
        assert tcp(y.addrs[0]) in closer[str(y.peer_id)]

        # py-libp2p's iterative lookup: x names y and z, which py-libp2p then asks itself.
        lookup = await a.ask("dht_lookup", dht_lookup=target)
        assert {str(x.peer_id), str(y.peer_id), str(z.peer_id)} <= set(lookup["peers"]), lookup
        assert tcp(z.addrs[0]) in [tcp(m) for m in lookup["addrs"][str(z.peer_id)]]
        assert all(n.stats()["dht"]["requests_answered"] >= 1 for n in (y, z))

        # py-libp2p provides a key: ADD_PROVIDER to the closest servers (ours), then a
        # GET_PROVIDERS to x returns a as the provider, at a's address.
        key = (b"\x12\x20" + hashlib.sha256(b"interop provider").digest()).hex()
        assert (await a.ask("dht_provided", dht_provide=key))["ok"]
        providers: dict[str, list[str]] = {}
        deadline = time.monotonic() + TIMEOUT_S
        while a.peer_id not in providers:  # ADD_PROVIDER has no answer to wait for
            assert time.monotonic() < deadline, f"x lists no provider a: {providers}"
            response = (
                await a.ask(
                    "dht_response",
                    dht_rpc=str(x.peer_id),
                    message={"type": "GET_PROVIDERS", "key": key},
                )
            )["response"]
            assert response["type"] == "GET_PROVIDERS", response
            providers = peers_in(response, "provider_peers")
        assert list(providers) == [a.peer_id]
        assert tcp(a.addrs[0]) in providers[a.peer_id]

        # A second py-libp2p node that knows only x finds a as the provider through us.
        b = pylibp2p_node(TOPIC, extra_args=("--dht",))
        assert (await b.ask("dht_added", dht_add=x.addrs[0]))["added"]
        found = (await b.ask("dht_providers", dht_find_providers=key))["providers"]
        # (py-libp2p lists a provider once per server that named it)
        assert {p["peer_id"] for p in found} == {a.peer_id}, found
        assert tcp(a.addrs[0]) in [tcp(m) for m in found[0]["addrs"]]

        for n in (x, y, z):
            assert n.stats()["dht"]["requests_refused"] == 0, n.stats()["dht"]
