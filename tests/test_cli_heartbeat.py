"""The heartbeat `node --period` publishes carries its publish time, so a receiver
measures latency; any other payload is shown as text when it is printable."""

from __future__ import annotations

import json

from p2pgossip.cli import _heartbeat


def test_a_heartbeat_round_trip_measures_latency() -> None:
    data = _heartbeat.encode(7, "12D3KooWx", "ping")
    sent_at = json.loads(data)["t"]
    d = _heartbeat.decode(data, received_at=sent_at + 0.0125)
    assert (d.text, d.seq) == ("ping", 7)
    assert d.latency_ms is not None and abs(d.latency_ms - 12.5) < 1e-3  # float time


def test_other_payloads() -> None:
    assert _heartbeat.decode(b"hello") == _heartbeat.Decoded("hello")
    assert _heartbeat.decode(b'{"n": "x"}') == _heartbeat.Decoded('{"n": "x"}')  # not ours
    assert _heartbeat.decode(b"\xff\xfe").text is None  # not UTF-8
    assert _heartbeat.decode(b"bell\x07").text is None  # not printable
    # A clock behind the sender's never gives a negative latency.
    late = _heartbeat.encode(1, "p", "")
    assert _heartbeat.decode(late, received_at=json.loads(late)["t"] - 5).latency_ms == 0.0
