"""A first receipt that another node of the runtime has built is taken from the runtime's
message pool instead of being built again, and only when it is the same message: a from||seqno
id names no content, so a forgery under a held message's id must be judged on its own bytes
(its signature fails), never swapped for the genuine copy."""

from __future__ import annotations

from _sansio import varint
from p2pgossip import _core
from runtime_harness import Harness, subscribed_raw_peer

TOPIC = "t"


def publish_frame(m: _core.host.Message) -> bytes:
    body = m.encode()
    rpc = b"\x12" + varint(len(body)) + body  # RPC field 2: publish
    return varint(len(rpc)) + rpc


def router(h: Harness, node: int) -> dict:
    return h.rt.metrics(node)["router"]


def test_a_forgery_under_a_held_messages_id_is_judged_on_its_own_bytes(h: Harness) -> None:
    # b and c share the runtime (and its pool) but no link: each hears from its raw peer only.
    b, addr_b = h.add_node(message_id="from-seqno")
    c, addr_c = h.add_node(message_id="from-seqno")
    for node in (b, c):
        h.ok(h.rt.subscribe(node, TOPIC))
    to_b = subscribed_raw_peer(h, b, addr_b, TOPIC)
    to_c = subscribed_raw_peer(h, c, addr_c, TOPIC)
    author = _core.crypto.Identity.generate()
    genuine = _core.host.Message.create(author, TOPIC, b"genuine", seqno=7)
    forgery = genuine.replace(data=b"forged!")  # same from and seqno: the same id
    assert forgery.id("from-seqno") == genuine.id("from-seqno")

    to_b.send_stream(to_b.pubsub, publish_frame(genuine))
    h.wait(lambda: h.deliveries(b), "b delivers the genuine message")
    to_c.send_stream(to_c.pubsub, publish_frame(forgery))
    h.wait(lambda: router(h, c)["dropped_invalid_signature"] == 1, "c rejects the forgery")
    assert not h.deliveries(c)  # not the pool's genuine copy in the forgery's place
