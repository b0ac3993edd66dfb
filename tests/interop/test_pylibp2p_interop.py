"""p2pgossip against py-libp2p on loopback: the libp2p wire, end to end.

A p2pgossip node (`_core.runtime.Runtime`) and a py-libp2p node (subprocess, pylibp2p_node.py)
connect in either direction over TCP + multistream-select + Noise XX + yamux, both subscribe to
one topic, and signed messages published on each side are delivered on the other. py-libp2p runs
StrictSign, so everything it delivers passed its signature check; what p2pgossip delivers is
checked here with Message.verify(). p2pgossip uses `from || seqno` message ids, the libp2p
default, so IHAVE/IWANT ids agree with py-libp2p's.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from p2pgossip import Message, PeerId, _core

TOPIC = "interop"
TIMEOUT_S = 30.0


class Runtime:
    """One p2pgossip node in a Runtime; waits on the runtime's eventfd with a deadline."""

    def __init__(self) -> None:
        self.rt = _core.runtime.Runtime()
        self.rt.start()
        self.events: list[tuple[Any, ...]] = []
        self.identity = _core.crypto.Identity.generate()
        self.node, request = self.rt.add_node(
            self.identity, listen=["/ip4/127.0.0.1/tcp/0"], message_id="from-seqno"
        )
        self.ok(request)
        (self.addr, *_) = next(e[2] for e in self.events if e[0] == "listening")

    def wait(self, cond: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not cond():
            left = deadline - time.monotonic()
            assert left > 0, f"p2pgossip: timed out waiting for {what}; events {self.events}"
            # Metrics change without an event, so conditions are re-checked every 20 ms.
            select.select([self.rt.fd], [], [], min(left, 0.02))
            self.events += self.rt.drain()

    def ok(self, request: int) -> None:
        def done() -> tuple[Any, ...] | None:
            return next((e for e in self.events if e[0] == "done" and e[1] == request), None)

        self.wait(lambda: done() is not None, f"request {request}")
        assert done()[2] is None, done()[2]

    def metrics(self) -> dict[str, Any]:
        m = self.rt.metrics(self.node)
        assert m is not None
        return m

    def received(self) -> list[tuple[Any, ...]]:
        """Deliveries of messages that came from a peer (own publishes excluded)."""
        return [e for e in self.events if e[0] == "delivered" and e[4] != b""]

    def close(self) -> None:
        self.rt.close()


@pytest.fixture
def ours() -> Iterator[Runtime]:
    runtime = Runtime()
    yield runtime
    runtime.close()


def pylibp2p_message_verifies(event: dict[str, Any]) -> bool:
    """p2pgossip's own check of a message as py-libp2p delivered it."""
    return Message(
        TOPIC,
        bytes.fromhex(event["data"]),
        from_=PeerId.parse(event["from"]).to_bytes(),
        seqno=bytes.fromhex(event["seqno"]),
        signature=bytes.fromhex(event["signature"]),
        key=bytes.fromhex(event["key"]) or None,
    ).verify()


@pytest.mark.parametrize("dialer", ["p2pgossip", "py-libp2p"])
@pytest.mark.parametrize("meshsub", ["1.2", "1.1"])
def test_signed_messages_flow_both_ways(pylibp2p_node, ours: Runtime, dialer, meshsub) -> None:
    ours.ok(ours.rt.subscribe(ours.node, TOPIC))
    theirs = pylibp2p_node(
        TOPIC,
        connect=(ours.addr,) if dialer == "py-libp2p" else (),
        extra_args=("--meshsub", meshsub),
    )
    if dialer == "p2pgossip":
        ours.ok(ours.rt.connect(ours.node, theirs.addrs[0]))
    else:
        theirs.expect("connected")
    their_id = PeerId.parse(theirs.peer_id).to_bytes()
    direction = "outbound" if dialer == "p2pgossip" else "inbound"
    ours.wait(lambda: ours.metrics()["mesh_sizes"].get(TOPIC) == 1, "a mesh peer")
    theirs.send(wait_mesh=1, timeout=TIMEOUT_S)
    assert theirs.expect("peers")["peers"] == [str(ours.identity.peer_id)]
    ((peer_id, addr, peer_direction, protocol, *_),) = ours.metrics()["peers"]
    assert (peer_id, peer_direction, protocol) == (their_id, direction, f"/meshsub/{meshsub}.0")
    assert addr.startswith("/ip4/127.0.0.1/tcp/")
    # py-libp2p's identify carries its signed peer record; we verify and keep it.
    ours.wait(
        lambda: ours.metrics()["peer_manager"]["peer_records_added"] == 1, "py-libp2p's record"
    )
    assert ours.metrics()["drops"]["identify_record_invalid"] == 0

    to_them = [bytes([i]) * 256 for i in range(5)]
    for data in to_them:
        ours.ok(ours.rt.publish_data(ours.node, TOPIC, data)[0])
    got = theirs.messages(5, lambda e: e["from"] == str(ours.identity.peer_id))
    assert sorted(bytes.fromhex(e["data"]) for e in got) == to_them
    assert all(e["topic"] == [TOPIC] and pylibp2p_message_verifies(e) for e in got)

    to_us = [bytes([0x80 + i]) * 256 for i in range(5)]
    for data in to_us:
        theirs.send(publish=data.hex())
    ours.wait(lambda: len(ours.received()) == 5, "py-libp2p's messages")
    for _, _, message, _, received_from, _ in ours.received():
        assert message.topic == TOPIC and message.from_ == their_id
        assert received_from == their_id
        assert message.verify()
    assert sorted(e[2].data for e in ours.received()) == to_us
    assert ours.metrics()["router"]["dropped_invalid_signature"] == 0
    assert theirs.close() == 0
