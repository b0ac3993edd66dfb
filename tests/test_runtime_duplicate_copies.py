"""A copy of a message a node has already seen is checked on the wire but never built into a
Message (Host::rpc_bytes leaves it out of the decoded RPC and hands the router its id): the
router must count it exactly as before, a message received and a duplicate."""

import asyncio

import p2pgossip as pg


async def test_copies_left_undecoded_are_counted_as_received_duplicates():
    # Every copy a node forwards is received by its peer (loopback, nothing lost), and every
    # copy received that is not a node's first receipt of a message is a duplicate, whichever
    # order the copies arrive in.
    async with pg.LocalNetwork(3, topology="full", seed=3) as net:
        await net.subscribe("t")
        for node in net.nodes:
            await node.wait_for_mesh("t", 2, timeout=10)
        for i in range(20):
            await net.publish(i % 3, "t", i.to_bytes(2, "big") * 100)
        await net.wait_delivered(timeout=10)

        def totals():
            routers = [node.stats()["router"] for node in net.nodes]
            return {k: sum(r.get(k, 0) for r in routers) for k in routers[0]}

        for _ in range(200):  # copies still in flight after the last delivery
            t = totals()
            if t["messages_received"] == t["messages_forwarded"]:
                break
            await asyncio.sleep(0.05)
        assert t["messages_received"] == t["messages_forwarded"] > 0
        first_receipts = t["messages_delivered"] - t["messages_published"]
        assert t["duplicates"] == t["messages_received"] - first_receipts > 0
