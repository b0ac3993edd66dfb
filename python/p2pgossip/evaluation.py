"""The GossipSub v1.1 attack evaluation (PL-TechRep-2020-001) as simulator scenarios.

Its setup (libp2p/gossipsub-hardening ``scripts/configs/1k-attack-*.json``): publishers and
lurkers on a random graph of honest degree 20, one topic ("blocks") at a steady rate of
2 KiB messages, link latency 5-25 ms per link with 10% jitter per packet (``LATENCY``), the
routers and score of ``presets.gossipsub_v11_evaluation``, and sybils (``adversary.Sybil``:
censor everything, GRAFT whenever allowed) placed as each attack says. Every attack runs in
three modes: ``v1.0`` (no scoring, no peer exchange, no flood publishing: the baseline),
``v1.1 off`` (v1.1 with every score weight zero) and ``v1.1 on`` (the evaluation's scoring).

``Scale`` sets the sizes; ``FULL`` is the report's 1,000 honest nodes at 120 messages/s for
3 minutes, ``MEDIUM`` the same nodes at a twelfth of the rate, and ``SMALL`` a tenth of the
nodes at that rate, for the same 3 minutes.
Sybil counts are the report's as multiples of the honest count, each sybil with the report's
number of links (capped at the honest nodes there are), so an honest node meets as many
sybils at any scale.
``run(attack, mode, scale)`` returns one row of figures for the honest nodes an attack aims
at (its victims) and the honest messages it aims at.

``v1.0`` is this v1.1 router configured as v1.0 behaved: no scoring, peer exchange or flood
publishing, every GRAFT taken (``mesh_takeover_defence`` off), no PRUNE backoff, and an
oversubscribed mesh cut to D at random (``D_score`` and ``D_out`` 0); IDONTWANT stays.

Each plan follows its config (``1k-attack-*.json``; a config's sybils are its ``attacker``
containers times ``attackers_per_container``): the network-wide eclipse 4,000 sybils (4x;
the 10k variant 10x: ``Scale.sybil_ratio``) of 100 links each, connecting 1 min in; the
single-target eclipse 1,000 (1x) linked only to the first publisher, 1 min in; the
publishers' eclipse 1,000 linked to publishers only, 1 min in; censorship of a single target
2,000 (2x) of 100 links censoring the first publisher's messages, 1 min in; degradation
2,000 of 100 links forwarding half, 1 min in; cold boot, covert flash, attack at dawn and
colocation 4,000 (4x) of 20 links, up with the honest nodes (cold boot, covert flash turning
at 2 min of a 5-min run: ``FLASH_AT``, ``FLASH_RUN``; colocation, all on one address) or
10 s before them (dawn: ``JOIN_S``). Departures: their sybils re-GRAFT 15 s after a PRUNE and
back off 1 min (``sybil_regraft_delay``/``_backoff``; ours GRAFT whenever allowed), and their
network is ``latency 25ms, jitter_pct 10``, one 25 ms with 10% jitter, not the issue's
5-25 ms, which ``LATENCY`` keeps. (Before 2026-12-05 the plans ignored
``attackers_per_container``, so most had a quarter to a tenth of the report's sybils.)

Figures: docs/benchmarks.md (attacks). Latency per link (``LATENCY``) instead of per packet
(before 2026-12-04 night) moved the SMALL table as that section records.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import adversary, presets, topology
from ._core.router import GossipConfig
from ._core.sim import Latency
from ._extras import needs
from .simulation import Simulation

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

__all__ = [
    "ATTACKS",
    "FULL",
    "LATENCY",
    "MEDIUM",
    "MODES",
    "SMALL",
    "SOCKETS",
    "TOPIC",
    "Scale",
    "config",
    "figures",
    "graph",
    "memory_estimate",
    "on_sockets",
    "plot",
    "run",
    "scenario",
]

TOPIC = "blocks"
MODES = ("v1.0", "v1.1 off", "v1.1 on")
# Sybils that come in before the honest nodes (attack at dawn) have this head start; honest
# nodes publish from a second after they join.
JOIN_S = 10.0
# The configs' sybils that connect once the honest network is up ("N@1m"), this long after
# the honest nodes join.
LATE_S = 60.0
# On time: within a mesh path's latency (a few 5-25 ms hops). A message the mesh lost and
# gossip repaired waits for a heartbeat (1 s), too late for a block or an attestation.
ON_TIME_S = 0.25
# Honest nodes a sybil links to (the configs' attack_degree): 100 for the attacks that come
# once the network is up, 20 for those present from the start.
ATTACK_DEGREE, BOOT_ATTACK_DEGREE = 100, 20
# The report's links: each a fixed 5-25 ms, each packet within 10% of it.
LATENCY = Latency.per_link(Latency.uniform(5.0, 25.0), 0.1)
# The report's covert flash (``1k-attack-cold-boot-covert-flash.json``): the sybils behave for
# 2 minutes, long enough for P3 to activate and their delivery counters to fill, then attack
# for 3; the run is 5 minutes at any scale.
FLASH_AT, FLASH_RUN = 120.0, 300.0
# A run's peak memory per node and message id alive in its seen cache (seen cache, mcache,
# score delivery record, delivery log, and the results' tables built from it), about:
# MEDIUM's attack at dawn peaked at 3.8 GB with 5,000 nodes and 1,200 ids alive (2026-12-05);
# FULL's network-wide eclipse grew 2.2 GB per 10 s of publishing before its results.
BYTES_PER_LIVE_ID = 650
# The report's colocation attack: P6 weight and threshold.
COLOCATION_WEIGHT, COLOCATION_THRESHOLD = -10.0, 1.0


@dataclass(frozen=True)
class Scale:
    """Sizes of one evaluation run; ``sybil_ratio`` sybils per honest node in the
    network-wide eclipse (the report ran 4 and 10); every other attack has its config's
    multiple of the honest count. ``sybil_share`` scales every attack's sybils and
    ``max_attack_degree`` caps each one's links, for runs that must stay small (sockets)."""

    honest: int = 1000
    publishers: int = 100
    degree: int = 20
    rate: float = 120.0  # messages a second, over all publishers
    size: int = 2048
    sybil_ratio: float = 4.0
    duration: float = 180.0  # seconds of publishing after the honest nodes join
    seed: int = 1
    sybil_share: float = 1.0
    max_attack_degree: int | None = None


