"""/ipfs/kad/1.0.0 Message codec: field layout, round trips, bounds, hostile input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError
from p2pgossip._core import kad
from p2pgossip.net import Multiaddr

TYPES = ["PUT_VALUE", "GET_VALUE", "ADD_PROVIDER", "GET_PROVIDERS", "FIND_NODE", "PING"]
CONNECTIONS = ["NOT_CONNECTED", "CONNECTED", "CAN_CONNECT", "CANNOT_CONNECT"]
PEER_ID = bytes.fromhex("0024080112") + b"\x20" + bytes(range(32))


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def normal(msg: dict) -> dict:
    """`msg` with every field the decoder returns filled in with its default."""
    out = {
        "type": "PUT_VALUE",
        "key": b"",
        "record": None,
        "closer_peers": [],
        "provider_peers": [],
    }
    out.update(msg)
    if out["record"] is not None:
        out["record"] = {"key": b"", "value": b"", "time_received": ""} | out["record"]
    for name in ("closer_peers", "provider_peers"):
        out[name] = [{"addrs": [], "connection": "NOT_CONNECTED"} | p for p in out[name]]
    return out


def test_constants():
    assert kad.PROTOCOL_ID == "/ipfs/kad/1.0.0"
    assert (kad.K, kad.ALPHA) == (20, 3)


def test_find_node_request_bytes_by_hand():
    # type = FIND_NODE (field 1, varint 4), key = the peer id (field 2)
    data = kad.encode({"type": "FIND_NODE", "key": PEER_ID})
    assert data == b"\x08\x04" + field(2, PEER_ID)
    assert kad.decode(data) == normal({"type": "FIND_NODE", "key": PEER_ID})


def test_zero_values_are_left_out_as_proto3_encoders_do():
    # PUT_VALUE is 0 and NOT_CONNECTED is 0: go-, rust- and py-libp2p do not write them.
    assert kad.encode({}) == b""
    assert kad.decode(b"") == normal({})
    peer = kad.encode({"type": "PING", "closer_peers": [{"id": b"p"}]})
    assert peer == b"\x08\x05" + field(8, field(1, b"p"))


def test_full_response_round_trip_and_layout():
    addr = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001").to_bytes()
    msg = {
        "type": "GET_VALUE",
        "key": b"/v/key",
        "record": {"key": b"/v/key", "value": b"value", "time_received": "2026-12-04T07:00:00Z"},
        "closer_peers": [
            {"id": PEER_ID, "addrs": [addr, addr], "connection": "CONNECTED"},
            {"id": b"other", "addrs": [], "connection": "CANNOT_CONNECT"},
        ],
        "provider_peers": [{"id": b"prov", "addrs": [addr], "connection": "CAN_CONNECT"}],
    }
    data = kad.encode(msg)
    assert kad.decode(data) == msg
    record = field(1, b"/v/key") + field(2, b"value") + field(5, b"2026-12-04T07:00:00Z")
    assert data.startswith(b"\x08\x01" + field(2, b"/v/key") + field(3, record))
    assert field(8, field(1, PEER_ID) + field(2, addr) + field(2, addr) + b"\x18\x01") in data
    assert data.endswith(field(9, field(1, b"prov") + field(2, addr) + b"\x18\x02"))


def test_delimited_form_is_varint_length_prefixed():
    msg = {"type": "FIND_NODE", "key": b"k" * 300}
    body = kad.encode(msg)
    framed = kad.encode(msg, delimited=True)
    assert framed == varint(len(body)) + body and len(body) > 127


peers = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.binary(min_size=1, max_size=64),
            "addrs": st.lists(st.binary(max_size=40), max_size=4),
            "connection": st.sampled_from(CONNECTIONS),
        }
    ),
    max_size=5,
)
records = st.none() | st.fixed_dictionaries(
    {
        "key": st.binary(max_size=64),
        "value": st.binary(max_size=200),
        "time_received": st.text(max_size=30),
    }
)
messages = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "key": st.binary(max_size=64),
        "record": records,
        "closer_peers": peers,
        "provider_peers": peers,
    }
)


@given(messages)
def test_round_trip(msg):
    assert kad.decode(kad.encode(msg)) == msg


@given(messages, st.integers(min_value=11, max_value=1000), st.binary(max_size=20))
def test_unknown_fields_are_skipped(msg, number, payload):
    if number in (8, 9):
        return
    data = kad.encode(msg)
    assert kad.decode(field(number, payload) + data + varint(number << 3) + b"\x07") == msg


@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_decode_error(data):
    try:
        msg = kad.decode(data)
    except DecodeError as e:
        assert str(e).startswith("Message")
    else:
        assert kad.decode(kad.encode(msg)) == msg


@given(messages, st.data())
def test_every_truncation_is_an_error_or_a_prefix_message(msg, data):
    encoded = kad.encode(msg)
    if not encoded:
        return
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    try:
        partial = kad.decode(encoded[:cut])
    except DecodeError:
        return
    assert kad.decode(kad.encode(partial)) == partial  # cut between fields: a smaller message


def test_cluster_level_is_read_and_dropped():
    assert kad.decode(b"\x08\x04\x50\x07") == normal({"type": "FIND_NODE"})
    with pytest.raises(DecodeError, match="clusterLevelRaw: is not a varint"):
        kad.decode(field(10, b"x"))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x08\x06", r"Message\.type: unknown value 6"),
        (field(1, b"x"), r"Message\.type: is not a varint"),
        (b"\x10\x01", r"Message\.key: is not length-delimited"),
        (b"\x12\x05ab", "length past the end"),
        (b"\x08", "truncated varint"),
        (b"\x08" + b"\xff" * 10 + b"\x01", "overlong varint"),
        (field(8, field(2, b"addr")), r"closerPeers\[0\]\.id: missing"),
        (field(9, b"\x0a\x01x" + b"\x12"), r"providerPeers\[0\]"),
        (field(3, b"\x0a"), r"Message\.record"),
        (b"\x1b" * 20, "nested too deeply"),
        (b"\x0c", "unmatched end-group"),
    ],
)
def test_malformed_input_names_the_field(data, match):
    with pytest.raises(DecodeError, match=match):
        kad.decode(data)


def test_unknown_connection_type_reads_as_not_connected():
    data = field(8, field(1, b"p") + b"\x18\x09")
    assert kad.decode(data)["closer_peers"] == [
        {"id": b"p", "addrs": [], "connection": "NOT_CONNECTED"}
    ]


def test_limits_bound_every_count_and_size():
    many = {"type": "FIND_NODE", "closer_peers": [{"id": bytes([i + 1])} for i in range(65)]}
    with pytest.raises(DecodeError, match=r"closerPeers: more than 64"):
        kad.decode(kad.encode(many))
    assert len(kad.decode(kad.encode(many), max_peers=65)["closer_peers"]) == 65
    with pytest.raises(DecodeError, match=r"providerPeers: more than 2"):
        kad.decode(kad.encode({"provider_peers": [{"id": b"a"}] * 3}), max_peers=2)

    addrs = {"closer_peers": [{"id": b"p", "addrs": [b"a"] * 33}]}
    with pytest.raises(DecodeError, match=r"closerPeers\[0\]\.addrs: more than 32"):
        kad.decode(kad.encode(addrs))

    with pytest.raises(DecodeError, match=r"Message\.key: 1025 bytes exceeds 1024"):
        kad.decode(kad.encode({"key": b"k" * 1025}))
    with pytest.raises(DecodeError, match=r"closerPeers\[0\]\.id: 129 bytes exceeds 128"):
        kad.decode(kad.encode({"closer_peers": [{"id": b"i" * 129}]}))
    with pytest.raises(DecodeError, match=r"record\.value: 11 bytes exceeds 10"):
        kad.decode(kad.encode({"record": {"value": b"v" * 11}}), max_value_bytes=10)
    with pytest.raises(DecodeError, match=r"record\.timeReceived: 65 bytes exceeds 64"):
        kad.decode(kad.encode({"record": {"time_received": "t" * 65}}))
    with pytest.raises(DecodeError, match=r"Message: 131073 bytes exceeds 131072"):
        kad.decode(b"\x00" * (128 * 1024 + 1))
    with pytest.raises(TypeError, match="unknown kad limit 'max_nothing'"):
        kad.decode(b"", max_nothing=1)


def test_encoder_refuses_unknown_names():
    with pytest.raises(ValueError, match="unknown MessageType 'FIND_VALUE'"):
        kad.encode({"type": "FIND_VALUE"})
    with pytest.raises(ValueError, match="unknown ConnectionType 'MAYBE'"):
        kad.encode({"closer_peers": [{"id": b"p", "connection": "MAYBE"}]})
    with pytest.raises(TypeError, match="unknown Message field 'peers'"):
        kad.encode({"peers": []})
