"""The pubsub RPC codec: round trips, bounds, malformed input, wire compatibility."""

from __future__ import annotations

import contextlib

import pytest
from _sansio import varint
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, _core, wire

# ---- a tiny independent protobuf writer, for hand-built (often malformed) input ----


def tag(field: int, wire_type: int) -> bytes:
    return varint(field << 3 | wire_type)


def ld(field: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return tag(field, 2) + varint(len(payload)) + payload


def vf(field: int, v: int) -> bytes:
    """A varint field."""
    return tag(field, 0) + varint(v)


# One unknown field (number 100) of each wire type; a decoder must skip them all.
UNKNOWN = {
    "varint": vf(100, 2**64 - 1),
    "i64": tag(100, 1) + bytes(8),
    "len": ld(100, b"ignored"),
    "group": tag(100, 3) + vf(1, 5) + tag(101, 3) + tag(101, 4) + tag(100, 4),
    "i32": tag(100, 5) + bytes(4),
}
ALL_UNKNOWN = b"".join(UNKNOWN.values())

# ---- strategies: arbitrary valid RPC dicts (absent keys vs empty values both covered) ----

topics = st.text(max_size=20)
small_bytes = st.binary(max_size=40)
message_ids = st.lists(st.binary(max_size=64), min_size=1, max_size=4)


def opt(**fields):
    return st.fixed_dictionaries({}, optional=fields)


messages = st.fixed_dictionaries(
    {"topic": topics},
    optional={
        "from": small_bytes,
        "data": st.binary(max_size=300),
        "seqno": st.binary(max_size=8),
        "signature": small_bytes,
        "key": small_bytes,
    },
)
peers = opt(peer_id=small_bytes, signed_peer_record=small_bytes)
controls = opt(
    ihave=st.lists(opt(topic_id=topics, message_ids=message_ids), min_size=1, max_size=3),
    iwant=st.lists(opt(message_ids=message_ids), min_size=1, max_size=3),
    graft=st.lists(opt(topic_id=topics), min_size=1, max_size=3),
    prune=st.lists(
        opt(
            topic_id=topics,
            peers=st.lists(peers, min_size=1, max_size=3),
            backoff=st.integers(0, 2**64 - 1),
        ),
        min_size=1,
        max_size=3,
    ),
    idontwant=st.lists(opt(message_ids=message_ids), min_size=1, max_size=3),
)
rpcs_without_hops = opt(
    subscriptions=st.lists(opt(subscribe=st.booleans(), topic_id=topics), min_size=1, max_size=4),
    publish=st.lists(messages, min_size=1, max_size=3),
    control=controls,
)


@st.composite
def rpcs(draw):
    """RPC dicts, some with the publish_hops extension (one hop count per message)."""
    rpc = draw(rpcs_without_hops)
    n = len(rpc.get("publish", []))
    if n and draw(st.booleans()):
        rpc["publish_hops"] = draw(st.lists(st.integers(0, 2**32 - 1), min_size=n, max_size=n))
    return rpc


@given(rpcs())
def test_round_trip(rpc):
    encoded = wire.encode_rpc(rpc)
    assert wire.decode_rpc(encoded) == rpc
    assert wire.encoded_rpc_size(rpc) == len(encoded)


@given(st.binary(max_size=512))
def test_arbitrary_bytes_decode_or_raise(data):
    try:
        rpc = wire.decode_rpc(data)
    except DecodeError:
        return
    # Whatever decodes re-encodes into something that decodes to the same value.
    assert wire.decode_rpc(wire.encode_rpc(rpc)) == rpc


@given(rpcs(), st.data())
def test_mutated_encodings_decode_or_raise(rpc, data):
    encoded = bytearray(wire.encode_rpc(rpc))
    if not encoded:
        return
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(encoded) - 1))
        encoded[i] = data.draw(st.integers(0, 255))
    with contextlib.suppress(DecodeError):
        wire.decode_rpc(bytes(encoded))


