"""Record validation from Python (node.dht.set_validator), on real nodes: a namespace's
validator decides what the node stores from a remote's PUT_VALUE, what its get() returns
(whoever answers first), and what its own put() accepts. Waits are on conditions."""

from __future__ import annotations

import asyncio

import p2pgossip as pg
import pytest
from p2pgossip._core import kad

from benchmarks.dht import dht_network
from tests.test_runtime_dht import until

HOSTILE = 0  # the bootstrap node: no validator, stores and serves anything
KAD = "/ipfs/kad/1.0.0"


def signed_like(key: bytes, value: bytes) -> bool:
    """The application's rule: a value must start with b"ok:"."""
    return value.startswith(b"ok:")


async def slow_but_fine(key: bytes, value: bytes) -> bool:
    await asyncio.sleep(0)  # answers on a later turn of the loop
    return value.startswith(b"ok:")


def broken(key: bytes, value: bytes) -> bool:
    raise RuntimeError("validator bug")


def rejected(node: pg.Node) -> int:
    return node.stats()["dht"]["records_rejected"]


async def test_a_namespace_validator_decides_what_is_stored_and_returned() -> None:
    async with dht_network(20) as net:
        nodes = net.nodes
        for i, node in enumerate(nodes):
            if i != HOSTILE:  # sync on most, async on some
                node.dht.set_validator("v", slow_but_fine if i % 3 == 0 else signed_like)
        await until(lambda: min(len(x.peers()) for x in nodes) >= 3, "a connected network")

        # Our own put checks first.
        with pytest.raises(pg.NodeError, match="record invalid"):
            await nodes[5].dht.put(b"/v/mine", b"forged")

        # A peer without the rule pushes a bad record: every honest server refuses it.
        before = sum(rejected(n) for n in nodes)
        assert await nodes[HOSTILE].dht.put(b"/v/bad", b"forged") == 0
        assert sum(rejected(n) for n in nodes) > before
        # It holds the record itself and answers GET_VALUE with it: an honest get checks
        # what it is given and finds nothing valid.
        assert await nodes[HOSTILE].dht.get(b"/v/bad") == b"forged"
        for i in (3, 11, 17):
            assert await nodes[i].dht.get(b"/v/bad") is None

        # A valid record is stored by the closest servers and found across the network.
        assert await nodes[4].dht.put(b"/v/good", b"ok:42") >= 10
        for i in (9, 12, 18):
            assert await nodes[i].dht.get(b"/v/good") == b"ok:42"
        # Other namespaces are not checked.
        assert await nodes[6].dht.put(b"/free/x", b"anything") >= 10


async def test_a_validator_that_raises_rejects_the_record_and_is_counted() -> None:
    async with dht_network(8) as net:
        nodes = net.nodes
        for node in nodes[1:]:
            node.dht.set_validator("v", broken)
        await until(lambda: min(len(x.peers()) for x in nodes) >= 3, "a connected network")
        assert await nodes[HOSTILE].dht.put(b"/v/k", b"ok:1") == 0
        assert sum(n.dht.validator_errors for n in nodes[1:]) >= 1
        with pytest.raises(pg.NodeError, match="record invalid"):
            await nodes[2].dht.put(b"/v/k", b"ok:1")


def test_namespaces_are_one_path_segment() -> None:
    node = pg.Node()
    for bad in ("", "a/b"):
        with pytest.raises(ValueError, match="namespace"):
            node.dht.set_validator(bad, signed_like)


