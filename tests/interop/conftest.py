"""Fixtures for tests against other libp2p stacks running in their own virtual environments."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pylibp2p_proc import PyLibp2pNode

# `make interop-venv` creates it; P2PGOSSIP_PYLIBP2P_PYTHON points elsewhere.
PYLIBP2P_PYTHON = Path(
    os.environ.get(
        "P2PGOSSIP_PYLIBP2P_PYTHON",
        Path(__file__).resolve().parents[2] / "build" / "pylibp2p-venv" / "bin" / "python",
    )
)


@pytest.fixture(scope="session")
def pylibp2p_python() -> Path:
    if not PYLIBP2P_PYTHON.exists():
        pytest.skip(f"py-libp2p venv absent ({PYLIBP2P_PYTHON}): run `make interop-venv`")
    return PYLIBP2P_PYTHON


@pytest.fixture
def pylibp2p_node(pylibp2p_python: Path, tmp_path: Path) -> Iterator[Callable[..., PyLibp2pNode]]:
    """Factory of py-libp2p nodes in subprocesses; every node is stopped at teardown."""
    nodes: list[PyLibp2pNode] = []

    def start(topic: str, **kwargs) -> PyLibp2pNode:
        node = PyLibp2pNode(pylibp2p_python, topic, tmp_path / "logs", **kwargs)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.close()