@given(rpcs())
def test_every_prefix_decodes_or_raises(rpc):
    encoded = wire.encode_rpc(rpc)
    for n in range(len(encoded)):
        with contextlib.suppress(DecodeError):
            wire.decode_rpc(encoded[:n])


def test_truncation_inside_the_only_field_is_an_error():
    encoded = wire.encode_rpc({"publish": [{"topic": "t", "data": b"abc", "seqno": b"\x01" * 8}]})
    assert wire.decode_rpc(encoded[:0]) == {}
    for n in range(1, len(encoded)):
        with pytest.raises(DecodeError, match=r"^RPC: field 2: "):
            wire.decode_rpc(encoded[:n])


def test_empty_input_and_empty_values():
    assert wire.decode_rpc(b"") == {}
    rpc = {"publish": [{"topic": "", "data": b"", "from": b""}], "control": {}}
    assert wire.decode_rpc(wire.encode_rpc(rpc)) == rpc
    # Empty repeated fields are indistinguishable from absent ones on the wire.
    assert wire.decode_rpc(wire.encode_rpc({"publish": [], "subscriptions": []})) == {}


# ---- malformed input: each error names the place and the rule ----


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (vf(15, 0)[:1] + b"\x80" * 10 + b"\x00", "RPC: field 15: overlong varint"),
        (tag(15, 0) + b"\xff" * 9 + b"\x02", "RPC: field 15: overlong varint"),
        (tag(15, 0) + b"\xff" * 5, "RPC: field 15: truncated varint"),
        (b"\x80", "RPC: truncated varint"),
        (tag(2, 2) + varint(5) + b"\x22\x01", "RPC: field 2: length past the end of input"),
        (tag(2, 2) + varint(2**63), "RPC: field 2: length past the end of input"),
        (tag(2, 2) + varint(2**64 - 1), "RPC: field 2: length past the end of input"),
        (tag(2, 2) + b"\xff" * 10, "RPC: field 2: length overlong varint"),
        (tag(0, 2) + b"\x00", "RPC: invalid field number"),
        (tag(0, 0) + b"\x00", "RPC: invalid field number"),
        (tag(2**29, 0) + b"\x00", "RPC: invalid field number"),
        (tag(15, 6) + b"\x00", "RPC: field 15: invalid wire type 6"),
        (tag(15, 7), "RPC: field 15: invalid wire type 7"),
        (tag(15, 4), "RPC: field 15: unmatched end-group"),
        (tag(15, 3) + tag(16, 4), "RPC: field 15: mismatched end-group"),
        (tag(15, 3) + vf(1, 1), "RPC: field 15: truncated varint"),
        (tag(15, 1) + bytes(7), "RPC: field 15: truncated fixed-width value"),
        (tag(15, 5) + bytes(3), "RPC: field 15: truncated fixed-width value"),
        # wrong wire types for known fields
        (vf(1, 1), "RPC.subscriptions: wire type varint, expected length-delimited"),
        (vf(2, 1), "RPC.publish: wire type varint, expected length-delimited"),
        (tag(3, 5) + bytes(4), "RPC.control: wire type i32, expected length-delimited"),
        (ld(1, ld(1, b"x")), "RPC.subscriptions[0].subscribe: wire type length-delimited, "),
        (ld(1, vf(2, 1)), "RPC.subscriptions[0].topicid: wire type varint, expected "),
        (ld(2, ld(4, b"t") + vf(2, 7)), "RPC.publish[0].data: wire type varint, expected "),
        (ld(2, tag(4, 1) + bytes(8)), "RPC.publish[0].topic: wire type i64, expected "),
        (
            ld(3, ld(1, tag(2, 5) + bytes(4))),
            "RPC.control.ihave[0].messageIDs[0]: wire type i32, expected length-delimited",
        ),
        (ld(3, ld(4, ld(3, b""))), "RPC.control.prune[0].backoff: wire type length-delimited"),
        (ld(3, ld(4, vf(2, 0))), "RPC.control.prune[0].peers: wire type varint"),
        (ld(3, ld(4, ld(2, vf(1, 0)))), "RPC.control.prune[0].peers[0].peerID: wire type varint"),
        (ld(3, vf(5, 0)), "RPC.control.idontwant: wire type varint"),
        # semantic rules
        (ld(2, ld(2, b"x")), "RPC.publish[0].topic: required field missing"),
        (ld(2, ld(4, b"\xff")), "RPC.publish[0].topic: invalid UTF-8"),
        (ld(2, ld(4, b"\xc0\x80")), "RPC.publish[0].topic: invalid UTF-8"),  # overlong NUL
        (ld(2, ld(4, b"\xed\xa0\x80")), "RPC.publish[0].topic: invalid UTF-8"),  # surrogate
        (ld(2, ld(4, b"\xf4\x90\x80\x80")), "RPC.publish[0].topic: invalid UTF-8"),  # > U+10FFFF
        (ld(2, ld(4, b"\xe2\x82")), "RPC.publish[0].topic: invalid UTF-8"),  # truncated
        (ld(1, ld(2, b"\x80")), "RPC.subscriptions[0].topicid: invalid UTF-8"),
        (ld(3, ld(3, ld(1, b"\xfe"))), "RPC.control.graft[0].topicID: invalid UTF-8"),
        # errors inside embedded messages carry the full path
        (ld(3, ld(2, ld(1, b"a") + tag(1, 2) + b"\x05")), "RPC.control.iwant[0]: field 1: length"),
    ],
)
def test_malformed_input(data, reason):
    with pytest.raises(DecodeError) as e:
        wire.decode_rpc(data)
    assert str(e.value).startswith(reason)


