"""Connectivity graphs for simulations: thin, seeded wrappers over networkx.

Every function returns an undirected ``networkx.Graph`` on nodes ``0..n-1``, ready for
``p2pgossip.Simulation``. networkx is imported lazily (it is in the ``analysis`` extra).
``random_regular`` uses networkx's pairing-model generator; it builds a 16-regular graph
on 10,000 nodes in about 0.3 s on a 2-core machine, so no faster generator is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._extras import needs

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "barabasi_albert",
    "erdos_renyi",
    "full_mesh",
    "random_regular",
    "ring",
    "sybil_attack",
    "watts_strogatz",
]


def _nx():
    with needs("analysis"):
        import networkx
    return networkx


def empty(n: int) -> nx.Graph:
    """No links: the nodes find each other themselves (bootstrap peers, discovery)."""
    return _nx().empty_graph(n)


def ring(n: int) -> nx.Graph:
    """A cycle: node i linked to i-1 and i+1 (mod n)."""
    return _nx().cycle_graph(n)


def full_mesh(n: int) -> nx.Graph:
    """Every node linked to every other."""
    return _nx().complete_graph(n)


def random_regular(d: int, n: int, seed: int) -> nx.Graph:
    """A uniformly random simple d-regular graph (n*d must be even, d < n).

    Connected with high probability for d >= 3, but not guaranteed; check with
    ``networkx.is_connected`` when it matters.
    """
    return _nx().random_regular_graph(d, n, seed=seed)


def erdos_renyi(n: int, p: float, seed: int, *, connected: bool = True) -> nx.Graph:
    """G(n, p): each pair linked with probability p.

    With ``connected=True`` (the default) the graph is redrawn with successive seeds
    derived from ``seed`` until it is connected (ValueError after 100 tries, when p is far
    below ln(n)/n); with ``connected=False`` it may have several components.
    """
    nx = _nx()
    for attempt in range(100 if connected else 1):
        g = nx.gnp_random_graph(n, p, seed=seed + attempt * 1_000_003)
        if not connected or n == 0 or nx.is_connected(g):
            return g
    raise ValueError(f"erdos_renyi: no connected G({n}, {p}) in 100 tries; raise p")


def watts_strogatz(n: int, k: int, p: float, seed: int) -> nx.Graph:
    """Small world: a ring lattice of degree k with each edge rewired with probability p.

    Connected (networkx's connected_watts_strogatz_graph retries until it is).
    """
    return _nx().connected_watts_strogatz_graph(n, k, p, seed=seed)


def barabasi_albert(n: int, m: int, seed: int) -> nx.Graph:
    """Preferential attachment: each new node links to m existing ones. Connected."""
    return _nx().barabasi_albert_graph(n, m, seed=seed)


def sybil_attack(
    honest: nx.Graph,
    targets: Iterable[int],
    sybils: int,
    *,
    degree: int | None = None,
    seed: int = 0,
) -> tuple[nx.Graph, list[int]]:
    """``honest`` plus ``sybils`` attacker nodes linked only to ``targets``: each to
    ``degree`` targets drawn at random (None: every target). Returns the graph and the sybils'
    labels, ``-1, -2, ...``; the honest nodes keep theirs. Each sybil link's ``dialer``
    attribute is the sybil, so in a ``Simulation`` sybils dial the targets, as real sybils do
    (a target sees them as inbound peers, which matters to its mesh's outbound quota
    ``D_out``).
    """
    import random

    targets = list(targets)
    missing = [t for t in targets if t not in honest]
    if missing or not targets:
        raise ValueError(f"sybil_attack: targets must be nodes of the graph, not {missing}")
    k = len(targets) if degree is None else degree
    if not 0 < k <= len(targets):
        raise ValueError(f"sybil_attack: degree must be in 1..{len(targets)}")
    rng = random.Random(seed)
    g = honest.copy()
    labels = [-(i + 1) for i in range(sybils)]
    for s in labels:
        g.add_node(s)
        g.add_edges_from((s, t, {"dialer": s}) for t in rng.sample(targets, k))
    return g, labels
