"""The peer manager keeps its next deadline from one change to the next (a node's shell asks
for it after every socket event): asking must never change the answer. A manager asked after
every step of a random history must agree with one asked only at the end."""

import contextlib

from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import Identity
from p2pgossip.net import Multiaddr, PeerManager

PEERS = [Identity.from_seed(bytes([i + 1]) * 32).peer_id for i in range(6)]
LOCAL, REMOTES = PEERS[0], PEERS[1:]

STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "bootstrap",
                "addresses",
                "accept",
                "dial",
                "succeeded",
                "connected",
                "dial_failed",
                "handshake_failed",
                "mismatch",
                "evict",
                "disconnected",
                "pong",
                "ping_lost",
                "tick",
                "forget",
                "ban",
            ]
        ),
        st.integers(0, len(REMOTES) - 1),
        st.floats(0.0, 20.0, allow_nan=False),
    ),
    max_size=30,
)


def addr(i):
    return Multiaddr.parse(f"/ip4/10.0.0.{i + 1}/tcp/4001")


def step(pm, conns, kind, i, now):
    peer, conn = REMOTES[i], conns[i % len(conns)] if conns else None
    if kind == "bootstrap":
        pm.add_bootstrap(addr(i).with_peer_id(peer), now=now)
    elif kind == "addresses":
        pm.add_addresses(peer, [addr(i)], now=now)
    elif kind == "accept":
        if (c := pm.accept_inbound(addr(i), now=now)) is not None:
            conns.append(c)
    elif kind == "dial":
        with contextlib.suppress(ValueError):  # a limit refused it
            conns.append(pm.dial(addr(i).with_peer_id(peer), now=now))
    elif kind == "evict":
        pm.evict_pending_inbound(now=now)
    elif kind == "tick":
        pm.tick(now=now)
    elif kind == "forget":
        pm.forget(peer)
    elif kind == "ban":
        pm.ban(peer, now=now)
    elif conn is not None:
        {
            "succeeded": lambda: pm.dial_succeeded(conn, now=now),
            "connected": lambda: pm.connected(conn, peer, now=now),
            "dial_failed": lambda: pm.dial_failed(conn, "refused", now=now),
            "handshake_failed": lambda: pm.handshake_failed(conn, "bad noise", now=now),
            "mismatch": lambda: pm.peer_id_mismatch(conn, "other peer", now=now),
            "disconnected": lambda: pm.disconnected(conn, "closed", now=now),
            "pong": lambda: pm.ping_result(conn, 0.01, now=now),
            "ping_lost": lambda: pm.ping_result(conn, None, now=now),
        }[kind]()
    conns.extend(a[1] for a in pm.poll_actions() if a[0] == "dial")


def run(steps, ask_every_step):
    pm, conns, now = PeerManager(LOCAL, seed=1, target_outbound=2), [], 0.0
    for kind, i, dt in steps:
        now += dt
        step(pm, conns, kind, i, now)
        if ask_every_step:
            pm.next_deadline  # noqa: B018 (filling the kept deadline is the point)
    return pm.next_deadline


@given(STEPS)
def test_asking_for_the_next_deadline_never_changes_it(steps):
    for k in range(len(steps) + 1):
        assert run(steps[:k], True) == run(steps[:k], False), steps[:k]