async def test_a_flood_of_puts_for_a_slow_validator_is_bounded_and_counted() -> None:
    # A validator that never answers holds each PUT_VALUE until its check expires; past 64
    # waiting checks a PUT_VALUE is refused at once instead of queued.
    never = asyncio.Event()

    async def stuck(key: bytes, value: bytes) -> bool:
        await never.wait()
        return True

    async with pg.Runtime() as rt:
        server = await pg.Node(runtime=rt, discovery=["dht"]).start()
        server.dht.set_validator("v", stuck)
        # Raw kad requests through request(), from two peers (a connection carries at most
        # 64 streams).
        attackers = [await pg.Node(runtime=rt).start() for _ in range(2)]
        for a in attackers:
            await a.connect(server.addrs[0])

        async def put(i: int) -> None:
            key = b"/v/%d" % i
            record = {"key": key, "value": b"ok:%d" % i}
            msg = kad.encode({"type": "PUT_VALUE", "key": key, "record": record})
            await attackers[i % 2].request(server.peer_id, KAD, msg, timeout=30)

        results = await asyncio.gather(*(put(i) for i in range(80)), return_exceptions=True)
        # None stored: 16 refused at once, 64 held until their checks expired (10 s), then
        # refused as invalid.
        assert all(isinstance(r, pg.StreamResetError) for r in results), {repr(r) for r in results}
        d = server.stats()["dht"]
        assert (d["records_checked"], d["checks_refused"], d["records_rejected"]) == (64, 16, 64)
        assert await server.dht.get(b"/v/1") is None


def newest(key: bytes, values: list[bytes]) -> int:
    """The application's Select: the highest sequence number after b"ok:"."""
    return max(range(len(values)), key=lambda i: int(values[i][3:]))


async def test_get_selects_the_newest_record_and_sends_it_to_stale_holders() -> None:
    key = b"/s/k"
    async with dht_network(20) as net:
        nodes = net.nodes
        for node in nodes:
            node.dht.set_validator("s", signed_like, select=newest)
        await until(lambda: min(len(x.peers()) for x in nodes) >= 3, "a connected network")
        assert await nodes[1].dht.put(key, b"ok:1") > 0
        writer = nodes[HOSTILE]  # reaches servers one by one with raw PUT_VALUEs

        async def holding(value: bytes) -> list[pg.Node]:
            msg = kad.encode({"type": "GET_VALUE", "key": key})
            out = []
            for n in nodes[1:]:
                if n.peer_id in writer.peers():
                    got = kad.decode(await writer.request(n.peer_id, KAD, msg, timeout=30))
                    if (got.get("record") or {}).get("value") == value:
                        out.append(n)
            return out

        stale = await holding(b"ok:1")
        newer = stale[:4]
        put = {"type": "PUT_VALUE", "key": key, "record": {"key": key, "value": b"ok:2"}}
        for n in newer:
            await writer.request(n.peer_id, KAD, kad.encode(put), timeout=30)
        assert len(await holding(b"ok:2")) == 4
        reader = next(n for n in nodes[1:] if n not in newer)
        assert await reader.dht.get(key, quorum=20) == b"ok:2"
        d = reader.stats()["dht"]
        assert d["records_selected"] >= 1 and d["records_corrected"] >= 1
        # The holders of ok:1 it heard from were sent ok:2.
        for _ in range(100):
            if len(await holding(b"ok:2")) > 4:
                break
            await asyncio.sleep(0.05)
        assert len(await holding(b"ok:2")) > 4
        # Without a selector's quorum, the first valid record found ends a get.
        assert await reader.dht.get(key, quorum=1) in (b"ok:1", b"ok:2")


async def test_a_selector_that_fails_takes_the_first_record_found() -> None:
    key = b"/s/x"
    async with dht_network(8) as net:
        nodes = net.nodes
        for node in nodes:
            node.dht.set_validator("s", signed_like, select=lambda k, v: 99)
        await until(lambda: min(len(x.peers()) for x in nodes) >= 3, "a connected network")
        assert await nodes[1].dht.put(key, b"ok:1") > 0
        writer = nodes[HOSTILE]
        put = {"type": "PUT_VALUE", "key": key, "record": {"key": key, "value": b"ok:2"}}
        newer = [n for n in nodes[1:] if n.peer_id in writer.peers()][:2]
        for n in newer:
            await writer.request(n.peer_id, KAD, kad.encode(put), timeout=30)
        reader = next(n for n in nodes[1:] if n not in newer)
        assert await reader.dht.get(key, quorum=8) in (b"ok:1", b"ok:2")
        # Asked to choose, it answered nonsense: counted, and the first found was taken.
        assert reader.stats()["dht"]["records_selected"] == 1
        assert reader.dht.validator_errors == 1
        assert reader.stats()["dht"]["records_corrected"] == 0  # no choice, no correction
        with pytest.raises(ValueError, match="quorum"):
            await reader.dht.get(key, quorum=0)
