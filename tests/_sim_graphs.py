"""Hypothesis strategies and helpers shared by the simulator tests."""

from __future__ import annotations

import random

import networkx as nx
from hypothesis import strategies as st


@st.composite
def connected_graphs(draw, min_nodes: int = 5, max_nodes: int = 60) -> nx.Graph:
    """A random connected graph: a random spanning tree plus random extra edges."""
    n = draw(st.integers(min_nodes, max_nodes))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    extra = draw(st.floats(0.0, 3.0))  # extra edges per node
    g = nx.Graph()
    g.add_nodes_from(range(n))
    order = list(range(n))
    rng.shuffle(order)
    for i in range(1, n):
        g.add_edge(order[i], order[rng.randrange(i)])
    for _ in range(int(extra * n)):
        u, v = rng.randrange(n), rng.randrange(n)
        if u != v:
            g.add_edge(u, v)
    return g


def reached(g: nx.Graph, source: int, members: set[int]) -> set[int]:
    """Nodes of `members` connected to `source` through `members` (plus the source)."""
    sub = g.subgraph(members | {source})
    return set(nx.node_connected_component(sub, source)) & members


def delivered_pairs(sim) -> set[tuple[str, int]]:
    d = sim.deliveries()
    return set(zip(d["msg_id"].astype(str), d["node"].astype(int), strict=True))
