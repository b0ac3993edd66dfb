"""Request/response between real nodes on loopback: Node.set_handler and Node.request, their
errors, limits and what a misbehaving handler or requester costs. Waits are on futures and
events; the timeouts that are asserted are the protocol's own, never the test's clock."""

from __future__ import annotations

import asyncio

import p2pgossip as pg
import pytest

ECHO = "/test/echo/1.0.0"


async def reverse(peer: pg.PeerId, data: bytes) -> bytes:
    return data[::-1]


async def connected(limits_b: pg.NodeLimits | None = None):
    rt = pg.Runtime()
    await rt.__aenter__()
    a = await pg.Node(runtime=rt).start()
    b = await pg.Node(runtime=rt, limits=limits_b).start()
    await a.connect(b.addrs[0])
    return rt, a, b


async def test_a_handler_answers_and_sees_who_asked() -> None:
    rt, a, b = await connected()
    seen: list[pg.PeerId] = []

    def sync_handler(peer: pg.PeerId, data: bytes) -> bytes:  # plain functions work too
        seen.append(peer)
        return b"sync:" + data

    b.set_handler(ECHO, reverse)
    b.set_handler("/test/sync/1", sync_handler)
    assert await a.request(b.peer_id, ECHO, b"hello") == b"olleh"
    assert await a.request(b.peer_id, ECHO, b"") == b""
    assert await a.request(b.peer_id, "/test/sync/1", b"x") == b"sync:x"
    assert seen == [a.peer_id]
    await rt.close()


async def test_many_concurrent_requests_each_get_their_answer() -> None:
    rt, a, b = await connected()

    async def slow_double(peer: pg.PeerId, data: bytes) -> bytes:
        await asyncio.sleep(0)  # interleave the handlers
        return data * 2

    b.set_handler(ECHO, slow_double)
    payloads = [bytes([i]) * (i * 997) for i in range(40)]
    answers = await asyncio.gather(*(a.request(b.peer_id, ECHO, p) for p in payloads))
    assert answers == [p * 2 for p in payloads]
    await rt.close()


async def test_a_handler_set_before_start_is_served() -> None:
    async with pg.Runtime() as rt:
        b = pg.Node(runtime=rt)
        b.set_handler(ECHO, reverse)
        await b.start()
        a = await pg.Node(runtime=rt).start()
        await a.connect(b.addrs[0])
        assert await a.request(b.peer_id, ECHO, b"ab") == b"ba"


async def test_megabyte_payloads_within_the_limits() -> None:
    rt, a, b = await connected(pg.NodeLimits(max_request_size=4 << 20))
    b.set_handler(ECHO, reverse)
    big = bytes(range(256)) * 12_000
    assert await a.request(b.peer_id, ECHO, big, max_response_size=4 << 20) == big[::-1]
    await rt.close()


async def test_errors_say_what_went_wrong() -> None:
    rt, a, b = await connected(pg.NodeLimits(max_request_size=1000, request_timeout=1.0))
    b.set_handler(ECHO, reverse)

    with pytest.raises(pg.UnsupportedProtocolError):
        await a.request(b.peer_id, "/test/nobody/1", b"x")
    with pytest.raises(pg.ResponseTooLargeError):
        await a.request(b.peer_id, ECHO, b"x" * 100, max_response_size=99)
    # The remote's request limit: its stream is reset, and counted there.
    with pytest.raises(pg.StreamResetError):
        await a.request(b.peer_id, ECHO, b"x" * 1001)
    assert b.stats()["drops"]["request_too_large"] == 1

    async def never(peer: pg.PeerId, data: bytes) -> bytes:
        await asyncio.Event().wait()
        return b""

    b.set_handler("/test/never/1", never)
    with pytest.raises(pg.RequestTimeoutError) as info:
        await a.request(b.peer_id, "/test/never/1", b"x", timeout=0.3)
    assert isinstance(info.value, TimeoutError)
    # The responder gives up at its request_timeout: the stuck handler is cancelled.
    with pytest.raises(pg.StreamResetError):
        await a.request(b.peer_id, "/test/never/1", b"x", timeout=30)

    b.set_handler(ECHO, None)
    with pytest.raises(pg.UnsupportedProtocolError):
        await a.request(b.peer_id, ECHO, b"x")
    await rt.close()


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param(lambda peer, data: 1 / 0, id="raises"),
        pytest.param(lambda peer, data: "not bytes", id="wrong-type"),
    ],
)
async def test_a_failing_handler_resets_the_exchange_and_the_node_carries_on(handler) -> None:
    rt, a, b = await connected()
    b.set_handler("/test/bad/1", handler)
    b.set_handler(ECHO, reverse)
    with pytest.raises(pg.StreamResetError):
        await a.request(b.peer_id, "/test/bad/1", b"x")
    assert b._handlers.errors == 1
    assert await a.request(b.peer_id, ECHO, b"ok") == b"ko"
    await rt.close()


async def test_requests_beyond_the_inbound_budget_are_refused_and_counted() -> None:
    rt, a, b = await connected(pg.NodeLimits(max_inbound_requests=2))
    release = asyncio.Event()

    async def held(peer: pg.PeerId, data: bytes) -> bytes:
        await release.wait()
        return data

    b.set_handler(ECHO, held)
    first = [asyncio.ensure_future(a.request(b.peer_id, ECHO, bytes([i]))) for i in range(2)]
    while len(b._handlers._tasks) < 2:
        await asyncio.sleep(0.01)
    with pytest.raises(pg.StreamResetError):
        await a.request(b.peer_id, ECHO, b"third")
    assert b.stats()["drops"]["requests_busy"] == 1
    release.set()
    assert await asyncio.gather(*first) == [b"\x00", b"\x01"]
    await rt.close()


async def test_not_connected_and_closed_connections() -> None:
    rt, a, b = await connected()
    stranger = pg.Identity.generate().peer_id
    with pytest.raises(pg.NotConnectedError):
        await a.request(stranger, ECHO, b"x")

    started = asyncio.Event()

    async def stall(peer: pg.PeerId, data: bytes) -> bytes:
        started.set()
        await asyncio.Event().wait()
        return b""

    b.set_handler(ECHO, stall)
    pending = asyncio.ensure_future(a.request(b.peer_id, ECHO, b"x", timeout=60))
    await started.wait()
    await b.close()
    with pytest.raises(pg.RequestError) as info:
        await pending
    assert info.value.kind in ("connection_closed", "reset")
    await rt.close()


@pytest.mark.parametrize(
    "protocol", ["no-slash", "/meshsub/1.1.0", "/ipfs/ping/1.0.0", "/x" * 200, "/a\nb"]
)
async def test_bad_protocol_ids_are_refused_up_front(protocol: str) -> None:
    async with pg.Node() as a:
        with pytest.raises(ValueError):
            a.set_handler(protocol, reverse)
        with pytest.raises(ValueError):
            await a.request(a.peer_id, protocol, b"x")
