"""A LocalNetwork partition experiment: split real nodes in two halves, publish on one side,
see that only that side delivers, heal, and see a new message reach every node."""

from __future__ import annotations

import asyncio

import p2pgossip as pg


async def main(n: int = 8, timeout: float = 30.0) -> dict[str, list[int]]:
    """Which nodes received each message: {"partitioned": [...], "healed": [...]}."""
    async with pg.LocalNetwork(n, topology="full", seed=1) as net:
        await net.subscribe("blocks")
        left, right = range(0, n // 2), range(n // 2, n)
        net.partition([left, right])
        await net.publish(0, "blocks", b"during the partition")
        for i in left:
            await asyncio.wait_for(net.subscriptions[i]["blocks"].get(), timeout)
        partitioned = [i for i in range(n) if i in left or net.subscriptions[i]["blocks"].qsize()]

        net.heal()
        await net.subscribe("after")  # returns once every node has a mesh again
        await net.publish(n - 1, "after", b"after healing")
        for i in range(n):
            await asyncio.wait_for(net.subscriptions[i]["after"].get(), timeout)
        return {"partitioned": partitioned, "healed": list(range(n))}


if __name__ == "__main__":
    print(asyncio.run(main()))
