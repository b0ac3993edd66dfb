"""Identify (/ipfs/id/1.0.0) codec: round trips, merging, bounds, arbitrary bytes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip.net import (
    IDENTIFY_PROTOCOL_ID,
    Multiaddr,
    decode_identify,
    encode_identify,
    identify_dialable_listen_addrs,
)

EMPTY = {
    "protocol_version": None,
    "agent_version": None,
    "public_key": None,
    "listen_addrs": [],
    "observed_addr": None,
    "protocols": [],
    "signed_peer_record": None,
}


def full_message():
    key = b"\x08\x01\x12\x20" + Identity.from_seed(bytes(range(32))).public_key
    return {
        "protocol_version": "ipfs/0.1.0",
        "agent_version": "p2pgossip/0.1.0",
        "public_key": key,
        "listen_addrs": [
            Multiaddr.parse("/ip4/10.0.0.1/tcp/4001").to_bytes(),
            Multiaddr.parse("/ip6/::1/tcp/4001").to_bytes(),
        ],
        "observed_addr": Multiaddr.parse("/ip4/203.0.113.9/tcp/50000").to_bytes(),
        "protocols": ["/meshsub/1.2.0", "/ipfs/ping/1.0.0", IDENTIFY_PROTOCOL_ID],
        "signed_peer_record": b"\x0a\x01x",
    }


def test_protocol_id():
    assert IDENTIFY_PROTOCOL_ID == "/ipfs/id/1.0.0"


def test_round_trip_and_field_numbers():
    msg = full_message()
    data = encode_identify(msg)
    assert decode_identify(data) == msg
    # field 5 (protocolVersion) and 6 (agentVersion) as length-delimited strings
    assert b"\x2a\x0aipfs/0.1.0" in data and b"\x32\x0fp2pgossip/0.1.0" in data
    assert decode_identify(encode_identify({})) == EMPTY


def test_stream_form_is_length_prefixed_and_merges_messages():
    msg = full_message()
    framed = encode_identify(msg, delimited=True)
    assert framed[0] == len(encode_identify(msg)) and len(framed) < 256
    assert decode_identify(framed, stream=True) == msg
    # go-libp2p splits large records: repeated fields append, later optional fields win.
    second = encode_identify({"agent_version": "other/1", "protocols": ["/x/1"]}, delimited=True)
    merged = decode_identify(framed + second, stream=True)
    assert merged["agent_version"] == "other/1"
    assert merged["protocols"] == msg["protocols"] + ["/x/1"]


def test_unknown_fields_are_skipped():
    data = encode_identify({"agent_version": "a"}) + b"\x48\x01" + b"\x52\x01z"
    assert decode_identify(data)["agent_version"] == "a"


@pytest.mark.parametrize(
    ("message", "limits", "reason"),
    [
        ({"protocols": ["/p"] * 5}, {"max_protocols": 4}, "Identify.protocols: more than 4"),
        ({"listen_addrs": [b"\x04\x01\x02\x03\x04"] * 3}, {"max_listen_addrs": 2}, "more than 2"),
        ({"agent_version": "a" * 300}, {}, "Identify.agentVersion: 300 bytes exceeds 256"),
        ({"public_key": bytes(2000)}, {}, "Identify.publicKey: 2000 bytes exceeds 1024"),
        ({"signed_peer_record": bytes(100)}, {"max_signed_peer_record_bytes": 99}, "exceeds 99"),
        ({"protocols": ["/p" * 100]}, {"max_message_bytes": 100}, "message of 203 bytes"),
    ],
)
def test_bounds_name_the_field_and_limit(message, limits, reason):
    with pytest.raises(DecodeError, match="Identify") as e:
        decode_identify(encode_identify(message), **limits)
    assert reason in str(e.value)


def test_stream_bounds():
    one = encode_identify({"agent_version": "a"}, delimited=True)
    with pytest.raises(DecodeError, match="more than 10 messages"):
        decode_identify(one * 11, stream=True)
    with pytest.raises(DecodeError, match="truncated"):
        decode_identify(one[:-1], stream=True)
    with pytest.raises(DecodeError, match="without a message"):
        decode_identify(b"", stream=True)
    with pytest.raises(DecodeError, match="message of 9000 bytes exceeds 8192"):
        decode_identify(b"\xa8\x46" + bytes(10), stream=True)
    with pytest.raises(DecodeError, match="not length-delimited"):
        decode_identify(b"\x10\x01")  # listenAddrs as a varint


def test_dialable_listen_addrs_skip_foreign_transports():
    quic = bytes([0x04, 10, 0, 0, 1, 0x91, 0x02, 0x0F, 0xA1, 0xCC, 0x03])  # /udp/4001/quic-v1
    msg = {"listen_addrs": [Multiaddr.parse("/ip4/10.0.0.1/tcp/1").to_bytes(), quic]}
    assert decode_identify(encode_identify(msg))["listen_addrs"][1] == quic
    addrs, skipped = identify_dialable_listen_addrs(msg)
    assert [a.to_string() for a in addrs] == ["/ip4/10.0.0.1/tcp/1"] and skipped == 1


def test_unknown_message_key_is_a_type_error():
    with pytest.raises(TypeError, match="unknown Identify field 'agent'"):
        encode_identify({"agent": "x"})


messages = st.fixed_dictionaries(
    {},
    optional={
        "protocol_version": st.text(max_size=20),
        "agent_version": st.text(max_size=20),
        "public_key": st.binary(max_size=40),
        "listen_addrs": st.lists(st.binary(max_size=30), max_size=5),
        "observed_addr": st.binary(max_size=30),
        "protocols": st.lists(st.text(max_size=20), max_size=5),
        "signed_peer_record": st.binary(max_size=60),
    },
)


@given(messages)
def test_generated_messages_round_trip(msg):
    expected = {**EMPTY, **msg}
    assert decode_identify(encode_identify(msg)) == expected
    assert decode_identify(encode_identify(msg, delimited=True), stream=True) == expected


@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_decode_or_raise_decode_error(data, stream):
    try:
        msg = decode_identify(data, stream=stream)
    except DecodeError:
        return
    assert decode_identify(encode_identify(msg)) == msg
