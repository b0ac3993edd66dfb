"""The runtime sends through host/outbox: a copy the peer says it has, or has shown it has by
sending it to us, is not sent."""

import asyncio

import p2pgossip as pg
import pytest


async def until(cond, timeout: float = 5.0) -> None:
    """Polls `cond` (a stats reading: no event says a queued copy was cancelled)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("size", "counter"),
    [
        # Large: c has each message from a, and its IDONTWANT reaches b first.
        (4096, "idontwant_cancelled"),
        # Small (no IDONTWANT below 1 KiB): c's own copy reaches b first, an echo of b's.
        (100, "echo_cancelled"),
    ],
)
async def test_a_copy_held_for_a_slow_link_is_cancelled_once_the_peer_has_it(
    size: int, counter: str
) -> None:
    # a-b and a-c are fast; b's sends to c take 1 s (ample, even on a loaded host), c's to b
    # none. b's held copy of each message a publishes is dropped (counted under `counter`,
    # once), and c never receives one from b.
    async with pg.LocalNetwork(3, topology="full", seed=1) as net:
        await net.subscribe("t")
        for node in net.nodes:
            await node.wait_for_mesh("t", 2, timeout=10)
        a, b, c = net.nodes
        b.set_link(c.peer_id, latency=1.0)
        for i in range(5):
            await net.publish(0, "t", bytes([i]) * size)
        await net.wait_delivered(timeout=10)
        await until(lambda: b.stats()["outbound_queue_bytes"] == 0)
        drops = b.stats()["drops"]
        assert drops[counter] == 5
        assert drops["idontwant_cancelled"] + drops["echo_cancelled"] == 5
        assert c.stats()["router"]["duplicates"] == 0  # b's copies never left b