FULL = Scale()
# The report's nodes and sybils at a twelfth of its rate: what this machine's memory holds
# (a node keeps every message id for seen_ttl, so memory goes with nodes times rate).
MEDIUM = Scale(rate=10.0)
SMALL = Scale(honest=100, publishers=10, rate=10.0)
# ``on_sockets``' default, the issue's size: 50 honest + 50 sybils for attack at dawn (a
# quarter of its 4x), honest degree 6 and 6 links a sybil, to keep the connections (each a
# TCP + Noise handshake) to about 450 in one process.
SOCKETS = Scale(
    honest=50, publishers=5, degree=6, rate=5.0, duration=8.0, sybil_share=0.25, max_attack_degree=6
)


def config(mode: str, *, colocation: bool = False) -> GossipConfig:
    """The honest routers' configuration in one of MODES; ``colocation`` adds the report's
    P6 (weight -10 above one peer per address) to the scored mode."""
    c = presets.gossipsub_v11_evaluation(TOPIC)
    if mode == "v1.1 on":
        if colocation:
            c.score.ip_colocation_factor_weight = COLOCATION_WEIGHT
            c.score.ip_colocation_factor_threshold = COLOCATION_THRESHOLD
        return c
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    c.score = presets.neutral().score
    c.thresholds = presets.neutral().thresholds
    if mode == "v1.0":
        c.do_px = False
        c.flood_publish = False
        # v1.0's mesh: every GRAFT taken, no PRUNE backoff, an oversubscribed mesh cut to D
        # at random (no score-kept or outbound places).
        c.mesh_takeover_defence = False
        c.prune_backoff = c.unsubscribe_backoff = 0.0
        c.D_score = c.D_out = 0
    return c


