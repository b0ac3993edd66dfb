"""mDNS discovery between our Node(discovery=["mdns"]) and py-libp2p's MDNSDiscovery, on
loopback multicast.

py-libp2p has no setting for the mDNS port or interface: it builds `Zeroconf()`, which
listens on 5353 on every interface. pylibp2p_mdns.py confines that Zeroconf to 127.0.0.1
(nothing else of py-libp2p's is changed), so this test runs on port 5353, on loopback only,
where our node is told to run too.

What interoperates, both ways: py-libp2p's zeroconf answers our `_p2p._udp.local PTR` query
with the PTR, and a TXT of `dnsaddr=` multiaddrs among its additionals, which is what the
libp2p mDNS spec asks for; we read it and dial py-libp2p. py-libp2p resolves a peer the
DNS-SD way (zeroconf's ServiceBrowser, then `get_service_info`, which waits for the
instance's SRV record and an A/AAAA record of the SRV target besides the TXT): our answer
carries those additionals too, and we answer zeroconf's queries for them.

py-libp2p names its second and later addresses `dnsaddr2=`, `dnsaddr3=` (TXT keys the spec
does not have), so only its first address reaches any spec reader.
"""

from __future__ import annotations

import asyncio
import time

import p2pgossip as pg
import pytest
from test_runtime_mdns import loopback_multicast

TOPIC = "interop-mdns"
MDNS_PORT = 5353  # py-libp2p's, fixed
TIMEOUT_S = 60.0


@pytest.fixture
def multicast_on_loopback() -> None:
    if not loopback_multicast(MDNS_PORT):
        pytest.skip(
            "multicast to 224.0.0.251:5353 is not looped back on 127.0.0.1 here, or port 5353"
            " cannot be shared (py-libp2p's mDNS has no other port)"
        )


def mdns_node(rt: pg.Runtime) -> pg.Node:
    peers = pg.PeerConfig(mdns_port=MDNS_PORT, mdns_interface="127.0.0.1", mdns_query_interval=0.5)
    return pg.Node(runtime=rt, peers=peers, discovery=["mdns"])


async def test_we_discover_pylibp2p_and_connect(pylibp2p_node, multicast_on_loopback) -> None:
    theirs = pylibp2p_node(TOPIC, extra_args=("--mdns",))
    their_id = pg.PeerId.parse(theirs.peer_id)
    async with pg.Runtime() as rt:
        ours = await mdns_node(rt).start()
        deadline = time.monotonic() + TIMEOUT_S
        while their_id not in ours.peers():  # dialled from its mDNS answer alone
            assert time.monotonic() < deadline, f"py-libp2p not found: {ours.stats()['mdns']}"
            await asyncio.sleep(0.05)
        assert ours.stats()["mdns"]["peers_discovered"] >= 1


async def test_pylibp2p_discovers_us(pylibp2p_node, multicast_on_loopback) -> None:
    theirs = pylibp2p_node(TOPIC, extra_args=("--mdns",))
    async with pg.Runtime() as rt:
        ours = await mdns_node(rt).start()

        async def found() -> dict[str, list[str]]:
            return (await theirs.ask("mdns_peers", mdns_peers=True))["peers"]

        # py-libp2p either reports us or gives up on our instance (3 tries of 5 s).
        deadline = time.monotonic() + TIMEOUT_S
        while str(ours.peer_id) not in await found():
            assert "Failed to get service info" not in theirs.log(), theirs.log()[-2000:]
            assert time.monotonic() < deadline, "py-libp2p neither found us nor gave up"
            await asyncio.sleep(0.2)
        assert ours.addrs[0].split("/p2p/")[0] in (await found())[str(ours.peer_id)]
        assert ours.stats()["mdns"]["queries_answered"] >= 1