def test_group_nesting_is_bounded():
    def nested(depth: int) -> bytes:
        return b"".join(tag(20 + i, 3) for i in range(depth)) + b"".join(
            tag(20 + i, 4) for i in reversed(range(depth))
        )

    assert wire.decode_rpc(nested(16)) == {}
    with pytest.raises(DecodeError, match="groups nested too deeply"):
        wire.decode_rpc(nested(17))
    # A flood of deep groups costs linear time, never recursion.
    with pytest.raises(DecodeError, match="groups nested too deeply"):
        wire.decode_rpc(tag(20, 3) * 100_000)


def test_huge_length_prefixes_allocate_nothing():
    # A data length of 2**63 inside a 16-byte RPC: rejected from the lengths alone.
    msg = ld(4, b"t") + tag(2, 2) + varint(2**63)
    with pytest.raises(DecodeError, match=r"^RPC.publish\[0\]: field 2: length past the end"):
        wire.decode_rpc(ld(2, msg))


# ---- limits: every count and size is bounded, and the error names the limit ----

L = wire.DecodeLimits


def test_decode_limits_defaults_and_overrides():
    d = L()
    assert d.max_data_size == 1 << 20
    assert d.max_ihave_length == 5000
    assert d.max_message_id_size == 64
    assert d.max_rpc_size >= d.max_data_size
    assert L(max_data_size=10).max_data_size == 10
    assert L(max_data_size=10) == L(max_data_size=10) != L()
    assert "max_prune_peers=64" in repr(L())
    with pytest.raises(TypeError, match="unknown limit 'max_nonsense'"):
        L(max_nonsense=1)
    with pytest.raises(TypeError, match="max_publish must be an int"):
        L(max_publish="1")
    with pytest.raises(ValueError, match=r"max_publish must be in \[0, 2\*\*64\)"):
        L(max_publish=-1)


def ids(n: int) -> list[bytes]:
    return [bytes([i % 256]) for i in range(n)]