@dataclass(frozen=True)
class Plan:
    """Where an attack puts its sybils and what it measures."""

    sybils: int
    links: Callable[[Scale, random.Random], list[int]]  # honest nodes one sybil links to
    role: adversary.RoleSpec
    sybils_join: float = 0.0  # when the sybils subscribe (the honest nodes: JOIN_S)
    victims: Callable[[Scale], list[int]] | None = None  # None: every honest node
    # whose messages are measured (all publishers publish); None: every publisher's
    origins: Callable[[Scale], list[int]] | None = None
    colocated: bool = False  # every sybil at one address (P6)
    attack_at: float = 0.0  # measured from here (s after the honest nodes join)
    duration: float | None = None  # seconds of publishing; None: the scale's

    def publishing(self, scale: Scale) -> float:
        return scale.duration if self.duration is None else self.duration


def _sybils(s: Scale, per_honest: float) -> int:
    return round(per_honest * s.honest * s.sybil_share)


def _links(s: Scale, degree: int, among: int) -> int:
    """A sybil's number of links: the config's `degree`, capped by the scale and by the
    `among` nodes it may link to."""
    if s.max_attack_degree is not None:
        degree = min(degree, s.max_attack_degree)
    return min(degree, among)


def _anywhere(degree: int) -> Callable[[Scale, random.Random], list[int]]:
    """A sybil's links: `degree` honest nodes at random (all of them if fewer)."""
    return lambda s, r: r.sample(range(s.honest), _links(s, degree, s.honest))


def _eclipse_single(s: Scale) -> Plan:
    """As many sybils as honest nodes, linked only to the first publisher, once the network
    is up (``1k-attack-eclipse-single.json``); measured on the others' messages reaching it."""
    return Plan(
        _sybils(s, 1),
        lambda s, r: [0],
        adversary.Sybil(),
        JOIN_S + LATE_S,
        victims=lambda s: [0],
        origins=lambda s: list(range(1, s.publishers)),
        attack_at=LATE_S,
    )


def _eclipse_network(s: Scale) -> Plan:
    """``sybil_ratio`` sybils per honest node, each linked to ATTACK_DEGREE honest nodes,
    once the network is up (``1k-attack-eclipse-net.json``, ``1k-attack-10k.json``)."""
    return Plan(
        _sybils(s, s.sybil_ratio),
        _anywhere(ATTACK_DEGREE),
        adversary.Sybil(),
        JOIN_S + LATE_S,
        attack_at=LATE_S,
    )


def _eclipse_publishers(s: Scale) -> Plan:
    """As many sybils as honest nodes, linked to publishers only, to cut them off from the
    lurkers (``1k-attack-eclipse-publishers.json``)."""
    return Plan(
        _sybils(s, 1),
        lambda s, r: r.sample(range(s.publishers), _links(s, ATTACK_DEGREE, s.publishers)),
        adversary.Sybil(),
        JOIN_S + LATE_S,
        attack_at=LATE_S,
    )


def _censor_single(s: Scale) -> Plan:
    """Two sybils per honest node, each linked to ATTACK_DEGREE of them, dropping the first
    publisher's messages only (``1k-attack-censor-single.json``); measured on its messages.
    The other publishers keep the topic at its rate: P3's threshold expects that traffic."""
    return Plan(
        _sybils(s, 2),
        _anywhere(ATTACK_DEGREE),
        adversary.Sybil(origins=(0,)),
        JOIN_S + LATE_S,
        victims=lambda s: list(range(1, s.honest)),
        origins=lambda s: [0],
        attack_at=LATE_S,
    )


