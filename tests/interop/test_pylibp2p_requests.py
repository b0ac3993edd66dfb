"""Request/response against py-libp2p's request_response module, both ways, over real
connections.

The framing is the same on both sides, so this is a wire test, not an adapter: py-libp2p
(libp2p/request_response/api.py with BytesCodec) opens one stream per exchange, negotiates
the protocol id with multistream-select, writes one unsigned-varint length-prefixed request
(VarIntLengthMsgReadWriter) and reads one length-prefixed response, as we do. Two
differences that do not break the exchange: py-libp2p's requester does not half-close after
its request (our responder answers a whole request without waiting for the FIN, and closes
the stream when it stays idle), and its responder closes the stream after answering, where
we read on. A handler failure is a stream reset on both sides. py-libp2p runs in a
subprocess (pylibp2p_node.py --serve, pylibp2p_requests.py).
"""

from __future__ import annotations

import asyncio
import time

import p2pgossip as pg
import pytest
from pylibp2p_proc import PyLibp2pNode

TOPIC = "interop-requests"
ECHO = "/interop/echo/1.0.0"
TIMEOUT_S = 60.0
# Above yamux's initial window (256 KiB) both ways: the flow control is exercised.
BIG = bytes(range(256)) * 1500


async def pylibp2p_requests(theirs: PyLibp2pNode, ours: pg.Node, protocol: str, data: bytes):
    """py-libp2p's request to us: (response bytes, None) or (None, its error class name)."""
    event = await theirs.ask(
        "response", request=str(ours.peer_id), protocol=protocol, data=data.hex()
    )
    return (bytes.fromhex(event["data"]) if event["data"] is not None else None), event["error"]


@pytest.fixture
async def connected(pylibp2p_node):
    """Our node and a py-libp2p node serving ECHO, connected by py-libp2p's dial: once it
    reports the dial, both sides hold the connection (an inbound connection is not yet
    usable by py-libp2p's new_stream when our side has upgraded it)."""
    async with pg.Runtime() as rt:
        ours = await pg.Node(runtime=rt).start()
        theirs = pylibp2p_node(TOPIC, connect=(ours.addrs[0],), extra_args=("--serve", ECHO))
        await theirs.ask("connected")
        their_id = pg.PeerId.parse(theirs.peer_id)
        deadline = time.monotonic() + TIMEOUT_S
        while their_id not in ours.peers():
            assert time.monotonic() < deadline, "py-libp2p's connection never reached us"
            await asyncio.sleep(0.02)
        yield ours, theirs


async def test_pylibp2p_requests_answered_by_our_handler(connected) -> None:
    ours, theirs = connected
    seen: list[pg.PeerId] = []

    async def handler(peer: pg.PeerId, data: bytes) -> bytes:
        seen.append(peer)
        if data == b"fail":
            raise ValueError("asked to fail")
        return b"ours:" + data

    ours.set_handler(ECHO, handler)
    assert await pylibp2p_requests(theirs, ours, ECHO, b"hello") == (b"ours:hello", None)
    assert await pylibp2p_requests(theirs, ours, ECHO, b"") == (b"ours:", None)
    assert await pylibp2p_requests(theirs, ours, ECHO, BIG) == (b"ours:" + BIG, None)
    assert seen == [pg.PeerId.parse(theirs.peer_id)] * 3
    # Our handler's failure resets the stream; py-libp2p reports a transport error.
    assert await pylibp2p_requests(theirs, ours, ECHO, b"fail") == (None, "RequestTransportError")
    # A protocol we do not serve is refused in multistream-select.
    assert await pylibp2p_requests(theirs, ours, "/interop/none/1", b"x") == (
        None,
        "ProtocolNotSupportedError",
    )
    assert len(seen) == 4  # the refused protocol never reached a handler


async def test_our_requests_answered_by_pylibp2p_handler(connected) -> None:
    ours, theirs = connected
    their_id = pg.PeerId.parse(theirs.peer_id)
    assert await ours.request(their_id, ECHO, b"hello") == b"olleh"
    got = await theirs.ask("request")
    assert (got["peer_id"], got["protocol"], got["data"]) == (
        str(ours.peer_id),
        ECHO,
        b"hello".hex(),
    )
    assert await ours.request(their_id, ECHO, BIG, max_response_size=1 << 20) == BIG[::-1]
    # py-libp2p's handler raising resets the stream.
    with pytest.raises(pg.StreamResetError):
        await ours.request(their_id, ECHO, b"fail")
    with pytest.raises(pg.UnsupportedProtocolError):
        await ours.request(their_id, "/interop/none/1", b"x")
    # The connection is still good for more.
    assert await ours.request(their_id, ECHO, b"ab") == b"ba"