@pytest.mark.parametrize(
    ("limits", "rpc", "reason"),
    [
        (
            L(max_rpc_size=10),
            {"publish": [{"topic": "t", "data": bytes(9)}]},
            "RPC: 16 bytes exceed max_rpc_size 10",
        ),
        (
            L(max_data_size=3),
            {"publish": [{"topic": "t"}, {"topic": "t", "data": b"abcd"}]},
            "RPC.publish[1].data: 4 bytes exceed max_data_size 3",
        ),
        (
            L(max_topic_length=2),
            {"publish": [{"topic": "abc"}]},
            "RPC.publish[0].topic: 3 bytes exceed max_topic_length 2",
        ),
        (
            L(max_peer_id_size=2),
            {"publish": [{"topic": "", "from": b"abc"}]},
            "RPC.publish[0].from: 3 bytes exceed max_peer_id_size 2",
        ),
        (
            L(max_seqno_size=8),
            {"publish": [{"topic": "", "seqno": bytes(9)}]},
            "RPC.publish[0].seqno: 9 bytes exceed max_seqno_size 8",
        ),
        (
            L(max_signature_size=64),
            {"publish": [{"topic": "", "signature": bytes(65)}]},
            "RPC.publish[0].signature: 65 bytes exceed max_signature_size 64",
        ),
        (
            L(max_key_size=36),
            {"publish": [{"topic": "", "key": bytes(37)}]},
            "RPC.publish[0].key: 37 bytes exceed max_key_size 36",
        ),
        (
            L(max_publish=2),
            {"publish": [{"topic": ""}] * 3},
            "RPC.publish: 3 entries exceed max_publish 2",
        ),
        (
            L(max_subscriptions=1),
            {"subscriptions": [{}, {}]},
            "RPC.subscriptions: 2 entries exceed max_subscriptions 1",
        ),
        (
            L(max_topic_length=1),
            {"subscriptions": [{"topic_id": "ab"}]},
            "RPC.subscriptions[0].topicid: 2 bytes exceed max_topic_length 1",
        ),
        (
            L(max_control_entries=1),
            {"control": {"ihave": [{}, {}]}},
            "RPC.control.ihave: 2 entries exceed max_control_entries 1",
        ),
        (
            L(max_control_entries=1),
            {"control": {"iwant": [{}, {}]}},
            "RPC.control.iwant: 2 entries exceed max_control_entries 1",
        ),
        (
            L(max_control_entries=1),
            {"control": {"graft": [{}, {}]}},
            "RPC.control.graft: 2 entries exceed max_control_entries 1",
        ),
        (
            L(max_control_entries=1),
            {"control": {"prune": [{}, {}]}},
            "RPC.control.prune: 2 entries exceed max_control_entries 1",
        ),
        (
            L(max_control_entries=1),
            {"control": {"idontwant": [{}, {}]}},
            "RPC.control.idontwant: 2 entries exceed max_control_entries 1",
        ),
        (
            L(),
            {"control": {"ihave": [{}, {}, {}, {"message_ids": ids(5001)}]}},
            "RPC.control.ihave[3].messageIDs: 5001 entries exceed max_ihave_length 5000",
        ),
        (
            L(max_ihave_length=2),
            {"control": {"iwant": [{"message_ids": ids(3)}]}},
            "RPC.control.iwant[0].messageIDs: 3 entries exceed max_ihave_length 2",
        ),
        (
            L(max_ihave_length=2),
            {"control": {"idontwant": [{"message_ids": ids(3)}]}},
            "RPC.control.idontwant[0].messageIDs: 3 entries exceed max_ihave_length 2",
        ),
        (
            L(),
            {"control": {"iwant": [{"message_ids": [b"", bytes(65)]}]}},
            "RPC.control.iwant[0].messageIDs[1]: 65 bytes exceed max_message_id_size 64",
        ),
        (
            L(max_topic_length=0),
            {"control": {"ihave": [{"topic_id": "x"}]}},
            "RPC.control.ihave[0].topicID: 1 bytes exceed max_topic_length 0",
        ),
        (
            L(max_topic_length=0),
            {"control": {"prune": [{"topic_id": "x"}]}},
            "RPC.control.prune[0].topicID: 1 bytes exceed max_topic_length 0",
        ),
        (
            L(),
            {"control": {"prune": [{"peers": [{}] * 65}]}},
            "RPC.control.prune[0].peers: 65 entries exceed max_prune_peers 64",
        ),
        (
            L(max_peer_id_size=1),
            {"control": {"prune": [{"peers": [{"peer_id": b"ab"}]}]}},
            "RPC.control.prune[0].peers[0].peerID: 2 bytes exceed max_peer_id_size 1",
        ),
        (
            L(),
            {"control": {"prune": [{"peers": [{"signed_peer_record": bytes(8193)}]}]}},
            "RPC.control.prune[0].peers[0].signedPeerRecord: "
            "8193 bytes exceed max_signed_peer_record_size 8192",
        ),
    ],
)
def test_limits(limits, rpc, reason):
    encoded = wire.encode_rpc(rpc)
    with pytest.raises(DecodeError) as e:
        wire.decode_rpc(encoded, limits)
    assert str(e.value) == reason