def _degradation(s: Scale) -> Plan:
    """Two sybils per honest node join a minute in, each linked to ATTACK_DEGREE honest
    nodes, GRAFT eagerly and drop half of what they should forward
    (``1k-attack-degrade-0.5.json``: sybil_degrade 0.5)."""
    return Plan(
        _sybils(s, 2),
        _anywhere(ATTACK_DEGREE),
        adversary.Sybil(fraction=0.5),
        JOIN_S + LATE_S,
        attack_at=LATE_S,
    )


def _cold_boot(s: Scale) -> Plan:
    """Four sybils per honest node, each linked to BOOT_ATTACK_DEGREE of them, boot with the
    honest nodes and attack from the start (``1k-attack-cold-boot.json``)."""
    return Plan(_sybils(s, 4), _anywhere(BOOT_ATTACK_DEGREE), adversary.Sybil(), JOIN_S)


def _covert_flash(s: Scale) -> Plan:
    """As cold boot, but the sybils behave for FLASH_AT seconds, building score, then all
    attack at once, for the rest of a FLASH_RUN-second run."""
    return Plan(
        _sybils(s, 4),
        _anywhere(BOOT_ATTACK_DEGREE),
        adversary.Sybil(start=JOIN_S + FLASH_AT),
        JOIN_S,
        attack_at=FLASH_AT,
        duration=FLASH_RUN,
    )


def _attack_at_dawn(s: Scale) -> Plan:
    """The cold boot's sybils up and attacking JOIN_S before the honest nodes join, so they
    are there as every honest node bootstraps its mesh (``1k-attack-dawn.json``)."""
    return Plan(_sybils(s, 4), _anywhere(BOOT_ATTACK_DEGREE), adversary.Sybil())


def _colocation(s: Scale) -> Plan:
    """The cold boot's sybils run from one machine: every sybil at one address, which P6
    penalises by the square of the surplus (``1k-attack-colocation.json``)."""
    return Plan(
        _sybils(s, 4), _anywhere(BOOT_ATTACK_DEGREE), adversary.Sybil(), JOIN_S, colocated=True
    )


ATTACKS: dict[str, Callable[[Scale], Plan]] = {
    "eclipse_single": _eclipse_single,
    "eclipse_network": _eclipse_network,
    "eclipse_publishers": _eclipse_publishers,
    "censor_single": _censor_single,
    "degradation": _degradation,
    "cold_boot": _cold_boot,
    "covert_flash": _covert_flash,
    "attack_at_dawn": _attack_at_dawn,
    "colocation": _colocation,
}


def graph(plan: Plan, scale: Scale) -> tuple[nx.Graph, list[int]]:
    """The honest random graph plus the plan's sybils (labels -1, -2, ...), whose links they
    dial (the ``dialer`` attribute), as real sybils do."""
    rng = random.Random(scale.seed)
    g = topology.random_regular(scale.degree, scale.honest, scale.seed)
    labels = [-(i + 1) for i in range(plan.sybils)]
    for s in labels:
        g.add_edges_from((s, t, {"dialer": s}) for t in plan.links(scale, rng))
    return g, labels


def scenario(attack: str, mode: str, scale: Scale = SMALL) -> tuple[Simulation, Plan]:
    """The simulation of ``attack`` in ``mode``, with its sybils, roles, addresses and
    honest publishing scheduled, not yet run."""
    plan = ATTACKS[attack](scale)
    g, labels = graph(plan, scale)
    sim = Simulation(
        g,
        seed=scale.seed,
        config=config(mode, colocation=plan.colocated),
        latency=LATENCY,
    )
    for v in range(scale.honest):
        sim.set_ip(v, f"10.0.{v >> 8}.{v & 255}")
    if labels:
        for i, s in enumerate(labels):
            sim.set_ip(s, "192.0.2.1" if plan.colocated else f"198.18.{i >> 8}.{i & 255}")
        sim.set_role(labels, plan.role)
        sim.subscribe(labels, TOPIC, at_s=plan.sybils_join)
    sim.subscribe(list(range(scale.honest)), TOPIC, at_s=JOIN_S)
    for k in range(int(plan.publishing(scale) * scale.rate)):
        at = _at(k, scale.rate)
        sim.publish(k % scale.publishers, TOPIC, _payload(k, scale), at_s=at)
    return sim, plan


