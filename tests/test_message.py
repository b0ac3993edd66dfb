"""Signed pubsub messages: signing per the libp2p pubsub spec, policies, ids, the cache."""

import p2pgossip as pg
import pytest
import xxhash
from _sansio import varint
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import SignaturePolicy, crypto

StrictSign, StrictNoSign = SignaturePolicy.StrictSign, SignaturePolicy.StrictNoSign


def field(number: int, value: bytes) -> bytes:
    """A protobuf length-delimited field, written independently of the project's codec."""
    return varint(number << 3 | 2) + varint(len(value)) + value


def expected_encoding(m: pg.Message, for_signing: bool = False) -> bytes:
    out = b""
    for number, value in ((1, m.from_), (2, m.data), (3, m.seqno)):
        if value is not None:
            out += field(number, value)
    out += field(4, m.topic.encode())
    if not for_signing:
        for number, value in ((5, m.signature), (6, m.key)):
            if value is not None:
                out += field(number, value)
    return out


@pytest.fixture(scope="module")
def alice():
    return pg.Identity.from_seed(b"\x01" * 32)


@pytest.fixture(scope="module")
def bob():
    return pg.Identity.from_seed(b"\x02" * 32)


@pytest.fixture(scope="module")
def signed(alice):
    return pg.Message.create(alice, "blocks", b"x" * 256, seqno=7)


# --- signing ----------------------------------------------------------------------------


def test_create_signs_per_spec(alice, signed):
    assert signed.from_ == alice.peer_id.to_bytes()
    assert signed.seqno == (7).to_bytes(8, "big")
    assert signed.key is None  # Ed25519 keys are inlined in the peer id
    assert signed.topic == "blocks" and signed.data == b"x" * 256
    signed_bytes = b"libp2p-pubsub:" + expected_encoding(signed, for_signing=True)
    assert signed.signed_bytes() == signed_bytes
    assert signed.signature == alice.sign(signed_bytes)
    assert crypto.ed25519_verify(alice.public_key, signed_bytes, signed.signature)
    assert signed.verify()


def test_encode_is_the_rpc_proto_encoding(signed):
    assert signed.encode() == expected_encoding(signed)


def test_default_seqno_is_a_per_identity_counter():
    ident = pg.Identity.generate()
    seqnos = [int.from_bytes(pg.Message.create(ident, "t", b"").seqno, "big") for _ in range(3)]
    assert seqnos[1] == seqnos[0] + 1 and seqnos[2] == seqnos[1] + 1
    assert all(len(pg.Message.create(ident, "t", b"").seqno) == 8 for _ in range(2))


def test_explicit_seqno_forms(alice):
    assert pg.Message.create(alice, "t", b"", seqno=b"abc").seqno == b"abc"
    assert pg.Message.create(alice, "t", b"", seqno=2**64 - 1).seqno == b"\xff" * 8
    with pytest.raises(ValueError):
        pg.Message.create(alice, "t", b"", seqno=2**64)
    with pytest.raises(ValueError):
        pg.Message.create(alice, "t", b"", seqno=-1)


def test_strict_sign_needs_identity():
    with pytest.raises(ValueError, match="identity"):
        pg.Message.create(None, "t", b"")