def test_limits_are_inclusive():
    rpc = {"control": {"ihave": [{"message_ids": ids(5000)}]}, "publish": [{"topic": "t"}] * 2}
    assert wire.decode_rpc(wire.encode_rpc(rpc), L(max_publish=2)) == rpc


def test_default_data_limit_is_one_mebibyte():
    ok = {"publish": [{"topic": "t", "data": bytes(1 << 20)}]}
    assert wire.decode_rpc(wire.encode_rpc(ok)) == ok
    big = {"publish": [{"topic": "t", "data": bytes((1 << 20) + 1)}]}
    with pytest.raises(DecodeError, match="max_data_size 1048576"):
        wire.decode_rpc(wire.encode_rpc(big))


def test_merged_control_fields_share_the_entry_limits():
    one = ld(3, ld(3, ld(1, b"a")))  # control{graft[{topicID: "a"}]}
    assert wire.decode_rpc(one * 3) == {"control": {"graft": [{"topic_id": "a"}] * 3}}
    with pytest.raises(DecodeError, match=r"RPC.control.graft: 4 entries exceed"):
        wire.decode_rpc(one * 4, L(max_control_entries=3))


# ---- protobuf semantics ----


def test_unknown_fields_of_every_wire_type_are_skipped_at_every_level():
    u = ALL_UNKNOWN
    msg = ld(1, b"f") + u + ld(2, b"d") + ld(3, b"s") + ld(4, b"t") + ld(5, b"g") + ld(6, b"k") + u
    control = (
        ld(1, u + ld(1, b"t") + u + ld(2, b"i") + u)
        + u
        + ld(2, u + ld(1, b"w") + u)
        + ld(3, ld(1, b"g") + u)
        + ld(4, ld(1, b"p") + u + ld(2, u + ld(1, b"P") + u + ld(2, b"R") + u) + vf(3, 7) + u)
        + ld(5, u + ld(1, b"x"))
        + u
    )
    data = u + ld(1, vf(1, 1) + u + ld(2, b"s")) + u + ld(2, msg) + ld(3, control) + u
    assert wire.decode_rpc(data) == {
        "subscriptions": [{"subscribe": True, "topic_id": "s"}],
        "publish": [
            {
                "from": b"f",
                "data": b"d",
                "seqno": b"s",
                "topic": "t",
                "signature": b"g",
                "key": b"k",
            }
        ],
        "control": {
            "ihave": [{"topic_id": "t", "message_ids": [b"i"]}],
            "iwant": [{"message_ids": [b"w"]}],
            "graft": [{"topic_id": "g"}],
            "prune": [
                {
                    "topic_id": "p",
                    "peers": [{"peer_id": b"P", "signed_peer_record": b"R"}],
                    "backoff": 7,
                }
            ],
            "idontwant": [{"message_ids": [b"x"]}],
        },
    }


@pytest.mark.parametrize("kind", sorted(UNKNOWN))
def test_each_unknown_wire_type_alone(kind):
    assert wire.decode_rpc(UNKNOWN[kind]) == {}
    assert wire.decode_rpc(ld(2, UNKNOWN[kind] + ld(4, b"t"))) == {"publish": [{"topic": "t"}]}


