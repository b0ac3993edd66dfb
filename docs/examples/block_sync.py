"""Header-first block sync between two nodes over request/response.

A serving node has a chain; a new node asks for headers in ranges (GetHeaders → Headers),
checks that each links to the one before, then asks for the bodies by range (BlockRequest →
BlockResponse) and checks each against its header. The chain logic is all here, in the
application; the library only carries the requests (``Node.set_handler``,
``Node.request``): one yamux stream per exchange, length-prefixed, bounded.

Wire format (this example's, not a standard): a header is
``height (u64) | parent hash (32) | body hash (32)``, its hash the SHA-256 of those 72
bytes; requests are ``kind (u8) | start (u64) | count (u16)``; a Headers answer is the
headers back to back, a BlockResponse answer the bodies, each prefixed by its u32 length.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
from dataclasses import dataclass

import p2pgossip as pg

HEADERS = "/example/sync/headers/1.0.0"
BLOCKS = "/example/sync/blocks/1.0.0"
STATUS = "/example/sync/status/1.0.0"
MAX_RANGE = 64  # headers or bodies per request: answers stay far below max_response_size
HEADER = struct.Struct(">Q32s32s")
RANGE = struct.Struct(">QH")
GENESIS_PARENT = bytes(32)


@dataclass(frozen=True)
class Header:
    height: int
    parent: bytes
    body_hash: bytes

    def encode(self) -> bytes:
        return HEADER.pack(self.height, self.parent, self.body_hash)

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(self.encode()).digest()


class SyncError(Exception):
    """The serving peer sent something that is not the chain it claims."""


@dataclass
class Chain:
    headers: list[Header]
    bodies: list[bytes]

    @classmethod
    def build(cls, blocks: int) -> Chain:
        chain = cls([], [])
        for height in range(blocks):
            chain.append(f"block {height}: ".encode() + bytes(height % 251) * 40)
        return chain

    def append(self, body: bytes) -> None:
        parent = self.headers[-1].hash if self.headers else GENESIS_PARENT
        self.headers.append(Header(len(self.headers), parent, hashlib.sha256(body).digest()))
        self.bodies.append(body)

    @property
    def head(self) -> bytes:
        return self.headers[-1].hash if self.headers else GENESIS_PARENT


def serve(node: pg.Node, chain: Chain) -> None:
    """Answer status, header and block requests from ``chain``."""

    def span(data: bytes) -> range:
        start, count = RANGE.unpack(data)
        return range(start, min(start + min(count, MAX_RANGE), len(chain.headers)))

    async def status(peer: pg.PeerId, data: bytes) -> bytes:
        return struct.pack(">Q32s", len(chain.headers), chain.head)

    async def headers(peer: pg.PeerId, data: bytes) -> bytes:
        return b"".join(chain.headers[h].encode() for h in span(data))

    async def blocks(peer: pg.PeerId, data: bytes) -> bytes:
        return b"".join(
            struct.pack(">I", len(b)) + b for b in (chain.bodies[h] for h in span(data))
        )

    node.set_handler(STATUS, status)
    node.set_handler(HEADERS, headers)
    node.set_handler(BLOCKS, blocks)


async def sync(node: pg.Node, peer: pg.PeerId) -> Chain:
    """Download and check ``peer``'s chain: headers first, then bodies."""
    length, head = struct.unpack(">Q32s", await node.request(peer, STATUS, b""))
    headers: list[Header] = []
    parent = GENESIS_PARENT
    while len(headers) < length:
        answer = await node.request(peer, HEADERS, RANGE.pack(len(headers), MAX_RANGE))
        if not answer or len(answer) % HEADER.size:
            raise SyncError(f"malformed Headers answer of {len(answer)} bytes")
        for i in range(0, len(answer), HEADER.size):
            h = Header(*HEADER.unpack_from(answer, i))
            if h.height != len(headers) or h.parent != parent:
                raise SyncError(f"header {h.height} does not extend the chain")
            headers.append(h)
            parent = h.hash
    if parent != head:
        raise SyncError("the headers do not end at the announced head")
    chain = Chain([], [])
    while len(chain.bodies) < length:
        answer = await node.request(peer, BLOCKS, RANGE.pack(len(chain.bodies), MAX_RANGE))
        pos = 0
        while pos < len(answer):
            (size,) = struct.unpack_from(">I", answer, pos)
            body = answer[pos + 4 : pos + 4 + size]
            pos += 4 + size
            expected = headers[len(chain.bodies)]
            if hashlib.sha256(body).digest() != expected.body_hash:
                raise SyncError(f"body {expected.height} does not match its header")
            chain.headers.append(expected)
            chain.bodies.append(body)
        if pos == 0:
            raise SyncError("empty BlockResponse")
    return chain


async def main(blocks: int = 500) -> Chain:
    async with pg.Runtime() as rt:
        server = await pg.Node(runtime=rt).start()
        serve(server, Chain.build(blocks))
        client = await pg.Node(runtime=rt).start()
        await client.connect(server.addrs[0])
        return await sync(client, server.peer_id)


if __name__ == "__main__":
    chain = asyncio.run(main())
    print(f"synced {len(chain.headers)} blocks, head {chain.head.hex()[:16]}")