@given(pos=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_tampering_any_signed_field_byte_fails(signed, pos, flip):
    fields = {name: getattr(signed, name) for name in ("from_", "data", "seqno", "signature")} | {
        "topic": signed.topic.encode()
    }
    # One byte position across the concatenation of every signed field and the signature.
    total = sum(len(v) for v in fields.values())
    pos %= total
    for name, value in fields.items():
        if pos < len(value):
            changed = bytearray(value)
            changed[pos] ^= flip
            new = (
                bytes(changed).decode("utf-8", "surrogateescape")
                if name == "topic"
                else bytes(changed)
            )
            assert not signed.replace(**{name: new}).verify()
            return
        pos -= len(value)


@given(sizes=st.lists(st.sampled_from([0, 1, 300, 70_000, 200_000]), min_size=1, max_size=6))
def test_sign_and_verify_any_sequence_of_sizes(alice, sizes):
    # Signing lays the signed bytes out in a buffer each thread reuses (and lets go of
    # after a large message): one message's bytes never leak into the next.
    for k, n in enumerate(sizes):
        m = pg.Message.create(alice, "t", bytes([k]) * n, seqno=k)
        assert m.signature == alice.sign(m.signed_bytes())
        assert m.verify()
        assert not m.replace(data=m.data + b"!").verify()


def test_dropping_any_field_fails(signed):
    for name in ("from_", "data", "seqno", "signature"):
        assert not signed.replace(**{name: None}).verify(), name


def test_signature_from_another_key_fails(signed, bob):
    forged = signed.replace(signature=bob.sign(signed.signed_bytes()))
    assert not forged.verify()
    # Claiming bob as the author of alice's signature fails as well.
    assert not signed.replace(from_=bob.peer_id.to_bytes()).verify()


def public_key_proto(pk: bytes) -> bytes:
    return b"\x08\x01" + field(2, pk)


def test_key_field_must_match_from(signed, alice, bob):
    assert signed.replace(key=public_key_proto(alice.public_key)).verify()
    assert not signed.replace(key=public_key_proto(bob.public_key)).verify()
    assert not signed.replace(key=b"garbage").verify()


def test_key_is_needed_when_from_hides_it(signed):
    sha256_id = pg.PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").to_bytes()
    assert not signed.replace(from_=sha256_id).verify()


# --- policies ---------------------------------------------------------------------------


def test_strict_no_sign_message_has_only_topic_and_data():
    m = pg.Message.create(None, "t", b"d", policy=StrictNoSign)
    assert (m.from_, m.seqno, m.signature, m.key) == (None, None, None, None)
    assert m.verify(StrictNoSign)
    assert not m.verify(StrictSign)
    assert m.encode() == field(2, b"d") + field(4, b"t")


def test_strict_no_sign_rejects_seqno():
    with pytest.raises(ValueError, match="seqno"):
        pg.Message.create(None, "t", b"", seqno=1, policy=StrictNoSign)


@pytest.mark.parametrize("name", ["from_", "seqno", "signature", "key"])
def test_strict_no_sign_rejects_any_signing_field(name):
    m = pg.Message("t", b"d").replace(**{name: b"\x01"})
    assert not m.verify(StrictNoSign)


def test_strict_sign_rejects_missing_seqno(signed):
    assert not signed.replace(seqno=None).verify(StrictSign)
    assert not signed.verify(StrictNoSign)


# --- ids --------------------------------------------------------------------------------


def test_xxh3_id_covers_data_and_topic_only(alice, bob, signed):
    expected = xxhash.xxh3_128_digest(field(2, signed.data) + field(4, b"blocks"))
    assert signed.id() == signed.id("xxh3") == expected
    assert len(signed.id()) == 16
    other = pg.Message.create(bob, "blocks", b"x" * 256, seqno=99)
    assert other.id() == signed.id()
    assert signed.replace(topic="other").id() != signed.id()
    assert signed.replace(data=b"y").id() != signed.id()


@given(data=st.sampled_from([0, 1, 511, 4050, 4070, 4100, 70000]), topic=st.text(max_size=40))
def test_xxh3_id_is_the_same_hash_for_short_and_long_payloads(data, topic):
    # Short payloads are hashed in one call, long ones streamed: both hash the same bytes.
    m = pg.Message(topic, bytes(range(256)) * (data // 256) + bytes(data % 256))
    expected = xxhash.xxh3_128_digest(field(2, m.data) + field(4, topic.encode()))
    assert m.id() == expected


def test_xxh3_id_distinguishes_absent_and_empty_data():
    assert pg.Message("t").id() != pg.Message("t", b"").id()


def test_from_seqno_id(signed):
    assert signed.id("from-seqno") == signed.from_ + signed.seqno
    assert pg.Message("t").id("from-seqno") == b""
    with pytest.raises(ValueError, match="message id limit"):
        pg.Message("t", from_=b"x" * 60, seqno=b"y" * 8).id("from-seqno")


def test_callable_id(signed):
    assert signed.id(lambda m: m.data[:4]) == b"xxxx"
    with pytest.raises(TypeError, match="return bytes"):
        signed.id(lambda m: "text")
    with pytest.raises(ValueError, match="unknown message id function"):
        signed.id("sha256")
    with pytest.raises(TypeError):
        signed.id(42)


# --- Python object behaviour ------------------------------------------------------------


def test_equality_hash_repr(alice, signed):
    same = pg.Message.create(alice, "blocks", b"x" * 256, seqno=7)
    assert same == signed and hash(same) == hash(signed)
    assert signed != signed.replace(data=b"")
    assert signed != "not a message"
    r = repr(signed)
    assert "topic='blocks'" in r and str(alice.peer_id) in r and "<256 bytes>" in r


def test_constructor_and_replace_validate(signed):
    with pytest.raises(TypeError):
        pg.Message("t", frm=b"")
    with pytest.raises(TypeError):
        signed.replace(data="text")
    with pytest.raises(TypeError):
        pg.Message(b"bytes topic")


def test_non_utf8_topic_round_trips():
    m = pg.Message("\udcff")
    assert m.encode() == field(4, b"\xff")
    assert m.topic == "\udcff"


# --- verification cache and batches -----------------------------------------------------


def test_cache_verifies_a_message_once(signed):
    cache = crypto.VerifyCache()
    assert signed.verify(cache=cache) and signed.verify(cache=cache)
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)


def test_cache_never_accepts_a_forgery_with_the_same_id(signed, alice, bob):
    cache = crypto.VerifyCache()
    assert signed.verify(cache=cache)
    forgeries = [
        signed.replace(signature=bob.sign(signed.signed_bytes())),
        signed.replace(signature=bytes(64)),
        signed.replace(seqno=(8).to_bytes(8, "big")),
        pg.Message.create(bob, "blocks", b"x" * 256, seqno=7).replace(from_=signed.from_),
    ]
    for forged in forgeries:
        assert forged.id() == signed.id()
        assert not forged.verify(cache=cache)
    assert cache.hits == 0 and len(cache) == 1


def test_cache_is_bounded_and_evicts_least_recently_used(alice):
    cache = crypto.VerifyCache(capacity=2)
    a, b, c = (pg.Message.create(alice, "t", bytes([i])) for i in range(3))
    for m in (a, b, a, c):  # c evicts b, the least recently used
        assert m.verify(cache=cache)
    assert (len(cache), cache.evictions) == (2, 1)
    assert a.verify(cache=cache) and b.verify(cache=cache)
    assert (cache.hits, cache.misses) == (2, 4)


def test_disabled_cache_counts_nothing_and_still_verifies(signed):
    cache = crypto.VerifyCache(enabled=False)
    assert signed.verify(cache=cache) and signed.verify(cache=cache)
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)
    assert not signed.replace(signature=bytes(64)).verify(cache=cache)
    cache.enabled = True
    assert signed.verify(cache=cache) and signed.verify(cache=cache)
    assert cache.hits == 1
    cache.enabled = False
    assert len(cache) == 0


def test_verify_batch(signed):
    bad = signed.replace(data=b"")
    cache = crypto.VerifyCache()
    assert crypto.verify_batch([signed, bad, signed], cache=cache) == [True, False, True]
    assert cache.hits == 1
    unsigned = pg.Message.create(None, "t", b"", policy=StrictNoSign)
    assert crypto.verify_batch([unsigned, signed], policy=StrictNoSign) == [True, False]
    assert crypto.verify_batch([]) == []
    with pytest.raises(TypeError):
        crypto.verify_batch([b"not a message"])


def test_verify_argument_types(signed):
    with pytest.raises(TypeError, match="SignaturePolicy"):
        signed.verify(1)
    with pytest.raises(TypeError, match="VerifyCache"):
        signed.verify(cache=3)
    with pytest.raises(TypeError, match="SignaturePolicy"):
        pg.Message.create(None, "t", b"", policy="StrictNoSign")


# --- decoding ---------------------------------------------------------------------------


def test_decode_round_trips(signed):
    decoded = pg.Message.decode(signed.encode())
    assert decoded == signed and decoded.verify()
    with_key = signed.replace(key=public_key_proto(signed.from_[6:]))
    assert pg.Message.decode(with_key.encode()) == with_key


def test_decode_errors_are_decode_errors():
    with pytest.raises(pg.DecodeError, match="past the end"):
        pg.Message.decode(b"\x0a\x05")


@given(pos=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_tampering_any_byte_of_the_encoding_fails(signed, pos, flip):
    wire = bytearray(signed.encode())
    wire[pos % len(wire)] ^= flip
    try:
        tampered = pg.Message.decode(bytes(wire))
    except pg.DecodeError:
        return
    assert tampered != signed
    assert not tampered.verify()


def test_fields_we_do_not_know_are_signed_kept_and_forwarded_as_go_does(alice):
    # A newer author adds fields 7 (varint) and 100 (bytes) to its message. go-libp2p-pubsub
    # keeps unknown fields and re-encodes them after the known ones, for signing as well.
    m = pg.Message.create(alice, "blocks", b"data", seqno=1)
    unknown = varint(7 << 3) + varint(300) + field(100, b"future")
    signed_input = b"libp2p-pubsub:" + expected_encoding(m, for_signing=True) + unknown
    signature = alice.sign(signed_input)
    wire = expected_encoding(m.replace(signature=signature)) + unknown
    got = pg.Message.decode(wire)
    assert got.signed_bytes() == signed_input and got.verify()
    assert got.encode() == wire  # forwarded byte for byte
    # The unknown fields are signed: dropping or changing them breaks the signature.
    assert not pg.Message.decode(expected_encoding(m.replace(signature=signature))).verify()
    assert not pg.Message.decode(wire[:-1] + b"X").verify()
