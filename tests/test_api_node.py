"""The asyncio Node over real loopback sockets: connect, publish, subscribe, validate,
close. Waiting is on events (deliveries, futures), never on sleeps."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

import p2pgossip as pg
import pytest
from p2pgossip.node import NodeError, NoPeersError, ValidationResult

TIMEOUT = 20


def threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def tasks() -> int:
    return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0


async def pair(**kw):
    """Two connected nodes sharing one runtime, both subscribed to 't' with a mesh formed."""
    rt = pg.Runtime()
    await rt.__aenter__()
    a = await pg.Node(runtime=rt, **kw).start()
    b = await pg.Node(runtime=rt, **kw).start()
    await a.connect(b.addrs[0])
    return rt, a, b


async def wait_for(pred, what: str) -> None:
    """Yield to the loop until pred() holds (events arrive through the pump)."""

    async def loop() -> None:
        while not pred():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(loop(), TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def test_node_identity_addrs_and_close() -> None:
    ident = pg.Identity.generate()
    async with pg.Node(identity=ident) as node:
        assert node.peer_id == ident.peer_id
        assert node.addrs and all(a.endswith(f"/p2p/{node.peer_id}") for a in node.addrs)
        assert node.addrs[0].startswith("/ip4/127.0.0.1/tcp/")
        assert not node.addrs[0].startswith("/ip4/127.0.0.1/tcp/0/")
        assert node.peers() == []
    with pytest.raises(NodeError, match="closed"):
        await node.publish("t", b"x")


async def test_connect_publish_and_receive_with_every_field() -> None:
    rt, a, b = await pair()
    try:
        assert b.peer_id in a.peers()
        await wait_for(lambda: a.peer_id in b.peers(), "b to see a")
        async with a.subscribe("t") as sa, b.subscribe("t") as sb:
            await wait_for(lambda: b.stats()["mesh_sizes"].get("t", 0) > 0, "mesh")
            mid = await b.publish("t", b"hello")
            msg = await asyncio.wait_for(sa.__anext__(), TIMEOUT)
            assert (msg.data, msg.topic, msg.id) == (b"hello", "t", mid)
            assert msg.from_peer == b.peer_id and msg.received_from == b.peer_id
            assert isinstance(msg.seqno, int)
            assert msg.received_at > 0
            own = await asyncio.wait_for(sb.__anext__(), TIMEOUT)
            assert own.id == mid and own.received_from is None
    finally:
        await rt.close()


async def test_connect_checks_the_p2p_id() -> None:
    rt, a, b = await pair()
    try:
        async with pg.Node(runtime=rt) as c:
            other = pg.Identity.generate().peer_id
            wrong = c.addrs[0].rsplit("/p2p/", 1)[0] + f"/p2p/{other}"
            with pytest.raises(NodeError):
                await a.connect(wrong)
            assert c.peer_id not in a.peers()
    finally:
        await rt.close()


async def test_bootstrap_peers_from_peer_config_are_dialled_at_start() -> None:
    async with pg.Runtime() as rt, pg.Node(runtime=rt) as a:
        b = pg.Node(runtime=rt, peers=pg.PeerConfig(bootstrap=[a.addrs[0]]))
        async with b:
            await wait_for(lambda: a.peer_id in b.peers(), "b to dial its bootstrap peer")
            assert b.peer_id in a.peers()


async def test_publish_errors_are_clear() -> None:
    cfg = pg.GossipConfig()
    cfg.max_message_size = 1000
    async with pg.Node(config=cfg) as node:
        with pytest.raises(ValueError, match="max_message_size"):
            await node.publish("t", b"x" * 1001)
        with pytest.raises(NoPeersError):
            await node.publish("t", b"x", require_peers=True)
        assert len(await node.publish("t", b"x")) == 32  # nobody listening is not an error
        # the fast paths check size before signing anything
        with pytest.raises(ValueError, match="max_message_size"):
            node.publish_nowait("t", b"x" * 1001)
        with pytest.raises(ValueError, match="max_message_size"):
            await node.publish_many("t", [b"ok", b"x" * 1001])
        assert node.stats()["router"]["messages_published"] == 1
    with pytest.raises(NodeError, match="closed"):
        node.publish_nowait("t", b"x")


async def test_publish_nowait_and_publish_many_deliver_in_order() -> None:
    rt, a, b = await pair()
    try:
        async with a.subscribe("t") as sa, b.subscribe("t"):
            await wait_for(lambda: b.stats()["mesh_sizes"].get("t", 0) > 0, "mesh")
            ids = [b.publish_nowait("t", b"n%d" % i) for i in range(3)]
            ids += await b.publish_many("t", (bytearray(b"m%d" % i) for i in range(3)))
            ids += await b.publish_many("t", [])
            got = [await asyncio.wait_for(sa.get(), TIMEOUT) for _ in range(6)]
            assert [m.id for m in got] == ids and len(set(ids)) == 6
            assert [m.data for m in got] == [b"n0", b"n1", b"n2", b"m0", b"m1", b"m2"]
            assert b.stats()["drops"]["publish_failed"] == 0
    finally:
        await rt.close()


async def test_publish_nowait_batches_reach_the_router_without_any_await() -> None:
    # 600 calls without yielding: the coalescing bound (256 waiting) hands them over in
    # batches, the loop's flush the rest; an awaited publish then queues behind them.
    async with pg.Node() as node:
        sub = node.subscribe("t", maxsize=1000)
        await node.publish("t", b"sync")  # the subscription is in place
        ids = [node.publish_nowait("t", b"n%d" % i) for i in range(600)]
        ids.append(await node.publish("t", b"last"))
        got = [await asyncio.wait_for(sub.get(), TIMEOUT) for _ in range(602)][1:]
        assert [m.id for m in got] == ids
        assert node.stats()["router"]["messages_published"] == 602


async def test_publish_many_in_pipelined_chunks_keeps_order_and_reports_refusals() -> None:
    cfg = pg.GossipConfig(signature_policy=pg.SignaturePolicy.StrictNoSign)
    async with pg.Node(config=cfg) as node:
        sub = node.subscribe("t", maxsize=1000)
        await node.publish("t", b"sync")
        ids = await node.publish_many("t", [b"m%d" % i for i in range(200)])  # 3 chunks
        got = [await asyncio.wait_for(sub.get(), TIMEOUT) for _ in range(201)][1:]
        assert [m.id for m in got] == ids and len(set(ids)) == 200
        # unsigned messages with equal data share an id: the router refuses the repeats,
        # here in the first and the last chunk; the one error counts both, and everything
        # else is published
        data = [b"d%d" % i for i in range(150)]
        data[10] = data[140] = data[0]
        with pytest.raises(NodeError, match=r"already .*\(2 of the batch failed\)$"):
            await node.publish_many("t", data)
        assert node.stats()["router"]["messages_published"] == 1 + 200 + 148


async def test_publish_nowait_waits_for_the_loop_to_wake_the_io_thread() -> None:
    async with pg.Node() as node:
        sub = node.subscribe("t")
        await node.publish("t", b"sync")
        ids = [node.publish_nowait("t", b"n%d" % i) for i in range(5)]
        # below the coalescing bound nothing is handed over until the loop runs the flush
        assert node.stats()["router"]["messages_published"] == 1
        got = [await asyncio.wait_for(sub.get(), TIMEOUT) for _ in range(6)][1:]
        assert [m.id for m in got] == ids


async def test_closing_a_node_ends_active_subscriptions() -> None:
    node = await pg.Node().start()
    sub = node.subscribe("t")
    reader = asyncio.ensure_future(_collect(sub))
    await asyncio.sleep(0)
    await node.close()
    assert await asyncio.wait_for(reader, TIMEOUT) == []
    assert sub.closed


async def _collect(sub) -> list:
    return [m async for m in sub]


async def test_cancelling_a_waiting_async_for_leaves_the_subscription_usable() -> None:
    rt, a, b = await pair()
    try:
        async with a.subscribe("t") as sa, b.subscribe("t"):
            waiting = asyncio.ensure_future(sa.__anext__())
            await asyncio.sleep(0)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await wait_for(lambda: b.stats()["mesh_sizes"].get("t", 0) > 0, "mesh")
            mid = await b.publish("t", b"after cancel")
            assert (await asyncio.wait_for(sa.get(), TIMEOUT)).id == mid
    finally:
        await rt.close()


async def test_overflow_policies_count_drops() -> None:
    rt, a, b = await pair()
    try:
        old = a.subscribe("t", maxsize=2, overflow="drop_oldest")
        new = a.subscribe("t", maxsize=2, overflow="drop_newest")
        async with b.subscribe("t"):
            await wait_for(lambda: b.stats()["mesh_sizes"].get("t", 0) > 0, "mesh")
            ids = [await b.publish("t", bytes([i])) for i in range(5)]
            await wait_for(lambda: old.dropped + new.dropped == 6, "5 deliveries to each")
        assert [m.id for m in old.get_batch()] == ids[-2:]
        assert [m.id for m in new.get_batch()] == ids[:2]
        with pytest.raises(ValueError):
            a.subscribe("t", overflow="block")  # type: ignore[arg-type]
    finally:
        await rt.close()


def decide(msg):
    if msg.data == b"boom":
        raise RuntimeError("validator bug")
    if msg.data == b"weird":
        return "accept"  # not a ValidationResult: an error too
    return ValidationResult.ACCEPT if msg.data.startswith(b"ok") else ValidationResult.REJECT


async def adecide(msg):
    await asyncio.sleep(0)
    return decide(msg)


class AnswerLog:
    """Stands in for the native runtime's validation_result command."""

    def __init__(self) -> None:
        self.answers: dict[int, str] = {}

    def validation_result(self, node: int, token: int, result: str) -> None:
        self.answers[token] = result

    def set_validator(self, node: int, topic: str, registered: bool) -> None:
        pass

    def count_app_drop(self, node: int, reason: str, n: int = 1) -> None:
        self.answers.setdefault(-1, reason)


