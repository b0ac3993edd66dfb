"""`p2pgossip node`: two nodes in two processes exchange their heartbeats; one speaks
--json (every line one event), the other prints lines for people; both close cleanly on
a signal with a summary. The first also serves its live view: the node's own view."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Cli, free_port, wait_until
from p2pgossip.web import schema

pytest.importorskip("starlette", reason="the live view is in the web extra")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
SCHEMA = schema()


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def test_two_nodes_exchange_heartbeats_and_close_cleanly(tmp_path: Path) -> None:
    key = tmp_path / "a.key"
    web = free_port()
    a = Cli("node", "--key", str(key), "--period", "0.5", "--json", "--web-port", str(web))
    b = None
    try:
        started = a.wait_event(lambda e: e["event"] == "started", "a's start")
        a_id = started["peer_id"]
        assert started["key_created"] and key.exists()  # generated and saved when absent
        assert started["web_url"] == f"http://127.0.0.1:{web}/"
        b = Cli("node", "--connect", started["addrs"][0], "--period", "0.5", "--message", "hi")
        b_id = b.wait_line(lambda s: s.startswith("peer id "), "b's header").split()[-1]

        got = a.wait_event(
            lambda e: e["event"] == "message" and e["origin"] == b_id, "a heartbeat from b"
        )
        assert got["text"] == "hi" and got["via"] == b_id and got["topic"] == "blocks"
        assert got["seq"] >= 1 and got["latency_ms"] >= 0 and got["size"] > 0
        # b prints people's lines: time, topic, author (short), size, latency, text.
        line = b.wait_line(lambda s: f"from …{a_id[-8:]}" in s, "a heartbeat from a, at b")
        assert " blocks " in line and " ms  ping" in line

        # The live view of a node is that node's view: itself and its peer, in the mesh.
        def edge() -> Any:
            snap = fetch_json(f"http://127.0.0.1:{web}/snapshot")
            return snap if snap["edges"] and snap["edges"][0]["mesh"] else None

        snap = wait_until(edge, "the mesh edge in a's live view")
        jsonschema.validate(snap, SCHEMA)
        assert snap["source"] == {"kind": "node", "label": f"node {a_id}", "peer_id": a_id}
        assert {n["id"]: n["observed"] for n in snap["nodes"]} == {a_id: True, b_id: False}
        (e,) = snap["edges"]
        assert e["dialer"] == b_id and e["mesh"] == ["blocks"]
        assert set(e["views"]) == {a_id}  # only a's side is known here
    finally:
        codes = (a.stop(signal.SIGINT), b.stop(signal.SIGTERM) if b else None)
    assert codes == (0, 0), f"{a}\n{b}"

    events = a.events()  # every stdout line parses as one JSON object
    assert all({"event", "t"} <= e.keys() for e in events)
    assert events[0]["event"] == "started" and events[-1]["event"] == "summary"
    kinds = {e["event"] for e in events}
    assert {"peer_connected", "published", "message", "stats"} <= kinds
    summary = events[-1]
    assert summary["messages_in"] >= 1 and summary["messages_out"] >= 1
    assert summary["peers_seen"] == 1 and isinstance(summary["drops"], dict)
    stats = next(e for e in reversed(events) if e["event"] == "stats")
    assert stats["peers"][0]["peer_id"] == b_id and stats["peers"][0]["direction"] == "inbound"
    assert b.out[-4].startswith("closed after ") and b.out[-1].startswith("drops ")
    assert not any("Traceback" in ln or "error" in ln for ln in a.err + b.err), f"{a}\n{b}"
