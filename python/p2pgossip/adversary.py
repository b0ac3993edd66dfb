"""Adversaries: roles a node plays instead of an honest GossipSub peer.

Each class here describes one role; ``Simulation.set_role(nodes, role)`` assigns it. The
behaviours are written once in the C++ host layer (``host/adversary.hpp``), which both the
simulator and the runtime drive: an adversary is the honest router with its inputs and
outputs changed at the host's decision points (forwarding, answering IWANT, emitting IHAVE,
GRAFT timing, publishing), as the GossipSub v1.1 evaluation's attackers were
go-libp2p-pubsub with a changed handler.

Every role takes ``start`` (seconds after it is set): well-behaved before, attacking after,
which covers the evaluation's covert flash (build score, then attack) and cold boot
(present before the honest nodes, attacking once they arrive). Roles combine with ``+``:
``Censor() + GraftSpammer()`` is one node doing both. Sending forged or invalid traffic is
an adversary's feature only: the normal publish paths check signatures.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from ._core.crypto import PeerId
from ._core.host import Role

__all__ = [
    "HONEST",
    "Censor",
    "GraftSpammer",
    "IHaveSpammer",
    "Replayer",
    "RoleSpec",
    "Slow",
    "Spammer",
    "Sybil",
]

HONEST = "honest"


@dataclass(frozen=True)
class RoleSpec:
    """What every role has: when it starts. Subclasses add their behaviour."""

    start: float = 0.0

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        raise NotImplementedError

    def core(self, ids: dict[Hashable, bytes] | None = None) -> Role:
        """The C++ Role; ``ids`` maps node names to peer ids (a ``Censor`` may name its
        origins by node)."""
        role = Role(name=self.name, start=self.start)
        self._apply(role, ids or {})
        return role

    def __add__(self, other: RoleSpec) -> Combined:
        return Combined(parts=(self, other))


@dataclass(frozen=True)
class Combined(RoleSpec):
    """Several roles on one node, starting when the first does."""

    parts: tuple[RoleSpec, ...] = ()

    @property
    def name(self) -> str:
        return "+".join(p.name for p in self.parts)

    def core(self, ids: dict[Hashable, bytes] | None = None) -> Role:
        role = Role(name=self.name, start=min(p.start for p in self.parts))
        for p in self.parts:
            p._apply(role, ids or {})
        return role

    def __add__(self, other: RoleSpec) -> Combined:
        return Combined(parts=(*self.parts, other))


@dataclass(frozen=True)
class Spammer(RoleSpec):
    """Publishes ``rate`` messages a second on ``topic`` (None: each subscribed topic in
    turn); ``invalid_signatures`` flips a bit of each signature, ``invalid_payloads`` marks
    each payload as one the application rejects. Invalid ones go straight to every peer of
    the topic (bypassing its own router's checks); valid ones are published normally."""

    rate: float = 50.0
    invalid_signatures: bool = False
    invalid_payloads: bool = False
    topic: str | None = None

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        if self.rate <= 0:
            raise ValueError("Spammer: rate must be > 0 messages/s")
        role.spam_rate = float(self.rate)
        role.spam_topic = self.topic or ""
        role.invalid_signatures = self.invalid_signatures
        role.invalid_payloads = self.invalid_payloads


@dataclass(frozen=True)
class Censor(RoleSpec):
    """The black hole: joins meshes and answers GRAFTs, but forwards nothing, answers no
    IWANT and advertises nothing, for messages from ``origins`` (nodes as the simulation or
    network names them, or peer ids; None: every message but its own). With ``fraction``
    below 1 it withholds only that share of them (the same messages at every step, chosen
    by a hash salted with the simulation's seed) and forwards the rest: the evaluation's
    degradation sybils."""

    origins: tuple[Hashable | bytes | PeerId, ...] | None = None
    fraction: float = 1.0

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        if not 0.0 < self.fraction <= 1.0:
            raise ValueError(f"Censor: fraction must be in (0, 1], not {self.fraction!r}")
        role.censor = True
        role.censor_fraction = float(self.fraction)
        role.censored_origins = [_peer_bytes(o, ids) for o in self.origins or ()]


@dataclass(frozen=True)
class Sybil(Censor):
    """One of many identities aimed at a target set (connect sybils only to the targets,
    ``topology.sybil_attack``): a censor that GRAFTs every peer as soon as it may (at once,
    and again when a PRUNE's backoff ends), taking every mesh place it can without the
    penalty of grafting in backoff, as the GossipSub v1.1 evaluation's sybils did."""

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        super()._apply(role, ids)
        role.graft_eagerly = True


@dataclass(frozen=True)
class IHaveSpammer(RoleSpec):
    """Advertises ``ids`` message ids a heartbeat to every peer of its topics and never
    delivers them (broken promises: P7)."""

    ids: int = 10

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        role.ihave_spam_ids = int(self.ids)


@dataclass(frozen=True)
class GraftSpammer(RoleSpec):
    """GRAFTs every peer of its topics at every heartbeat, inside their PRUNE backoff too."""

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        role.graft_spam = True


@dataclass(frozen=True)
class Replayer(RoleSpec):
    """Sends every message it received again, ``after`` seconds later, to every peer of its
    topic (past the seen cache's TTL a replay is delivered again)."""

    after: float = 130.0

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        role.replay_after = float(self.after)


@dataclass(frozen=True)
class Slow(RoleSpec):
    """Forwards (and answers IWANT) ``delay`` seconds late."""

    delay: float = 1.0

    def _apply(self, role: Role, ids: dict[Hashable, bytes]) -> None:
        role.forward_delay = float(self.delay)


def _peer_bytes(origin: Hashable | bytes | PeerId, ids: dict[Hashable, bytes]) -> bytes:
    if isinstance(origin, PeerId):
        return origin.to_bytes()
    if isinstance(origin, bytes):
        return origin
    try:
        return ids[origin]
    except KeyError:
        raise ValueError(f"Censor: origin {origin!r} is not a node") from None