@pytest.mark.parametrize("fn", [decide, adecide], ids=["sync", "async"])
async def test_validator_answers_errors_and_concurrency_limit(
    fn, caplog: pytest.LogCaptureFixture
) -> None:
    node = pg.Node(validation_concurrency=2)
    node._id = 0
    log = AnswerLog()
    node._runtime._core = log  # type: ignore[assignment]
    node.set_validator("t", fn)
    author = pg.Identity.generate()
    datas = [b"bad", b"boom", b"weird", b"ok1", b"ok2", b"bad2"]
    with caplog.at_level(logging.ERROR, logger="p2pgossip"):
        for token, data in enumerate(datas):
            node._validate(token, pg.Message.create(author, "t", data), b"id", b"")
        if fn is adecide:
            assert node._validation.running == 2 and len(node._validation.backlog) == 4
            while len(log.answers) < len(datas):
                await asyncio.sleep(0)
    assert [log.answers[t] for t in range(len(datas))] == [
        "reject",
        "ignore",
        "ignore",
        "accept",
        "accept",
        "reject",
    ]
    assert node.validator_errors == 2
    assert [r.reason for r in caplog.records] == ["validator_error"] * 2
    assert node._validation.running == 0


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_validators_decide_and_their_exceptions_are_contained(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    rt, a, b = await pair()
    try:
        a.set_validator("t", decide if kind == "sync" else adecide)
        async with a.subscribe("t") as sa, b.subscribe("t"):
            await wait_for(lambda: b.stats()["mesh_sizes"].get("t", 0) > 0, "mesh")
            with caplog.at_level(logging.ERROR, logger="p2pgossip"):
                for data in (b"bad", b"boom", b"weird", b"ok1"):
                    await b.publish("t", data)
                msg = await asyncio.wait_for(sa.get(), TIMEOUT)
            assert msg.data == b"ok1"  # the others were rejected or ignored, not delivered
            assert sa.qsize() == 0
            assert a.validator_errors == 2
            assert [r.reason for r in caplog.records] == ["validator_error"] * 2
            r = a.stats()["router"]
            assert r["dropped_rejected"] == 1 and r["dropped_ignored"] == 2
    finally:
        await rt.close()


async def test_app_score_and_metrics_exposition() -> None:
    parser = pytest.importorskip("prometheus_client.parser")
    rt, a, b = await pair()
    try:
        a.set_app_score(b.peer_id, 5.0)
        fams = {f.name: f for f in parser.text_string_to_metric_families(a.metrics_text())}
        peers = fams["p2pgossip_peers"].samples[0]
        assert peers.labels == {"node": str(a.peer_id)} and peers.value == 1
        assert "p2pgossip_dropped" in fams
    finally:
        await rt.close()


async def test_metrics_port_serves_the_exposition() -> None:
    async with pg.Node(metrics_port=0) as node:
        url = node.metrics_url
        assert url is not None
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        body = await reader.read()
        writer.close()
    assert body.startswith(b"HTTP/1.1 200 OK")
    assert b"text/plain; version=0.0.4" in body
    assert b"# TYPE p2pgossip_peers gauge" in body


async def test_no_thread_is_left_after_close() -> None:
    before, before_tasks = threads(), tasks()
    rt, a, b = await pair()
    async with a.subscribe("t"):
        assert tasks() > before_tasks
    await rt.close()
    assert threads() == before
    assert tasks() == before_tasks


async def test_ban_disconnects_refuses_and_lists_then_unban_readmits() -> None:
    rt, a, b = await pair()
    try:
        with pytest.raises(ValueError, match="duration"):
            a.ban(b.peer_id, duration=0)
        with pytest.raises(ValueError, match="not a peer id or an IP"):
            a.ban("nobody")
        a.ban(b.peer_id, duration=600, reason="misbehaved")
        await wait_for(lambda: a.peers() == [], "b disconnected")
        (ban,) = a.bans()
        assert isinstance(ban, pg.Ban)
        assert (ban.target, ban.kind, ban.rule, ban.reason) == (
            str(b.peer_id),
            "peer",
            "manual",
            "misbehaved",
        )
        assert ban.remaining is not None and 590 < ban.remaining <= 600
        with pytest.raises(NodeError, match="banned"):
            await a.connect(b.addrs[0])
        a.unban(b.peer_id)
        await a.connect(b.addrs[0])
        assert a.peers() == [b.peer_id] and a.bans() == []
        # Prometheus: each ban and refusal under its event (and rule).
        (family,) = [f for f in a.metrics_snapshot() if f["name"] == "p2pgossip_bans_total"]
        got = {(s["labels"]["event"], s["labels"]["rule"]): s["value"] for s in family["samples"]}
        assert got[("made", "manual")] == 1 and got[("made", "graylisted")] == 0
        assert got[("closed", "")] == 1 and got[("refused_dial", "")] == 1
        assert got[("unbanned", "")] == 1
    finally:
        await rt.close()
