"""py-libp2p 0.8.1 loses published messages between two connected, meshed nodes.

    build/pylibp2p-venv/bin/python tests/interop/repro_publish_drops.py

Two findings, printed as delivered counts for 30 messages published by A, read by B:
1. Default settings (GossipSub spam protection): at most 10 of a node's OWN messages per
   second and topic leave it.
2. With that limit off, a burst of back-to-back publishes still loses about half (16-17 of 30
   here); the same 30 paced 20 ms apart all arrive. py-libp2p logs nothing at INFO for these
   drops; the cause is not located (not the limit, not the 32-message subscription buffer,
   which is read concurrently here).

GossipSub._check_spam_protection (spam_protection_enabled=True, max_messages_per_topic_per_second
=10.0 by default) is applied in GossipSub.publish to msg_forwarder, which is the node itself for
a local publish. Pubsub.publish returns normally and the message is delivered to the publisher's
own subscription, so nothing tells the caller. Output: delivered counts with the limit on and off
(on: 10 of 30). p2pgossip's interop node keeps py-libp2p's default (the interop test publishes
5 messages a side); the benchmark baseline turns the limit off.
"""

from __future__ import annotations

import trio
from libp2p.peer.peerinfo import info_from_p2p_addr
from multiaddr import Multiaddr
from pylibp2p_stack import running_node

MESSAGES = 30


async def delivered(spam_protection: bool, pace_s: float = 0.0) -> int:
    async with (
        running_node(spam_protection=spam_protection) as a,
        running_node(spam_protection=spam_protection) as b,
    ):
        sub = await b.pubsub.subscribe("t")
        await a.pubsub.subscribe("t")
        await a.host.connect(info_from_p2p_addr(Multiaddr(b.addrs()[0])))
        with trio.fail_after(10):
            while not a.router.mesh.get("t"):
                await trio.sleep(0.05)
        got = 0

        async def count() -> None:
            nonlocal got
            while got < MESSAGES:
                await sub.get()
                got += 1

        # Read while publishing: a subscription buffers only 32 messages and drops the rest.
        async with trio.open_nursery() as nursery:
            nursery.start_soon(count)
            for i in range(MESSAGES):
                await a.pubsub.publish("t", i.to_bytes(4, "big"))
                await trio.sleep(pace_s)
            await trio.sleep(3)  # generous: loopback delivery takes milliseconds
            nursery.cancel_scope.cancel()
        return got


async def main() -> None:
    for on, pace_s in ((True, 0.0), (False, 0.0), (False, 0.02)):
        got = await delivered(on, pace_s)
        print(f"spam_protection={on} pace={pace_s}s: {got} of {MESSAGES} delivered")


if __name__ == "__main__":
    trio.run(main)