def _payload(k: int, scale: Scale) -> bytes:
    return b"%16d" % k + b"\0" * (scale.size - 16)


def _at(k: int, rate: float) -> float:
    return JOIN_S + 1.0 + k / rate


def figures(
    published: pd.DataFrame, deliveries: pd.DataFrame, victims: list[int], since: float
) -> dict[str, float]:
    """Of the messages in ``published`` (msg_id, t_publish) sent since ``since``: the share
    of (message, victim) pairs in ``deliveries`` (node indices), the share delivered within
    ON_TIME_S, and their latency p50/p99 (ms)."""
    ids = set(published[published["t_publish"] >= since]["msg_id"])
    d = deliveries[deliveries["node"].isin(victims) & deliveries["msg_id"].isin(ids)]
    d = d.drop_duplicates(["msg_id", "node"])
    latency = (d["t_deliver"] - d["t_publish"]).to_numpy() * 1e3
    p50, p99 = np.percentile(latency, [50, 99]) if len(latency) else (np.nan, np.nan)
    pairs = len(ids) * len(victims)
    return {
        "delivery": len(d) / pairs if pairs else np.nan,
        "on_time": int((latency <= ON_TIME_S * 1e3).sum()) / pairs if pairs else np.nan,
        "p50_ms": float(p50),
        "p99_ms": float(p99),
    }


def memory_estimate(attack: str, mode: str, scale: Scale = SMALL) -> int:
    """Bytes a run of ``attack`` at ``scale`` needs, about: every node (sybils included)
    keeps each message id for ``seen_ttl``, and a scored one its delivery record too."""
    plan = ATTACKS[attack](scale)
    alive = scale.rate * min(config(mode).seen_ttl, plan.publishing(scale))
    return int((scale.honest + plan.sybils) * alive * BYTES_PER_LIVE_ID)


def _memory_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def run(attack: str, mode: str, scale: Scale = SMALL) -> dict[str, Any]:
    """Runs one scenario; the row: ``figures`` of the attacked messages at the victims since
    the attack began, and their delivery and on-time shares over the last minute. Refused
    with MemoryError, before anything is built, when ``memory_estimate`` exceeds the memory
    available (on Linux): such a run would end in the kernel's out-of-memory kill."""
    need, have = memory_estimate(attack, mode, scale), _memory_available()
    if have is not None and need > have:
        raise MemoryError(
            f"{attack} at {scale.honest} honest nodes and {scale.rate:g} messages/s needs about "
            f"{need / 1e9:.0f} GB (every node keeps each message id for seen_ttl); "
            f"{have / 1e9:.0f} GB is available. MEDIUM runs the report's nodes at a twelfth "
            "of its rate."
        )
    sim, plan = scenario(attack, mode, scale)
    end = _at(0, 1.0) + plan.publishing(scale)
    sim.run(until_s=end + 5.0, progress=False)
    m = sim.messages()
    m = m[m["publisher"].isin([sim.index(v) for v in _origins(plan, scale)])]
    d = sim.deliveries()
    victims = [sim.index(v) for v in _victims(plan, scale)]
    last = figures(m, d, victims, end - 60.0)
    return {
        "attack": attack,
        "mode": mode,
        "honest": scale.honest,
        "sybils": plan.sybils,
        **figures(m, d, victims, JOIN_S + plan.attack_at),
        "delivery_last_min": last["delivery"],
        "on_time_last_min": last["on_time"],
    }


def _victims(plan: Plan, scale: Scale) -> list[int]:
    return plan.victims(scale) if plan.victims else list(range(scale.honest))