def test_last_singular_field_wins():
    msg = ld(2, b"first") + ld(4, b"a") + ld(2, b"second") + ld(4, b"b")
    assert wire.decode_rpc(ld(2, msg)) == {"publish": [{"data": b"second", "topic": "b"}]}
    prune = ld(3, ld(4, vf(3, 1) + vf(3, 2)))
    assert wire.decode_rpc(prune) == {"control": {"prune": [{"backoff": 2}]}}


def test_bool_is_any_varint():
    assert wire.decode_rpc(ld(1, vf(1, 0))) == {"subscriptions": [{"subscribe": False}]}
    assert wire.decode_rpc(ld(1, vf(1, 1))) == {"subscriptions": [{"subscribe": True}]}
    assert wire.decode_rpc(ld(1, vf(1, 2**64 - 1))) == {"subscriptions": [{"subscribe": True}]}


def test_maximal_varint_is_accepted():
    assert wire.decode_rpc(ld(3, ld(4, vf(3, 2**64 - 1)))) == {
        "control": {"prune": [{"backoff": 2**64 - 1}]}
    }


# ---- compatibility: bytes as go-libp2p-pubsub (gogo protobuf) writes them ----


def test_decodes_go_encoding():
    # RPC{subscriptions: [{subscribe: true, topicid: "foo"}],
    #     publish: [{from: 01 02, data: "hi", seqno: 00..01, topic: "foo"}],
    #     control: {ihave: [{topicID: "foo", messageIDs: ["id1"]}], graft: [{topicID: "foo"}],
    #               prune: [{topicID: "foo", peers: [{peerID: "p"}], backoff: 60}],
    #               idontwant: [{messageIDs: ["x"]}]}}
    # Field order is field-number order; every key byte is (number << 3 | wire type).
    go = bytes.fromhex(
        "0a07"  # RPC.subscriptions (1, LEN), 7 bytes
        "0801"  # subscribe (1, VARINT) = true
        "1203666f6f"  # topicid (2, LEN) "foo"
        "1217"  # RPC.publish (2, LEN), 23 bytes
        "0a020102"  # from
        "12026869"  # data "hi"
        "1a080000000000000001"  # seqno, 8 bytes big-endian 1
        "2203666f6f"  # topic (4, LEN) "foo"
        "1a26"  # RPC.control (3, LEN), 38 bytes
        "0a0a"  # ihave (1, LEN), 10 bytes
        "0a03666f6f"  # topicID "foo"
        "1203696431"  # messageIDs (2, LEN) "id1"
        "1a05"  # graft (3, LEN)
        "0a03666f6f"
        "220c"  # prune (4, LEN), 12 bytes
        "0a03666f6f"  # topicID
        "1203"  # peers (2, LEN), 3 bytes
        "0a0170"  # peerID "p"
        "183c"  # backoff (3, VARINT) 60
        "2a03"  # idontwant (5, LEN)
        "0a0178"  # messageIDs (1, LEN) "x"
    )
    rpc = {
        "subscriptions": [{"subscribe": True, "topic_id": "foo"}],
        "publish": [
            {"from": b"\x01\x02", "data": b"hi", "seqno": (1).to_bytes(8, "big"), "topic": "foo"}
        ],
        "control": {
            "ihave": [{"topic_id": "foo", "message_ids": [b"id1"]}],
            "graft": [{"topic_id": "foo"}],
            "prune": [{"topic_id": "foo", "peers": [{"peer_id": b"p"}], "backoff": 60}],
            "idontwant": [{"message_ids": [b"x"]}],
        },
    }
    assert wire.decode_rpc(go) == rpc
    assert wire.encode_rpc(rpc) == go


# ---- encode_rpc validates the dict ----


