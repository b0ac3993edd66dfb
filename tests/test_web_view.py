"""The live view's model: what a node or a cluster reports becomes the snapshot, the
deliveries and the history the page draws, in the stream's published schema."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from p2pgossip.web import schema
from p2pgossip.web.view import NetworkView

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")

SCHEMA = schema()
A, B, C = "12D3KooWAaaaaaaaaaaa", "12D3KooWBbbbbbbbbbbb", "12D3KooWCccccccccccc"


def counters(n: int) -> dict[str, Any]:
    keys = ("messages_in", "messages_out", "forwarded", "duplicates", "drops")
    return {**dict.fromkeys(keys, n), "drops_by_reason": {}, "bytes_in": 10 * n, "bytes_out": n}


def stats(me: str, *peers: tuple[str, str, list[str]], n: int = 1) -> dict[str, Any]:
    return {
        "peer_id": me,
        "topics": ["blocks"],
        "peers": [
            {"peer_id": p, "addr": "/ip4/127.0.0.1/tcp/1", "direction": d, "score": 0.5, "mesh": m}
            for p, d, m in peers
        ],
        "counters": counters(n),
    }


def test_a_cluster_snapshot_joins_both_ends_of_each_connection() -> None:
    view = NetworkView("cluster", "a cluster of 3 nodes")
    view.update(stats(A, (B, "outbound", ["blocks"])))
    view.update(stats(B, (A, "inbound", []), (C, "inbound", [])))
    snap = view.snapshot()
    jsonschema.validate(snap, SCHEMA)
    assert snap["source"] == {"kind": "cluster", "label": "a cluster of 3 nodes", "peer_id": None}
    observed = {n["id"]: n["observed"] for n in snap["nodes"]}
    assert observed == {A: True, B: True, C: False}  # C is only a peer of B
    edges = {e["id"]: e for e in snap["edges"]}
    ab = edges[f"{A}|{B}"]
    assert ab["dialer"] == A and ab["mesh"] == ["blocks"]  # A has B in its mesh
    assert ab["views"] == {A: {"score": 0.5, "mesh": ["blocks"]}, B: {"score": 0.5, "mesh": []}}
    assert edges[f"{B}|{C}"]["dialer"] == C and edges[f"{B}|{C}"]["mesh"] == []


def test_stream_starts_with_history_and_a_snapshot_then_deliveries() -> None:
    async def scenario() -> list[dict[str, Any] | None]:
        view = NetworkView("node", f"node {A}", peer_id=A)
        view.update(stats(A, (B, "inbound", ["blocks"]), n=1))
        view.tick_snapshot()
        view.update(stats(A, (B, "inbound", ["blocks"]), n=2))
        q = view.subscribe()
        event = {"via": B, "origin": B, "topic": "blocks", "id": "ab", "latency_ms": 1.5}
        view.delivery(A, event)
        view.flush_deliveries()
        runner = asyncio.create_task(view.run(snapshot_every=0.01, deliveries_every=0.01))
        await asyncio.sleep(0.05)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        return [q.get_nowait() for _ in range(q.qsize())]

    msgs = asyncio.run(scenario())
    assert msgs[-1] is None  # the view closed: every page's stream ends
    real = [m for m in msgs if m is not None]
    for m in real:
        jsonschema.validate(m, SCHEMA)
    assert [m["type"] for m in real[:3]] == ["history", "snapshot", "deliveries"]
    assert real[0]["samples"][0]["counters"][A]["messages_in"] == 1
    assert real[1]["source"]["peer_id"] == A
    assert real[2]["items"] == [
        {"node": A, "via": B, "origin": B, "topic": "blocks", "id": "ab", "latency_ms": 1.5}
    ]


def test_a_stalled_page_loses_old_messages_instead_of_slowing_the_node() -> None:
    async def scenario() -> int:
        view = NetworkView("node", "n", peer_id=A)
        view.update(stats(A))
        q = view.subscribe(maxsize=4)
        for _ in range(100):
            view.tick_snapshot()
        return q.qsize()

    assert asyncio.run(scenario()) == 4


def test_the_graph_library_ships_inside_the_package() -> None:
    from p2pgossip.web.app import STATIC

    page = (STATIC / "index.html").read_text()
    assert 'src="/static/vis-network.min.js"' in page and "http" not in page.split("<body>")[0]
    assert (STATIC / "vis-network.min.js").stat().st_size > 100_000
    assert "MIT License" in (STATIC / "LICENSE-vis-network.txt").read_text()