def _origins(plan: Plan, scale: Scale) -> list[int]:
    return plan.origins(scale) if plan.origins else list(range(scale.publishers))


async def on_sockets(
    attack: str, mode: str, scale: Scale = SOCKETS, seconds: float | None = None
) -> dict[str, Any]:
    """The same scenario on real sockets (``LocalNetwork`` on loopback, no added latency),
    compressed: the sybils and honest nodes join in the plan's order, then ``seconds`` (default:
    the scale's duration) of honest publishing at the scale's rate. The row: delivery over
    the whole run (``figures``)."""
    seconds = scale.duration if seconds is None else seconds
    from .local_network import LocalNetwork

    plan = ATTACKS[attack](scale)
    g, labels = graph(plan, scale)
    index = {v: i for i, v in enumerate(sorted(g.nodes()))}  # as LocalNetwork numbers them
    async with LocalNetwork(len(index), topology=g, config=config(mode), seed=scale.seed) as net:
        role = plan.role  # a LocalNetwork names nodes by index: so must a Censor's origins
        if isinstance(role, adversary.Censor) and role.origins:
            role = replace(role, origins=tuple(index[o] for o in role.origins))
        net.set_role([index[s] for s in labels], role)
        honest = range(scale.honest)
        for joining in (labels, honest) if plan.sybils_join <= JOIN_S else (honest, labels):
            # A node whose subscribed neighbours are all sybils may have no mesh at all:
            # that is the attack working (or scoring pruning them), not a failed setup.
            with contextlib.suppress(TimeoutError):
                await net.subscribe(TOPIC, [index[v] for v in joining], timeout=5.0)
        t0 = asyncio.get_running_loop().time()
        for k in range(int(seconds * scale.rate)):
            await asyncio.sleep(max(0.0, t0 + k / scale.rate - asyncio.get_running_loop().time()))
            await net.publish(index[k % scale.publishers], TOPIC, _payload(k, scale))
        await asyncio.sleep(2.0)  # a heartbeat or two for gossip to repair
        d = net.deliveries()
    own = d[d["from_peer"] < 0]  # each publisher's own delivery: one row per message
    published = own[own["node"].isin([index[v] for v in _origins(plan, scale)])]
    victims = [index[v] for v in _victims(plan, scale)]
    return {
        "attack": attack,
        "mode": mode,
        "honest": scale.honest,
        "sybils": plan.sybils,
        **figures(published, d, victims, 0.0),
    }


def plot(rows: list[dict[str, Any]]):
    """On-time share and p99 latency per attack (rows of ``run``), one bar per mode: a
    matplotlib figure. (Delivery itself is near 1 everywhere: gossip repairs what the mesh
    loses, late.)"""
    with needs("analysis"):
        import matplotlib.pyplot as plt

    attacks = list(dict.fromkeys(r["attack"] for r in rows))
    width = 0.8 / len(MODES)
    fig, (share, p99) = plt.subplots(2, 1, figsize=(12, 7), sharex=True)
    for k, mode in enumerate(MODES):
        by = {r["attack"]: r for r in rows if r["mode"] == mode}
        xs = [i + (k - 1) * width for i in range(len(attacks))]
        share.bar(xs, [by[a]["on_time"] for a in attacks], width, label=mode)
        p99.bar(xs, [by[a]["p99_ms"] for a in attacks], width, label=mode)
    share.set(ylabel=f"delivered within {ON_TIME_S * 1e3:.0f} ms", ylim=(0, 1.05))
    p99.set(ylabel="latency p99 (ms)", yscale="log")
    p99.set_xticks(range(len(attacks)), attacks, rotation=20)
    share.legend(fontsize="small", loc="lower left")
    for ax in (share, p99):
        ax.grid(True, axis="y", alpha=0.3)
    h = rows[0]["honest"] if rows else 0
    fig.suptitle(f"GossipSub v1.1 evaluation's attacks, {h} honest nodes (simulated)")
    fig.tight_layout()
    return fig