@pytest.mark.parametrize(
    ("rpc", "error", "reason"),
    [
        ([], TypeError, "rpc: expected dict, got list"),
        (
            {"bogus": 1},
            ValueError,
            "rpc: unknown key 'bogus' (allowed: subscriptions, publish, control, publish_hops)",
        ),
        ({"publish": {}}, TypeError, "rpc.publish: expected list, got dict"),
        ({"publish": [{}]}, ValueError, "rpc.publish[0]: missing key 'topic'"),
        (
            {"publish": [{"topic": b"t"}]},
            TypeError,
            "rpc.publish[0].topic: expected str, got bytes",
        ),
        (
            {"publish": [{"topic": "t", "data": "x"}]},
            TypeError,
            "rpc.publish[0].data: expected bytes, got str",
        ),
        (
            {"publish": [{"topic": "t", "sig": b""}]},
            ValueError,
            "rpc.publish[0]: unknown key 'sig'",
        ),
        (
            {"subscriptions": [{"subscribe": 1}]},
            TypeError,
            "rpc.subscriptions[0].subscribe: expected bool, got int",
        ),
        (
            {"control": {"prune": [{"backoff": -1}]}},
            ValueError,
            "rpc.control.prune[0].backoff: must be in [0, 2**64)",
        ),
        (
            {"control": {"prune": [{"backoff": 2**64}]}},
            ValueError,
            "rpc.control.prune[0].backoff: must be in [0, 2**64)",
        ),
        (
            {"control": {"prune": [{"backoff": True}]}},
            TypeError,
            "rpc.control.prune[0].backoff: expected int, got bool",
        ),
        (
            {"control": {"iwant": [{"message_ids": [b"a", 1]}]}},
            TypeError,
            "rpc.control.iwant[0].message_ids[1]: expected bytes, got int",
        ),
        (
            {"control": {"prune": [{"peers": [{"peer": b""}]}]}},
            ValueError,
            "rpc.control.prune[0].peers[0]: unknown key 'peer'",
        ),
        ({"control": {"graft": [{"topic_id": "\ud800"}]}}, UnicodeEncodeError, ""),
        ({1: 2}, TypeError, "rpc: keys must be str"),
    ],
)
def test_encode_rejects_malformed_dicts(rpc, error, reason):
    with pytest.raises(error) as e:
        wire.encode_rpc(rpc)
    assert str(e.value).startswith(reason)


def test_encode_accepts_bytearray():
    encoded = wire.encode_rpc({"publish": [{"topic": "t", "data": bytearray(b"ab")}]})
    assert wire.decode_rpc(encoded) == {"publish": [{"topic": "t", "data": b"ab"}]}


def test_benchmark_sample_is_one_signed_sized_message():
    rpc = wire.decode_rpc(_core._bench.wire_sample())
    (msg,) = rpc["publish"]
    assert [len(msg[k]) for k in ("from", "data", "seqno", "signature", "key")] == [
        38,
        256,
        8,
        64,
        36,
    ]


def test_message_ids_of_any_length_round_trip_under_a_raised_limit():
    # An id list packs ids of any length (wire tools may craft oversized ones); only the
    # decoder's limit bounds them.
    ids_ = [b"", b"x", bytes(range(200)), bytes(300), bytes(64)]
    rpc = {
        "control": {
            "ihave": [{"topic_id": "t", "message_ids": ids_}],
            "iwant": [{"message_ids": ids_[::-1]}],
        }
    }
    assert wire.decode_rpc(wire.encode_rpc(rpc), L(max_message_id_size=300)) == rpc
    with pytest.raises(DecodeError, match="300 bytes exceed max_message_id_size 299"):
        wire.decode_rpc(wire.encode_rpc(rpc), L(max_message_id_size=299))


# ---- the publishHops extension (randomsub's hop counts) ----

HOPS_FIELD = 5277953
ONE_MESSAGE = ld(2, ld(4, b"t"))


def test_publish_hops_field_is_in_the_experimental_range():
    # GossipSub v1.3: experimental extensions take random field numbers above 0x200000,
    # whose tags are at least four bytes long.
    assert HOPS_FIELD > 0x200000 and len(tag(HOPS_FIELD, 2)) >= 4
    encoded = wire.encode_rpc({"publish": [{"topic": "t"}], "publish_hops": [3]})
    assert encoded == ONE_MESSAGE + ld(HOPS_FIELD, ld(1, varint(3)))


