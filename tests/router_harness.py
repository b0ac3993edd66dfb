"""Drives one p2pgossip Router directly, without a network: peers are small integers, time
is passed as `now`, and the router's actions are collected and sorted by kind."""

from __future__ import annotations

import hashlib

from p2pgossip._core.host import Message, SignaturePolicy
from p2pgossip._core.router import GossipConfig, Router
from p2pgossip._core.wire import Rpc

TOPIC = "t"


def message_id(msg: Message) -> bytes:
    """A content id for tests (the crypto layer supplies the real ones)."""
    return hashlib.sha256(msg.topic.encode() + b"\0" + (msg.data or b"")).digest()[:16]


def config(**fields) -> GossipConfig:
    """Unsigned messages and no rate limits unless a test asks for them."""
    base = dict(
        signature_policy=SignaturePolicy.StrictNoSign,
        rate_limit_messages_per_s=0,
        rate_limit_bytes_per_s=0,
        heartbeat_initial_delay=1.0,
        heartbeat_initial_jitter=0.0,  # the first heartbeat at 1 s, as tests reckon
    )
    base.update(fields)
    return GossipConfig(**base)


def peer_id(i: int) -> bytes:
    return b"peer-%d" % i


class Harness:
    def __init__(self, cfg: GossipConfig | None = None, seed: int = 1, **kw):
        self.router = Router(cfg or config(), seed, message_id, **kw)
        self.now = 0.0

    def connect(self, peers, *, outbound=False, protocol="/meshsub/1.2.0", topics=(TOPIC,)):
        for p in peers:
            self.router.peer_connected(p, peer_id(p), outbound, protocol, self.now)
            if topics:
                self.router.rpc_received(
                    p, Rpc(subscriptions=[(True, t) for t in topics]), self.now
                )
        return self.drain()

    def receive(self, peer, **rpc):
        self.router.rpc_received(peer, Rpc(**rpc), self.now)
        return self.drain()

    def heartbeat(self, times=1):
        actions = []
        for _ in range(times):
            self.now = self.router.next_deadline()
            self.router.tick(self.now)
            actions += self.drain()
        return actions

    def drain(self):
        return self.router.drain_actions()

    def step(self, op: str, p: int, connected: set[int], *, outbound: bool = False) -> None:
        """One operation of a property test's script: connect, disconnect, graft or prune
        from peer `p` (when that makes sense for `connected`, kept up to date), heartbeat,
        or our own join/leave of TOPIC."""
        if op == "connect" and p not in connected:
            self.connect([p], outbound=outbound)
            connected.add(p)
        elif op == "disconnect" and p in connected:
            self.router.peer_disconnected(p, self.now)
            connected.discard(p)
        elif op == "graft" and p in connected:
            self.receive(p, graft=[TOPIC])
        elif op == "prune" and p in connected:
            self.receive(p, prune=[(TOPIC, [], None)])
        elif op == "heartbeat":
            self.heartbeat()
        elif op == "join":
            self.router.subscribe(TOPIC, self.now)
        elif op == "leave":
            self.router.unsubscribe(TOPIC, self.now)


def sends(actions) -> dict[int, list[Rpc]]:
    out: dict[int, list[Rpc]] = {}
    for a in actions:
        if a[0] == "send":
            out.setdefault(a[1], []).append(a[2])
    return out


def delivered(actions) -> list[tuple]:
    return [a for a in actions if a[0] == "deliver"]


def of_kind(actions, field: str) -> dict[int, list]:
    """Per peer, every entry of one RPC field (publish, graft, prune, ihave, ...) sent to it."""
    out: dict[int, list] = {}
    for peer, rpcs in sends(actions).items():
        for r in rpcs:
            items = getattr(r, field)
            if items:
                out.setdefault(peer, []).extend(items)
    return out


def msg(data: bytes = b"hello", topic: str = TOPIC, **kw) -> Message:
    return Message(topic=topic, data=data, **kw)
