"""Two asyncio nodes on loopback: connect, subscribe, publish, read with ``async for``."""

from __future__ import annotations

import asyncio

import p2pgossip as pg


async def main(messages: int = 5) -> list[bytes]:
    async with pg.Runtime() as rt:
        alice = await pg.Node(runtime=rt).start()
        bob = await pg.Node(runtime=rt).start()
        await alice.connect(bob.addrs[0])
        received: list[bytes] = []
        async with alice.subscribe("chat") as inbox, bob.subscribe("chat"):
            while not bob.stats()["mesh_sizes"].get("chat"):  # wait for the mesh (a heartbeat)
                await asyncio.sleep(0.05)
            ids = await bob.publish_many("chat", [b"hello %d" % i for i in range(messages)])
            async for msg in inbox:
                assert msg.from_peer == bob.peer_id and msg.id == ids[len(received)]
                received.append(msg.data)
                if len(received) == messages:
                    break
        return received


if __name__ == "__main__":
    for data in asyncio.run(main()):
        print(data.decode())
