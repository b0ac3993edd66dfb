"""A prebuilt message is checked before a node publishes it: a forgery leaves only through
the explicit adversary door (publish_unverified), never by accident."""

from __future__ import annotations

import pytest
from p2pgossip import _core
from runtime_harness import Harness


def forged(identity: _core.crypto.Identity) -> _core.host.Message:
    m = _core.host.Message.create(identity, "t", b"payload")
    sig = bytearray(m.signature)
    sig[0] ^= 1
    return m.replace(signature=bytes(sig))


def test_a_forged_message_is_refused_with_a_clear_error(h: Harness) -> None:
    ident = _core.crypto.Identity.generate()
    a, _ = h.add_node(ident)
    with pytest.raises(ValueError, match="signature does not verify"):
        h.rt.publish(a, forged(ident))
    someone_else = _core.host.Message.create(_core.crypto.Identity.generate(), "t", b"theirs")
    h.ok(h.rt.publish(a, someone_else))  # a valid signature is a valid message: forwarded


def test_a_message_breaking_the_signature_policy_is_refused(h: Harness) -> None:
    a, _ = h.add_node()
    unsigned = _core.host.Message("t", b"no signature")
    with pytest.raises(ValueError, match="publish: "):
        h.rt.publish(a, unsigned)


def test_the_adversary_door_sends_a_forgery_as_given(h: Harness) -> None:
    ident = _core.crypto.Identity.generate()
    a, _ = h.add_node(ident)
    assert h.result(h.rt.publish_unverified(a, forged(ident))) is None