def test_publish_hops_unpacked_and_split_entries_are_accepted():
    unpacked = ONE_MESSAGE * 2 + ld(HOPS_FIELD, vf(1, 7) + ld(1, varint(9)))
    assert wire.decode_rpc(unpacked)["publish_hops"] == [7, 9]
    # Fields of an embedded message may come in any order, and before the messages.
    early = ld(HOPS_FIELD, vf(1, 1)) + ONE_MESSAGE
    assert wire.decode_rpc(early)["publish_hops"] == [1]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ONE_MESSAGE * 2 + ld(HOPS_FIELD, vf(1, 1)), "1 hop counts for 2 publish entries"),
        (ld(HOPS_FIELD, vf(1, 1)), "1 hop counts for 0 publish entries"),
        (ONE_MESSAGE + ld(HOPS_FIELD, vf(1, 2**32)), r"hops\[0\]: exceeds uint32"),
        (ONE_MESSAGE + ld(HOPS_FIELD, ld(1, b"\xff")), r"publishHops.hops: "),
        (ONE_MESSAGE + vf(HOPS_FIELD, 1), "publishHops"),
    ],
)
def test_malformed_publish_hops(data, reason):
    with pytest.raises(DecodeError, match=reason):
        wire.decode_rpc(data)


def test_publish_hops_are_bounded_by_max_publish():
    limits = _core.wire.DecodeLimits(max_publish=2)
    data = ONE_MESSAGE + ld(HOPS_FIELD, ld(1, varint(1) * 3))
    with pytest.raises(DecodeError, match="max_publish 2"):
        wire.decode_rpc(data, limits)


def test_encode_refuses_hops_that_do_not_match_the_messages():
    with pytest.raises(ValueError, match="one entry per publish entry"):
        wire.encode_rpc({"publish": [{"topic": "t"}], "publish_hops": [1, 2]})


# ---- leaving out publish entries (the host's copies of messages it has) ----


@given(rpcs(), st.data())
def test_skipped_publish_entries_are_left_out_and_the_rest_is_as_decoded(rpc, data):
    encoded = wire.encode_rpc(rpc)
    whole = wire.decode_rpc(encoded)
    n = len(whole.get("publish", []))
    left_out = data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n))
    seen: list[dict] = []

    def skip(fields):
        seen.append(fields)
        return len(seen) - 1 in left_out

    part = wire.decode_rpc(encoded, skip=skip)
    # The skip sees every entry's fields, as decoded, in order.
    assert seen == whole.get("publish", [])
    keep = [i for i in range(n) if i not in left_out]
    assert part.get("publish", []) == [whole["publish"][i] for i in keep]
    if "publish_hops" in whole:
        assert part.get("publish_hops", []) == [whole["publish_hops"][i] for i in keep]
    rest = {k: v for k, v in whole.items() if k not in ("publish", "publish_hops")}
    assert {k: v for k, v in part.items() if k not in ("publish", "publish_hops")} == rest


@given(rpcs(), st.data())
def test_skipping_never_changes_what_is_refused(rpc, data):
    # Mutated (often malformed) input: an entry left out is still checked, so the decode with
    # a skip fails exactly when the plain one does, with the same error.
    encoded = bytearray(wire.encode_rpc(rpc))
    for _ in range(data.draw(st.integers(0, 3)) if encoded else 0):
        encoded[data.draw(st.integers(0, len(encoded) - 1))] = data.draw(st.integers(0, 255))
    limits = data.draw(st.sampled_from([None, wire.DecodeLimits(max_publish=1, max_data_size=8)]))
    outcomes = []
    for skip in (None, lambda fields: True):
        try:
            outcomes.append(("ok", wire.decode_rpc(bytes(encoded), limits, skip) is not None))
        except DecodeError as e:
            outcomes.append(("error", str(e)))
    assert outcomes[0] == outcomes[1]
