"""The host's adversary roles on real sockets: the same Spammer a Simulation runs, played
by a LocalNetwork node and by a single Node, is graylisted, disconnected and banned
(PeerConfig.ban_graylisted_for) by honest nodes running the default (safe) scoring."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import p2pgossip as pg
import pytest
from p2pgossip import adversary

TOPIC = "t"
POLLS = 1500  # x 20 ms: a bound for the I/O threads to get there, not a timing assert


def graylisted(node: pg.Node) -> int:
    return node.stats()["drops"].get("graylisted", 0)


async def until(cond: Callable[[], bool]) -> bool:
    for _ in range(POLLS):
        if cond():
            return True
        await asyncio.sleep(0.02)
    return cond()


# Invalid payloads too: LocalNetwork's nodes are the experiment's application
# (reject_marked_invalid), as the simulator's are, so a payload spammer is rejected (P4).
@pytest.mark.parametrize(
    "kind,counter",
    [("invalid_signatures", "dropped_invalid_signature"), ("invalid_payloads", "dropped_rejected")],
)
async def test_a_spammer_on_loopback_is_graylisted_and_disconnected(
    kind: str, counter: str
) -> None:
    async with pg.LocalNetwork(4, topology="full") as net:
        await net.subscribe(TOPIC)
        net.set_role(0, adversary.Spammer(rate=50, **{kind: True}))
        honest = [1, 2, 3]
        assert await until(lambda: all(graylisted(net.nodes[i]) >= 1 for i in honest))
        spammer = str(net.nodes[0].peer_id)
        for i in honest:
            assert net.nodes[i].stats()["router"][counter] >= 6
            (ban,) = [b for b in net.nodes[i].bans() if b.target == spammer]
            assert ban.rule == "graylisted" and ban.remaining is not None
        # Banned: its redials are refused, so it stays disconnected from every honest node.
        assert await until(lambda: all(net.score_breakdown(i, 0) is None for i in honest))
        roles = net.metrics()["role"]
        assert roles[0] == "spammer" and (roles[1:] == "honest").all()
        # Honest traffic still flows among the honest nodes.
        mid = await net.publish(1, TOPIC, b"still here")

        def everywhere() -> bool:
            d = net.deliveries()
            return set(d[d["msg_id"] == mid]["node"]) >= set(honest)

        assert await until(everywhere)


async def test_a_node_made_an_adversary_spams_from_its_start() -> None:
    spammer = adversary.Spammer(rate=50, invalid_signatures=True)
    async with (
        pg.Runtime() as rt,
        pg.Node(runtime=rt) as honest,
        pg.Node(runtime=rt, adversary=spammer) as bad,
        honest.subscribe(TOPIC),
        bad.subscribe(TOPIC),
    ):
        await bad.connect(honest.addrs[0])
        assert await until(lambda: graylisted(honest) >= 1)
        assert [b.rule for b in honest.bans()] == ["graylisted"]


async def test_a_plain_node_accepts_payloads_it_has_no_reason_to_reject() -> None:
    # Off by default: a plain Node's payloads are its application's own.
    spammer = adversary.Spammer(rate=50, invalid_payloads=True)
    async with (
        pg.Runtime() as rt,
        pg.Node(runtime=rt) as honest,
        pg.Node(runtime=rt, adversary=spammer) as bad,
        honest.subscribe(TOPIC) as sub,
        bad.subscribe(TOPIC),
    ):
        await bad.connect(honest.addrs[0])
        got = await asyncio.wait_for(sub.get(), timeout=30)
        assert got.data.startswith(b"\x00p2pgossip:invalid-payload")
        assert honest.stats()["router"]["dropped_rejected"] == 0
