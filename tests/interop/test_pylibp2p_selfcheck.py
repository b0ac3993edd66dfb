"""py-libp2p against itself: proves the interop peer works before p2pgossip is put against it.

Two py-libp2p nodes (TCP, Noise, yamux, GossipSub with StrictSign) in subprocesses. Messages
must flow both ways, and p2pgossip's own signature check must accept what py-libp2p signed,
which pins the signing format (`libp2p-pubsub:` prefix, protobuf field order) independently
of the network stack.
"""

from __future__ import annotations

import pytest
from p2pgossip import Message, PeerId

TOPIC = "interop-selfcheck"


def as_message(event: dict) -> Message:
    return Message(
        TOPIC,
        bytes.fromhex(event["data"]),
        from_=PeerId.parse(event["from"]).to_bytes(),
        seqno=bytes.fromhex(event["seqno"]),
        signature=bytes.fromhex(event["signature"]),
        key=bytes.fromhex(event["key"]),
    )


def connected_pair(pylibp2p_node, *args: str):
    a = pylibp2p_node(TOPIC, extra_args=args)
    b = pylibp2p_node(TOPIC, connect=(a.addrs[0],), extra_args=args)
    b.expect("connected", lambda e: e["peer_id"] == a.peer_id)
    for node in (a, b):
        node.send(wait_mesh=1, timeout=20)
        node.expect("peers")
    return a, b


@pytest.mark.parametrize(
    "stack",
    [
        ("--muxer", "yamux", "--meshsub", "1.2"),
        ("--muxer", "yamux", "--meshsub", "1.1"),
        ("--muxer", "mplex", "--meshsub", "1.2"),
    ],
    ids=["yamux-meshsub1.2", "yamux-meshsub1.1", "mplex-meshsub1.2"],
)
def test_messages_flow_both_ways(pylibp2p_node, stack) -> None:
    a, b = connected_pair(pylibp2p_node, *stack)
    payloads = {a: [bytes([i]) * 256 for i in range(3)], b: [bytes([0x80 + i]) for i in range(3)]}
    for sender, receiver in ((a, b), (b, a)):
        for data in payloads[sender]:
            sender.send(publish=data.hex())
        got = receiver.messages(3, lambda e, s=sender: e["from"] == s.peer_id)
        assert sorted(bytes.fromhex(e["data"]) for e in got) == sorted(payloads[sender])
        for e in got:
            assert e["topic"] == [TOPIC]
            assert as_message(e).verify(), f"p2pgossip rejects py-libp2p's signature on {e}"
    assert a.close() == 0
    assert b.close() == 0


def test_tampered_message_fails_p2pgossip_verification(pylibp2p_node) -> None:
    """The signature check above can fail: flipping one data byte must break it."""
    a, b = connected_pair(pylibp2p_node)
    a.send(publish="00" * 32)
    (e,) = b.messages(1, lambda e: e["from"] == a.peer_id)
    assert as_message(e).verify()
    assert not as_message({**e, "data": "01" + e["data"][2:]}).verify()
