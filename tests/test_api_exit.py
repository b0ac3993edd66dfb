"""Processes using nodes end promptly: exiting without close(), and on SIGINT. The
subprocess timeout is the failure condition; nothing here measures time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

LIMIT_S = 60  # far above a normal exit: only a hang reaches it

EXIT_WITHOUT_CLOSE_ASYNC = """
import asyncio, p2pgossip as pg

async def main():
    a = await pg.Node().start()
    b = await pg.Node().start()
    await a.connect(b.addrs[0])
    a.subscribe("t")
    print("ready", flush=True)

asyncio.run(main())
"""

EXIT_WITHOUT_CLOSE_SYNC = """
from p2pgossip import sync
a = sync.Node()
b = sync.Node()
a.connect(b.addrs[0])
a.subscribe("t")
print("ready", flush=True)
"""

SIGINT_WAITING = """
import asyncio, p2pgossip as pg

async def main():
    async with pg.Node() as node:
        async with node.subscribe("t") as sub:
            print("ready", flush=True)
            async for _ in sub:
                pass

asyncio.run(main())
"""


def run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
    )


@pytest.mark.parametrize("script", [EXIT_WITHOUT_CLOSE_ASYNC, EXIT_WITHOUT_CLOSE_SYNC])
def test_a_script_that_never_closes_exits(script: str) -> None:
    r = run(script)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ready"


def test_sigint_while_waiting_on_a_subscription_ends_the_process() -> None:
    p = subprocess.Popen(
        [sys.executable, "-c", SIGINT_WAITING],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
        os.kill(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=LIMIT_S)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode != 0 and "KeyboardInterrupt" in err
