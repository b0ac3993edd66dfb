"""A real Prometheus server (Debian package `prometheus`, installed by `make test`) scrapes a
running node's /metrics endpoint and answers a query about it. Waiting polls with a deadline;
the scrape interval is 1 s, so this takes a few seconds."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import p2pgossip as pg
import pytest

PROMETHEUS = shutil.which("prometheus")
DEADLINE_S = 60
QUERY = 'p2pgossip_messages_total{event="published"}'

pytestmark = pytest.mark.skipif(
    PROMETHEUS is None,
    reason="the prometheus binary is not installed (Debian package 'prometheus'; make test "
    "installs it)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def query(port: int, q: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            answer = json.loads(r.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return []  # not up yet
    return list(answer["data"]["result"]) if answer.get("status") == "success" else []


async def test_prometheus_scrapes_a_node(tmp_path: Path) -> None:
    async with pg.Node(metrics_port=0) as node:
        await node.publish_many("blocks", [b"a", b"b", b"c"])
        target = (node.metrics_url or "").split("/")[2]
        (tmp_path / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: p2pgossip\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
        port = free_port()
        assert PROMETHEUS is not None
        server = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + DEADLINE_S
            result: list[dict[str, object]] = []
            while time.monotonic() < deadline and server.poll() is None:
                # Blocking here is fine: the runtime's I/O thread serves the scrapes.
                result = query(port, QUERY)
                if result:
                    break
                time.sleep(0.2)  # poll interval of the deadline loop, not a wait for an event
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert result, f"no sample of {QUERY} within {DEADLINE_S} s"
            (sample,) = result
            assert sample["metric"]["node"] == str(node.peer_id)  # type: ignore[index]
            assert float(sample["value"][1]) == 3  # type: ignore[index]
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
