"""Signature policy and application validators: invalid is never delivered or forwarded."""

import pytest
from p2pgossip import SignaturePolicy
from router_harness import TOPIC, Harness, config, delivered, message_id, msg, of_kind


def joined(cfg, **kw):
    h = Harness(cfg, **kw)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(8))
    h.heartbeat()
    return h


def signed(data, sig=b"good"):
    return msg(data, from_=b"author", seqno=b"\0" * 8, signature=sig, key=None)


def test_strict_sign_rejects_bad_and_unsigned_messages():
    h = joined(
        config(signature_policy=SignaturePolicy.StrictSign), verify=lambda m: m.signature == b"good"
    )
    for m in (signed(b"a", b"bad"), msg(b"unsigned")):
        actions = h.receive(0, publish=[m])
        assert not delivered(actions) and not of_kind(actions, "publish")
    assert h.router.counters()["dropped_invalid_signature"] == 2
    assert delivered(h.receive(0, publish=[signed(b"ok")]))


def test_strict_sign_default_verifier_rejects_fake_signatures():
    h = joined(config(signature_policy=SignaturePolicy.StrictSign))
    assert not delivered(h.receive(0, publish=[signed(b"a")]))


def test_strict_no_sign_rejects_signed_fields():
    h = joined(config())
    assert not delivered(h.receive(0, publish=[signed(b"a")]))
    assert not delivered(h.receive(0, publish=[msg(b"b", seqno=b"1")]))
    assert h.router.counters()["dropped_invalid_signature"] == 2


def test_rejected_message_id_still_marked_seen():
    calls = []
    h = joined(config(), validate=lambda t, m, p: calls.append(m) or "reject")
    h.receive(0, publish=[msg(b"r")])
    h.receive(1, publish=[msg(b"r")])
    assert len(calls) == 1 and h.router.counters()["duplicates"] == 1


@pytest.mark.parametrize(
    "verdict,counter,delivered_n",
    [("accept", None, 1), ("reject", "dropped_rejected", 0), ("ignore", "dropped_ignored", 0)],
)
def test_validator_verdicts(verdict, counter, delivered_n):
    h = joined(config(), validate=lambda topic, m, peer: verdict)
    actions = h.receive(0, publish=[msg(b"v")])
    assert len(delivered(actions)) == delivered_n
    assert bool(of_kind(actions, "publish")) == (delivered_n == 1)
    if counter:
        assert h.router.counters()[counter] == 1


def test_size_limit():
    h = joined(config(max_message_size=50))
    assert not delivered(h.receive(0, publish=[msg(b"x" * 60)]))
    assert h.router.counters()["dropped_too_large"] == 1
    with pytest.raises(ValueError):
        h.router.publish(msg(b"x" * 60), h.now)


def test_duplicates_never_verified():
    verified = []
    h = joined(
        config(signature_policy=SignaturePolicy.StrictSign),
        verify=lambda m: verified.append(m) or True,
    )
    for p in range(5):
        h.receive(p, publish=[signed(b"d")])
    assert len(verified) == 1


def test_publish_policy_checked():
    h = joined(config())
    with pytest.raises(ValueError):
        h.router.publish(signed(b"x"), 0)
    h.router.publish(msg(b"x"), 0)
    with pytest.raises(ValueError):
        h.router.publish(msg(b"x"), 0)  # already published


def test_a_full_validation_queue_refuses_unseen_and_pulls_again():
    # The shell's validators have no room: the message is refused before it is marked seen,
    # uncharged and unpenalized (the backlog is ours), so another peer's copy is a first
    # receipt, and the sender is asked for it again by IWANT at the next heartbeat. Marked
    # seen first, as the host's IGNORE did, it was lost for good.
    full = True
    cfg = config(rate_limit_messages_per_s=1, rate_limit_burst_s=1.0)
    cfg.score.behaviour_penalty_weight = -1.0
    h = joined(cfg, validation_full=lambda topic: full)
    a, b = msg(b"a"), msg(b"b")
    assert not delivered(h.receive(0, publish=[a, b]))
    c = h.router.counters()
    assert c["dropped_validation_full"] == 2 and c["duplicates"] == 0
    assert c["dropped_rate_limited"] == 0 and h.router.score(0, h.now) == 0.0
    full = False
    assert [m for _, m, _, _ in delivered(h.receive(1, publish=[a]))] == [a]
    iwants = of_kind(h.heartbeat(), "iwant")
    assert iwants == {0: [[message_id(b)]]}  # a came from peer 1; b is asked for again
    assert [m for _, m, _, _ in delivered(h.receive(0, publish=[b]))] == [b]
