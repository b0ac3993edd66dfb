"""One RPC in Python: p2pgossip.Rpc converts to and from the wire dicts of p2pgossip.wire,
encodes and decodes, and compares by value."""

import pytest
from hypothesis import given
from p2pgossip import DecodeError, Message, Rpc
from p2pgossip.wire import DecodeLimits, decode_rpc, encode_rpc
from test_wire import rpcs


@given(rpcs())
def test_dict_round_trip_and_same_bytes_as_encode_rpc(d):
    r = Rpc.from_dict(d)
    assert Rpc.from_dict(r.to_dict()) == r
    assert r.to_dict() == decode_rpc(encode_rpc(d))
    assert r.encode() == encode_rpc(d)
    assert Rpc.decode(r.encode()) == r


def test_equality_by_value():
    a = Rpc(subscriptions=[(True, "t")], publish=[Message("t", b"x")], graft=["t"])
    b = Rpc.from_dict(
        {
            "subscriptions": [{"subscribe": True, "topic_id": "t"}],
            "publish": [{"topic": "t", "data": b"x"}],
            "control": {"graft": [{"topic_id": "t"}]},
        }
    )
    assert a == b and a.to_dict() == b.to_dict()
    assert a != Rpc(subscriptions=[(False, "t")])
    assert a != "rpc"


def test_decode_errors_and_limits():
    with pytest.raises(DecodeError):
        Rpc.decode(b"\x0a\x05ab")
    big = Rpc(publish=[Message("t", b"x" * 100)]).encode()
    with pytest.raises(DecodeError):
        Rpc.decode(big, DecodeLimits(max_data_size=10))


def test_from_dict_names_the_bad_key():
    with pytest.raises(ValueError, match="rpc.control"):
        Rpc.from_dict({"control": {"grafts": []}})
