"""One bootstrap node for a network larger than its inbound slots (PeerConfig.trim_inbound):
each newcomer takes the slot of an inbound peer that has had trim_grace to find others, and
nodes at their target do not redial the bootstrap node, so every node reaches its target.
Waits are on conditions with generous bounds, never on sleeps that decide the outcome."""

from __future__ import annotations

import asyncio
import time

import p2pgossip as pg

NODES, SLOTS, TARGET = 40, 12, 4


async def until(pred, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.2)


async def test_a_bootstrap_node_with_few_slots_admits_a_larger_network() -> None:
    async with pg.Runtime() as rt:
        boot_peers = pg.PeerConfig(max_inbound=SLOTS, trim_grace=2.0, target_outbound=TARGET)
        first = await pg.Node(runtime=rt, discovery=["dht"], peers=boot_peers).start()
        rest = [
            await pg.Node(
                runtime=rt,
                discovery=["dht"],
                peers=pg.PeerConfig(bootstrap=[first.addrs[0]], target_outbound=TARGET),
            ).start()
            for _ in range(NODES - 1)
        ]
        await until(lambda: min(len(x.peers()) for x in rest) >= TARGET, "every node at target")
        pm = first.stats()["peer_manager"]
        # More nodes than slots came through the bootstrap node: some were trimmed for them.
        assert pm["inbound_trimmed"] >= 1
        assert first.stats()["drops"].get("trimmed", 0) == pm["inbound_trimmed"]
