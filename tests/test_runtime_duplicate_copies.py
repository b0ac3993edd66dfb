"""A copy of a message a node has already seen is checked on the wire but never built into a
Message (Host::rpc_bytes leaves it out of the decoded RPC and hands the router its id): the
router must count it exactly as before, a duplicate from the peer that sent it."""

import p2pgossip as pg


async def test_copies_left_undecoded_are_counted_as_duplicates_from_their_sender():
    # A full mesh of three: a's message reaches b and c from a, then each from the other
    # (b and c forward to every mesh peer but the source), so each counts one duplicate per
    # message, from the other, and receives each message twice.
    async with pg.LocalNetwork(3, topology="full", seed=3) as net:
        await net.subscribe("t")
        for node in net.nodes:
            await node.wait_for_mesh("t", 2, timeout=10)
        for i in range(20):
            await net.publish(0, "t", i.to_bytes(2, "big") * 100)
        await net.wait_delivered(timeout=10)
        a, b, c = net.nodes
        for node in (b, c):
            router = node.stats()["router"]
            assert router["messages_received"] == 40
            assert router["duplicates"] == 20
