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


async def test_nodes_listening_on_every_interface_announce_their_addresses() -> None:
    """0.0.0.0 is how a LAN node listens: it must announce the addresses behind it (before,
    it announced nothing and was never found)."""
    port = random.randrange(20000, 60000)
    if not loopback_multicast(port):
        pytest.skip("multicast is not looped back on 127.0.0.1 in this environment")
    peers = pg.PeerConfig(mdns_port=port, mdns_interface="127.0.0.1", mdns_query_interval=0.5)
    async with pg.Runtime() as rt:
        a, b = [
            await pg.Node(
                runtime=rt, peers=peers, discovery=["mdns"], listen="/ip4/0.0.0.0/tcp/0"
            ).start()
            for _ in range(2)
        ]

        async def connected() -> None:
            while b.peer_id not in a.peers() or a.peer_id not in b.peers():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(connected(), 20)


def ipv6_multicast_interface(port: int) -> tuple[str, int] | None:
    """A non-loopback interface whose IPv6 multicast to ff02::fb is looped back here."""
    for index, name in socket.if_nameindex():
        if name == "lo":
            continue
        try:
            s = ipv6_socket(index, port)
            s.sendto(b"probe", ("ff02::fb", port, 0, index))
            ok = s.recv(16) == b"probe"
            s.close()
        except OSError:
            continue
        if ok:
            return name, index
    return None


def ipv6_socket(index: int, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    mreq = socket.inet_pton(socket.AF_INET6, "ff02::fb") + struct.pack("@I", index)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
    s.settimeout(1.0)
    return s


async def test_a_node_answers_on_ipv6_with_the_addresses_behind_its_unspecified_one() -> None:
    from p2pgossip._core import mdns

    port = random.randrange(20000, 60000)
    found = ipv6_multicast_interface(port)
    if found is None:
        pytest.skip("no interface here loops IPv6 multicast to ff02::fb back")
    name, index = found
    peers = pg.PeerConfig(mdns_port=port, mdns_interface=name, mdns_query_interval=60)
    probe = ipv6_socket(index, port)
    probe.setblocking(False)
    loop = asyncio.get_running_loop()
    async with pg.Runtime() as rt:
        node = await pg.Node(
            runtime=rt, peers=peers, discovery=["mdns"], listen="/ip6/::/tcp/0"
        ).start()
        probe.sendto(mdns.peer_query(), ("ff02::fb", port, 0, index))

        async def answer() -> list[str]:
            while True:
                data = await loop.sock_recv(probe, 9000)
                for _, addrs, _ in mdns.discovered_peers(data):
                    if addrs and addrs[0].endswith(str(node.peer_id)):
                        return addrs

        addrs = await asyncio.wait_for(answer(), 10)
    probe.close()
    assert addrs and all(a.startswith("/ip6/") and not a.startswith("/ip6/::/") for a in addrs)
