"""mDNS discovery on real sockets: nodes that share a multicast group on loopback find and
connect to each other with no bootstrap address; a node without it stays alone. The test
uses its own port, so it never meets a real LAN's responders (or they it)."""

from __future__ import annotations

import asyncio
import random
import socket
import struct

import p2pgossip as pg
import pytest

GROUP = "224.0.0.251"


def loopback_multicast(port: int) -> bool:
    """Whether multicast to the mDNS group is looped back on 127.0.0.1 here."""

    def sock() -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", port))
        mreq = struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton("127.0.0.1"))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        s.settimeout(1.0)
        return s

    try:
        a, b = sock(), sock()
        a.sendto(b"probe", (GROUP, port))
        ok = b.recv(16) == b"probe"
        a.close()
        b.close()
        return ok
    except OSError:
        return False


async def test_two_nodes_find_each_other_on_the_lan_and_connect() -> None:
    port = random.randrange(20000, 60000)
    if not loopback_multicast(port):
        pytest.skip("multicast is not looped back on 127.0.0.1 in this environment")
    peers = pg.PeerConfig(mdns_port=port, mdns_interface="127.0.0.1", mdns_query_interval=0.5)
    with pytest.raises(ValueError, match="unknown discovery 'carrier pigeon'"):
        pg.Node(discovery=["carrier pigeon"])  # type: ignore[list-item]
    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt, peers=peers, discovery=["mdns"]).start()
        b = await pg.Node(runtime=rt, peers=peers, discovery=["mdns"]).start()
        alone = await pg.Node(runtime=rt).start()

        async def connected() -> None:
            while b.peer_id not in a.peers() or a.peer_id not in b.peers():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(connected(), 20)
        m = a.stats()["mdns"]
        assert m["queries_sent"] >= 1 and m["peers_discovered"] >= 1
        assert alone.peers() == []
        assert alone.stats()["mdns"]["queries_sent"] == 0
