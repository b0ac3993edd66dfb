"""Runtime threads: explicit start/stop/join, nothing left behind, safe to drop unclosed."""

from __future__ import annotations

import gc
import os
import select
import subprocess
import sys

from p2pgossip import _core
from runtime_harness import Harness


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def test_close_joins_every_thread() -> None:
    before = thread_count()
    rt = _core.runtime.Runtime(threads=3)
    rt.start()
    assert rt.running and thread_count() == before + 3
    h = Harness(rt)
    a, _ = h.add_node()
    b, addr_b = h.add_node()
    h.connect(a, addr_b)
    rt.close()
    assert not rt.running and thread_count() == before
    rt.close()  # idempotent


def test_dropping_a_running_runtime_joins_its_threads() -> None:
    before = thread_count()
    rt = _core.runtime.Runtime(threads=2)
    rt.start()
    h = Harness(rt)
    a, addr = h.add_node()
    del h, rt
    gc.collect()
    assert thread_count() == before


def test_never_started_runtime_is_harmless() -> None:
    rt = _core.runtime.Runtime()
    node, req = rt.add_node(_core.crypto.Identity.generate(), listen=["/ip4/127.0.0.1/tcp/0"])
    rt.close()
    assert rt.metrics(node) is not None


def test_eventfd_signals_once_per_batch() -> None:
    rt = _core.runtime.Runtime()
    try:
        for _ in range(3):  # queued before start: one batch, one wakeup
            rt.add_node(_core.crypto.Identity.generate())
        rt.start()
        h = Harness(rt)
        h.wait(lambda: len(h.done) == 3, "three nodes")
        assert select.select([rt.fd], [], [], 0)[0] == []
        assert rt.drain() == []
    finally:
        rt.close()


def test_commands_after_close_node_report_unknown_node() -> None:
    rt = _core.runtime.Runtime()
    rt.start()
    h = Harness(rt)
    try:
        a, _ = h.add_node()
        h.ok(rt.close_node(a))
        assert h.result(rt.subscribe(a, "t")) == f"unknown node {a}"
        assert rt.metrics(a) is None
    finally:
        rt.close()


def test_interpreter_exits_with_an_unclosed_runtime() -> None:
    script = (
        "from p2pgossip import _core\n"
        "rt = _core.runtime.Runtime(threads=2)\n"
        "rt.start()\n"
        "n, r = rt.add_node(_core.crypto.Identity.generate(), listen=['/ip4/127.0.0.1/tcp/0'])\n"
        "m, r2 = rt.add_node(_core.crypto.Identity.generate(), listen=['/ip4/127.0.0.1/tcp/0'])\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
