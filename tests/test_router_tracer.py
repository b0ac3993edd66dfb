"""The router's tracer (router::Tracer, go-libp2p-pubsub's RawTracer model): every mesh change
is reported, so a mesh rebuilt from the trace is the router's mesh."""

import p2pgossip as pg
from hypothesis import given, settings
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, peer_id

# Operations on a router with peers 0..11: connect, disconnect, GRAFT or PRUNE from a peer,
# a heartbeat, our own subscribe or unsubscribe.
ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["connect", "disconnect", "graft", "prune"]), st.integers(0, 11)),
        st.tuples(st.sampled_from(["heartbeat", "join", "leave"]), st.just(0)),
    ),
    max_size=60,
)


@settings(deadline=None)
@given(ops)
def test_a_mesh_rebuilt_from_the_trace_is_the_routers_mesh(script):
    h = Harness()
    traced: dict[str, set[int]] = {}

    def tracer(kind, peer, topic, now):
        assert now == h.now
        members = traced.setdefault(topic, set())
        if kind == "graft":
            assert peer not in members  # a change, never a repeat
            members.add(peer)
        else:
            assert kind == "prune" and peer in members
            members.discard(peer)

    h.router.set_tracer(tracer)
    h.router.subscribe(TOPIC, h.now)
    connected: set[int] = set()
    for op, p in script:
        h.step(op, p, connected)
        h.drain()
        assert traced.get(TOPIC, set()) == set(h.router.mesh(TOPIC))


def test_no_tracer_after_removal():
    h = Harness()
    seen = []
    h.router.set_tracer(lambda *a: seen.append(a))
    h.router.subscribe(TOPIC, h.now)
    h.connect([1, 2])
    h.heartbeat()
    assert {(k, p) for k, p, *_ in seen} == {("graft", 1), ("graft", 2)}
    h.router.set_tracer(None)
    h.router.peer_disconnected(1, h.now)
    assert len(seen) == 2 and h.router.mesh(TOPIC) == [2]
    assert peer_id(2)  # the harness names peers by index


async def test_real_nodes_report_their_mesh_without_polling():
    async with pg.LocalNetwork(3, topology="full", seed=1) as net:
        await net.subscribe("blocks")  # waits on the mesh events
        for node in net.nodes:
            await node.wait_for_mesh("blocks", 2, timeout=10)  # the other GRAFT may be in flight
            others = {n.peer_id for n in net.nodes if n is not node}
            assert set(node.mesh("blocks")) == others
        # The prune is reported in the same event batch as the disconnect's answer.
        await net.nodes[0].disconnect(net.nodes[2].peer_id)
        assert net.nodes[0].mesh("blocks") == [net.nodes[1].peer_id]
