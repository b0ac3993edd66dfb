"""The runtime sends through host/outbox: a copy the peer says it has is not sent."""

import asyncio

import p2pgossip as pg


async def test_a_copy_held_for_a_slow_link_is_cancelled_by_idontwant():
    # a-b and a-c are fast; b's sends to c take 300 ms, c's to b none. When a publishes a
    # large message, c has it from a and its IDONTWANT reaches b long before b's copy would
    # leave: that copy is dropped (counted), and c never receives it twice from b.
    async with pg.LocalNetwork(3, topology="full", seed=1) as net:
        await net.subscribe("t")
        for node in net.nodes:
            await node.wait_for_mesh("t", 2, timeout=10)
        a, b, c = net.nodes
        b.set_link(c.peer_id, latency=0.3)
        for i in range(5):
            await net.publish(0, "t", bytes([i]) * 4096)
        await net.wait_delivered(timeout=10)
        for _ in range(100):  # the held copies' release time passes
            if b.stats()["outbound_queue_bytes"] == 0:
                break
            await asyncio.sleep(0.05)
        assert b.stats()["drops"]["idontwant_cancelled"] == 5
        assert b.stats()["outbound_queue_bytes"] == 0
        assert c.stats()["router"]["duplicates"] == 0  # b's copies never left b


async def test_a_copy_held_for_a_slow_link_is_cancelled_when_the_peer_sends_it_first():
    # As above with small messages (no IDONTWANT below 1 KiB): c has each message from a
    # and forwards it to b long before b's held copy would leave for c. b's copy is then an
    # echo of c's, not sent (counted), and c receives every message once.
    async with pg.LocalNetwork(3, topology="full", seed=1) as net:
        await net.subscribe("t")
        for node in net.nodes:
            await node.wait_for_mesh("t", 2, timeout=10)
        a, b, c = net.nodes
        # Ample: c's copy must reach b before b's leaves, even on a loaded host.
        b.set_link(c.peer_id, latency=1.0)
        for i in range(5):
            await net.publish(0, "t", bytes([i]) * 100)
        await net.wait_delivered(timeout=10)
        for _ in range(100):  # the held copies' release time passes
            if b.stats()["outbound_queue_bytes"] == 0:
                break
            await asyncio.sleep(0.05)
        assert b.stats()["drops"]["echo_cancelled"] == 5
        assert b.stats()["drops"]["idontwant_cancelled"] == 0
        assert b.stats()["router"]["duplicates"] == 5  # c's copies: the echoes
        assert c.stats()["router"]["duplicates"] == 0  # b's copies never left b
