"""Signed envelopes (RFC 0002) and peer records (RFC 0003): the wire layout, round trips,
arbitrary bytes, and one test for each rule that refuses an envelope or a record."""

import contextlib

import pytest
from _sansio import varint
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip.net import (
    PEER_RECORD_DOMAIN,
    PEER_RECORD_PAYLOAD_TYPE,
    Multiaddr,
    PeerRecord,
    decode_envelope,
    seal_envelope,
)

ALICE = Identity.from_seed(bytes([1]) * 32)
MALLORY = Identity.from_seed(bytes([2]) * 32)
TCP = Multiaddr.parse("/ip4/192.0.2.1/tcp/4001")
# /ip4/192.0.2.1/udp/4001/quic-v1: a transport of other stacks that our Multiaddr refuses.
QUIC = bytes.fromhex("04c0000201") + bytes.fromhex("9102") + (4001).to_bytes(2, "big") + b"\xcc\x03"


def field(number: int, value: bytes) -> bytes:
    """A length-delimited protobuf field, written independently of the code under test."""
    return varint(number << 3 | 2) + varint(len(value)) + value


def public_key_proto(identity: Identity) -> bytes:
    return b"\x08\x01" + field(2, identity.public_key)


def envelope(
    identity: Identity,
    payload: bytes,
    *,
    domain: str = PEER_RECORD_DOMAIN,
    payload_type: bytes = PEER_RECORD_PAYLOAD_TYPE,
) -> bytes:
    """An envelope built by hand: Ed25519 signatures are deterministic, so the signature of
    `identity` over the RFC's signing input is the one the codec must produce and accept."""
    signed = b"".join(varint(len(x)) + x for x in (domain.encode(), payload_type, payload))
    return (
        field(1, public_key_proto(identity))
        + field(2, payload_type)
        + field(3, payload)
        + field(5, identity.sign(signed))
    )


def record_payload(identity: Identity, seq: int, addrs: list[bytes]) -> bytes:
    return (
        field(1, identity.peer_id.to_bytes())
        + varint(2 << 3)
        + varint(seq)
        + b"".join(field(3, field(1, a)) for a in addrs)
    )


