"""The examples in docs/examples run (at small sizes) and show what they say."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import p2pgossip as pg
import pytest

ROOT = Path(__file__).resolve().parents[1]


def example(name: str) -> ModuleType:
    path = ROOT / "docs" / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_two_nodes() -> None:
    assert await example("two_nodes").main(messages=3) == [b"hello 0", b"hello 1", b"hello 2"]


async def test_partition() -> None:
    got = await example("partition").main(n=4)
    assert got == {"partitioned": [0, 1], "healed": [0, 1, 2, 3]}


def test_simulation() -> None:
    table = example("simulation").main(nodes=50, messages=3)
    assert table["delivered"].iloc[0] == 1.0
    assert 0 < table["latency_p50_s"].iloc[0] <= table["latency_p99_s"].iloc[0]


async def test_block_sync() -> None:
    sync = example("block_sync")
    chain = await sync.main(blocks=150)
    assert chain == sync.Chain.build(150)


async def test_block_sync_refuses_a_tampered_body() -> None:
    sync = example("block_sync")
    honest = sync.Chain.build(100)
    forged = sync.Chain(list(honest.headers), list(honest.bodies))
    forged.bodies[70] = b"not the block its header commits to"
    async with pg.Runtime() as rt:
        server = await pg.Node(runtime=rt).start()
        sync.serve(server, forged)
        client = await pg.Node(runtime=rt).start()
        await client.connect(server.addrs[0])
        with pytest.raises(sync.SyncError, match="body 70"):
            await sync.sync(client, server.peer_id)
