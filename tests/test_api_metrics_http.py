"""The runtime's /metrics endpoint (served on its I/O thread, not by Python): scraped with
urllib and parsed with prometheus_client's parser; bad requests get errors or time out
without disturbing the node. Scrapes here block the loop's thread on purpose: the endpoint
answers without it."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import p2pgossip as pg
import pytest
from p2pgossip.metrics import Collector

parser = pytest.importorskip("prometheus_client.parser")
TIMEOUT = 20


def scrape(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def status_of(url: str, method: str = "GET") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=TIMEOUT):
            return 200
    except urllib.error.HTTPError as e:
        return e.code


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(request)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def port_of(node: pg.Node) -> int:
    assert node.metrics_url is not None
    return int(node.metrics_url.rsplit(":", 1)[1].split("/")[0])


def sample(fams: dict[str, object], name: str, **labels: str) -> float:
    fam = fams[name]
    for s in fam.samples:  # type: ignore[attr-defined]
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return float(s.value)
    raise AssertionError(f"no sample {name}{labels}")


async def test_scrape_matches_the_node_and_the_collector() -> None:
    async with pg.Node(metrics_port=0) as node:
        sub = node.subscribe("t", maxsize=1, overflow="drop_newest")
        await node.publish_many("t", [b"a", b"b", b"c"])
        fams = scrape(node.metrics_url or "")
        me = str(node.peer_id)
        assert sample(fams, "p2pgossip_messages", node=me, event="published") == 3
        # subscription overflow is counted by Python and served by the runtime
        assert sample(fams, "p2pgossip_dropped", layer="app", reason="subscription:t") == 2
        assert sample(fams, "p2pgossip_dropped", layer="app", reason="validator_error") == 0
        assert sample(fams, "p2pgossip_peers", node=me) == 0
        # one source of names: the prometheus_client collector sees the same families
        collected = {m.name for m in Collector(node).collect()}
        assert collected == set(fams)
        await sub.close()


async def test_wrong_path_and_method() -> None:
    async with pg.Node(metrics_port=0) as node:
        base = f"http://127.0.0.1:{port_of(node)}"
        assert status_of(base + "/") == 404
        assert status_of(base + "/metricsx") == 404
        assert status_of(base + "/metrics", method="POST") == 405
        assert status_of(base + "/metrics?x=1") == 200


async def test_oversize_and_malformed_requests_are_refused() -> None:
    async with pg.Node(metrics_port=0) as node:
        port = port_of(node)
        big = b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20_000 + b"\r\n\r\n"
        assert raw_exchange(port, big).startswith(b"HTTP/1.1 431")
        many = b"GET /metrics HTTP/1.1\r\n" + b"X: y\r\n" * 100 + b"\r\n"
        assert raw_exchange(port, many).startswith(b"HTTP/1.1 431")
        assert raw_exchange(port, b"nonsense\r\n\r\n").startswith(b"HTTP/1.1 400")
        scrape(node.metrics_url or "")  # still serving


async def test_slow_client_times_out_and_others_are_served() -> None:
    async with pg.Runtime() as rt:
        node = await pg.Node(runtime=rt).start()
        assert node._id is not None
        _, port = rt.core.serve_metrics([node._id], port=0, timeout=0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as slow:
            slow.sendall(b"GET /met")  # never finished
            scrape(f"http://127.0.0.1:{port}/metrics")  # served meanwhile
            assert slow.recv(1024) == b""  # closed by the server's timeout
        await node.publish("t", b"x")
        assert (
            sample(
                scrape(f"http://127.0.0.1:{port}/metrics"), "p2pgossip_messages", event="published"
            )
            == 1
        )


async def test_endpoint_for_several_nodes_and_after_close() -> None:
    async with pg.Runtime() as rt:
        a = await pg.Node(runtime=rt).start()
        b = await pg.Node(runtime=rt).start()
        assert a._id is not None and b._id is not None
        endpoint, port = rt.core.serve_metrics([a._id, b._id])
        fams = scrape(f"http://127.0.0.1:{port}/metrics")
        nodes = {s.labels["node"] for s in fams["p2pgossip_peers"].samples}  # type: ignore[attr-defined]
        assert nodes == {str(a.peer_id), str(b.peer_id)}
        await b.close()
        fams = scrape(f"http://127.0.0.1:{port}/metrics")
        nodes = {s.labels["node"] for s in fams["p2pgossip_peers"].samples}  # type: ignore[attr-defined]
        assert nodes == {str(a.peer_id)}
        rt.core.stop_metrics(endpoint)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
