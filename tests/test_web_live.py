"""The live view of a running `cluster 5 --web-port P`: its event stream, read directly,
follows the published schema; headless Chromium draws all 5 nodes and the deliveries.

Set P2PGOSSIP_SCREENSHOT=path to keep the browser's screenshot (the README's picture)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_harness import TIMEOUT, Cli, free_port, group_members, kill_group, wait_until
from p2pgossip.web import schema

pytest.importorskip("starlette", reason="the live view is in the web extra")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")

SCHEMA = schema()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    port = free_port()
    c = Cli("cluster", "5", "--ratio", "0.5", "--period", "0.5", "--web-port", str(port))
    pgid = 0
    try:
        header = c.wait_line(lambda s: s.startswith("cluster: "), "the cluster's header")
        pgid = int(re.findall(r"process group (\d+)", header)[0])
        url = c.wait_line(lambda s: s.startswith("live view: "), "the view's URL").split()[-1]
        assert url == f"http://127.0.0.1:{port}/"
        yield url
        assert c.stop(signal.SIGTERM) == 0, str(c)
        assert group_members(pgid) == []
    finally:
        c.kill()
        if pgid:
            kill_group(pgid)


def sse_messages(url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data) from a server-sent-events stream, as they arrive."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        name, data = "message", ""
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
            elif line == "" and data:
                yield name, json.loads(data)
                name, data = "message", ""


def test_event_stream_follows_its_schema(cluster: str) -> None:
    seen: dict[str, int] = {}
    full = None
    deadline = time.monotonic() + TIMEOUT
    for name, msg in sse_messages(cluster + "events"):
        jsonschema.validate(msg, SCHEMA)
        assert msg["type"] == name
        seen[name] = seen.get(name, 0) + 1
        if name == "snapshot" and whole_network(msg):
            full = msg
        if (full and seen.get("deliveries")) or time.monotonic() > deadline:
            break
    assert list(seen)[:2] == ["history", "snapshot"]  # what a page needs first
    assert full is not None, f"no snapshot of the whole network; saw {seen}"
    assert full["source"]["kind"] == "cluster"
    assert all(e["dialer"] in (e["a"], e["b"]) for e in full["edges"])


def whole_network(snap: dict[str, Any]) -> bool:
    """Every node observed, each connection reported by both its ends, meshes formed."""
    return (
        sum(n["observed"] for n in snap["nodes"]) == 5
        and len(snap["nodes"]) == 5
        and bool(snap["edges"])
        and all(len(e["views"]) == 2 for e in snap["edges"])
        and any(e["mesh"] for e in snap["edges"])
    )


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None, reason="needs Debian's chromium and chromium-driver"
)
def test_headless_chromium_draws_the_network(cluster: str, tmp_path: Path) -> None:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,900")
    options.binary_location = CHROMIUM
    # The system's driver: selenium is not to download one (no network at test time).
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(TIMEOUT)
        driver.get(cluster)

        def text(id_: str) -> str:
            return str(driver.find_element("id", id_).text)

        def panels() -> int:  # one panel of counter plots per observed node
            return len(driver.find_elements("css selector", ".node-counters"))

        wait_until(lambda: text("graph-nodes") == "5" and panels() == 5, "5 nodes drawn")
        wait_until(lambda: int(text("deliveries-shown")) > 0, "a delivery drawn")
        reasons = driver.find_elements("css selector", ".node-counters .reasons")
        assert all(r.text.startswith(("drops by reason: ", "no drops")) for r in reasons)
        assert "whole network" in text("whose")  # the page says whose view it is
        assert driver.execute_script("return nodes.length") == 5  # in vis-network itself
        wait_until(lambda: int(text("graph-mesh")) > 0, "mesh edges drawn")
        body = driver.find_element("tag name", "body")
        wait_until(lambda: body.get_attribute("data-layout") == "stable", "the layout at rest")
        shot = tmp_path / "live-view.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors
    finally:
        driver.quit()
    keep = os.environ.get("P2PGOSSIP_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