def refused(data: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        PeerRecord.open(data)


# ---- layout, as go-libp2p, js-libp2p and py-libp2p write it ---------------------------------


def test_domain_and_payload_type_are_go_libp2ps():
    assert PEER_RECORD_DOMAIN == "libp2p-peer-record"
    assert PEER_RECORD_PAYLOAD_TYPE == b"\x03\x01"  # multicodec 0x0301 as two bytes, no varint


def test_sealed_record_is_byte_for_byte_the_rfc_layout():
    record = PeerRecord(ALICE.peer_id, 1_700_000_000_000_000_000, [TCP])
    payload = record_payload(ALICE, record.seq, [TCP.to_bytes()])
    assert record.encode() == payload
    assert record.seal(ALICE) == envelope(ALICE, payload)


def test_seal_envelope_signs_the_length_prefixed_domain_type_and_payload():
    assert seal_envelope(ALICE, "some-domain", b"\x01", b"data") == envelope(
        ALICE, b"data", domain="some-domain", payload_type=b"\x01"
    )
    assert decode_envelope(envelope(ALICE, b"data")) == {
        "public_key": ALICE.public_key,
        "payload_type": PEER_RECORD_PAYLOAD_TYPE,
        "payload": b"data",
        "signature": envelope(ALICE, b"data")[-64:],
    }


def test_the_rfc_and_rust_libp2p_domain_is_accepted_too():
    payload = record_payload(ALICE, 7, [TCP.to_bytes()])
    data = envelope(
        ALICE, payload, domain="libp2p-routing-state", payload_type=b"/libp2p/routing-state-record"
    )
    assert PeerRecord.open(data) == PeerRecord(ALICE.peer_id, 7, [TCP])


# ---- round trips and arbitrary input --------------------------------------------------------

identities = st.binary(min_size=32, max_size=32).map(Identity.from_seed)
addrs = st.lists(
    st.builds(
        lambda ip, port: Multiaddr.parse(
            f"/ip4/{ip >> 24}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}/tcp/{port}"
        ),
        st.integers(0, 2**32 - 1),
        st.integers(0, 65535),
    ),
    max_size=8,
)


@given(identities, st.integers(0, 2**64 - 1), addrs)
def test_record_round_trips_alone_and_sealed(identity, seq, addresses):
    record = PeerRecord(identity.peer_id, seq, addresses)
    assert PeerRecord.decode(record.encode()) == record
    assert PeerRecord.open(record.seal(identity)) == record


@given(identities, st.text(max_size=40), st.binary(max_size=40), st.binary(max_size=200))
def test_envelope_round_trips(identity, domain, payload_type, payload):
    fields = decode_envelope(seal_envelope(identity, domain, payload_type, payload))
    assert fields["public_key"] == identity.public_key
    assert (fields["payload_type"], fields["payload"]) == (payload_type, payload)


@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(data):
    for decode in (decode_envelope, PeerRecord.decode, PeerRecord.open):
        with contextlib.suppress(DecodeError):
            decode(data)


@given(st.data())
def test_any_single_byte_change_is_refused(data):
    sealed = PeerRecord(ALICE.peer_id, 3, [TCP]).seal(ALICE)
    i = data.draw(st.integers(0, len(sealed) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = sealed[:i] + bytes([sealed[i] ^ flip]) + sealed[i + 1 :]
    with pytest.raises(DecodeError):
        PeerRecord.open(changed)


# ---- every rejection, named ------------------------------------------------------------------


def test_bad_signature_is_refused():
    sealed = bytearray(PeerRecord(ALICE.peer_id, 1, [TCP]).seal(ALICE))
    sealed[-1] ^= 1
    refused(bytes(sealed), r"Envelope\.signature: does not verify")


def test_wrong_domain_is_refused_as_a_bad_signature():
    payload = record_payload(ALICE, 1, [TCP.to_bytes()])
    refused(envelope(ALICE, payload, domain="libp2p-routing-state"), "does not verify")


def test_wrong_payload_type_is_refused():
    payload = record_payload(ALICE, 1, [TCP.to_bytes()])
    refused(envelope(ALICE, payload, payload_type=b"\x03\x02"), "0x0302 is not a peer record")


def test_record_of_another_peer_than_the_signer_is_refused():
    forged = envelope(MALLORY, record_payload(ALICE, 1, [TCP.to_bytes()]))
    refused(forged, f"PeerRecord.peer_id: {ALICE.peer_id} is not the signer's peer id")


def test_sealing_with_another_identity_is_an_error():
    with pytest.raises(ValueError, match="not the record's peer"):
        PeerRecord(ALICE.peer_id, 1, [TCP]).seal(MALLORY)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (bytes(4097), "Envelope: 4097 bytes exceeds 4096"),
        (b"\x0a\x05\x01", "Envelope: "),  # truncated field
        (field(2, b"\x03\x01") + field(5, bytes(64)), r"Envelope\.public_key: missing"),
        (field(1, public_key_proto(ALICE)), r"Envelope\.signature: missing"),
        (field(1, public_key_proto(ALICE)) * 2 + field(5, bytes(64)), "public_key: appears twice"),
        (field(1, public_key_proto(ALICE)) + field(5, bytes(63)), "63 bytes, expected 64"),
        (field(1, b"\x08\x02" + field(2, bytes(33))) + field(5, bytes(64)), "not Ed25519"),
        (varint(1 << 3) + b"\x01" + field(5, bytes(64)), "public_key: is not length-delimited"),
    ],
)
def test_malformed_envelopes_are_refused(data, match):
    with pytest.raises(DecodeError, match=match):
        decode_envelope(data)
    refused(data, match)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (varint(2 << 3) + varint(1), r"PeerRecord\.peer_id: missing"),
        (field(1, b"\x00\x03abc"), r"PeerRecord\.peer_id: peer id"),
        (field(1, ALICE.peer_id.to_bytes()) * 2, r"PeerRecord\.peer_id: appears twice"),
        (field(1, ALICE.peer_id.to_bytes()) + (varint(2 << 3) + b"\x01") * 2, "seq: appears twice"),
        (record_payload(ALICE, 1, [TCP.to_bytes()] * 65), r"PeerRecord\.addresses: more than 64"),
        (record_payload(ALICE, 1, [bytes(1025)]), r"addresses\[0\]\.multiaddr: 1025 bytes"),
        (b"\xff", "PeerRecord: "),
    ],
)
def test_malformed_records_are_refused_even_when_signed(payload, match):
    with pytest.raises(DecodeError, match=match):
        PeerRecord.decode(payload)
    refused(envelope(ALICE, payload), match)


def test_unparsable_addresses_are_skipped_as_go_does():
    payload = record_payload(ALICE, 9, [QUIC, TCP.to_bytes(), b"\xff\xff", b""])
    assert PeerRecord.open(envelope(ALICE, payload)) == PeerRecord(ALICE.peer_id, 9, [TCP])
