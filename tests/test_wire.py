"""The pubsub RPC codec: round trips, bounds, malformed input, wire compatibility."""

from __future__ import annotations

import pytest

from p2pgossip import DecodeError, wire
from p2pgossip import _core


def test_sample_round_trip_and_size():
    sample = _core._bench_wire_sample()
    d = wire.decode_rpc(sample)
    assert wire.encode_rpc(d) == sample
    assert len(d["publish"][0]["data"]) == 256


def test_missing_topic_is_an_error():
    # RPC{publish: [Message{data: "x"}]}
    with pytest.raises(DecodeError, match=r"RPC\.publish\[0\]\.topic: required field missing"):
        wire.decode_rpc(bytes([0x12, 0x03, 0x12, 0x01, 0x78]))


def test_encoded_size_matches_encoding():
    d = {
        "subscriptions": [{"subscribe": True, "topic_id": "t"}],
        "publish": [{"topic": "t", "data": b"x" * 200}],
        "control": {"prune": [{"topic_id": "t", "peers": [{"peer_id": b"p"}], "backoff": 2**40}]},
    }
    assert wire.encoded_rpc_size(d) == len(wire.encode_rpc(d))
    assert wire.decode_rpc(wire.encode_rpc(d)) == d
