"""Router defaults: message ids from the crypto layer ('xxh3' unless told), StrictSign
verification by the crypto layer when no verify callable is given."""

import pytest
from p2pgossip import GossipConfig, Identity, Message, Router, Rpc, SignaturePolicy

TOPIC = "t"


def connected(router, peer=1):
    router.peer_connected(peer, b"peer-%d" % peer, False, "/meshsub/1.2.0", 0.0)
    router.subscribe(TOPIC, 0.0)
    router.rpc_received(peer, Rpc(subscriptions=[(True, TOPIC)]), 0.0)
    router.drain_actions()


def deliveries(router, message):
    router.rpc_received(1, Rpc(publish=[message]), 0.0)
    return [a for a in router.drain_actions() if a[0] == "deliver"]


def test_defaults_are_xxh3_ids_and_crypto_verification():
    r = Router(GossipConfig(), 1)
    connected(r)
    good = Message.create(Identity.generate(), TOPIC, b"signed")
    [(_, delivered, mid, _)] = deliveries(r, good)
    assert delivered == good and mid == good.id("xxh3")
    forged = Message.create(Identity.generate(), TOPIC, b"other").replace(signature=good.signature)
    assert deliveries(r, forged) == []
    assert r.counters()["dropped_invalid_signature"] == 1


def test_from_seqno_ids():
    r = Router(GossipConfig(), 1, message_id="from-seqno")
    connected(r)
    m = Message.create(Identity.generate(), TOPIC, b"x")
    [(_, _, mid, _)] = deliveries(r, m)
    assert mid == m.from_ + m.seqno == m.id("from-seqno")


def test_callable_ids_and_bad_names_rejected():
    r = Router(GossipConfig(signature_policy=SignaturePolicy.StrictNoSign), 1, message_id=len_id)
    connected(r)
    [(_, _, mid, _)] = deliveries(r, Message(TOPIC, b"abc"))
    assert mid == b"\x03"
    with pytest.raises(ValueError):
        Router(GossipConfig(), 1, message_id="sha1")
    with pytest.raises(TypeError):
        Router(GossipConfig(), 1, message_id=3)


def len_id(m):
    return bytes([len(m.data)])


def test_signature_policy_is_the_crypto_enum():
    c = GossipConfig()
    assert c.signature_policy is SignaturePolicy.StrictSign
    c.signature_policy = SignaturePolicy.StrictNoSign
    assert GossipConfig(signature_policy=SignaturePolicy.StrictNoSign) == c
    with pytest.raises(TypeError):
        c.signature_policy = "strict_sign"
