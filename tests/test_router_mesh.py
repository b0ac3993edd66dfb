from hypothesis import given
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, config, of_kind


def joined(n, **cfg):
    h = Harness(config(**cfg))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(n))
    return h


def test_heartbeat_fills_mesh_to_D_when_below_D_lo():
    h = joined(10)
    grafts = of_kind(h.heartbeat(), "graft")
    assert len(grafts) == 6 and h.router.mesh(TOPIC) == sorted(grafts)


def test_heartbeat_prunes_to_D_when_above_D_hi_keeping_D_out_outbound():
    h = joined(16)
    h.connect(range(16, 20), outbound=True)
    for p in range(20):  # inbound GRAFTs stop at D_hi; outbound peers are always accepted
        h.receive(p, graft=[TOPIC])
    assert len(h.router.mesh(TOPIC)) == 16
    prunes = of_kind(h.heartbeat(), "prune")
    mesh = h.router.mesh(TOPIC)
    assert len(mesh) == 6 and len(prunes) == 10
    assert not set(prunes) & set(mesh)
    assert sum(p >= 16 for p in mesh) >= 2


def test_graft_refused_above_D_hi_carries_px():
    h = joined(20)
    for p in range(20):
        h.receive(p, graft=[TOPIC])
    actions = h.receive(19, graft=[TOPIC])  # already refused once: in backoff now
    assert 19 not in h.router.mesh(TOPIC)
    prunes = of_kind(h.drain() + actions, "prune")
    assert prunes.get(19) and prunes[19][0][0] == TOPIC


def test_without_the_takeover_defence_a_full_mesh_takes_inbound_grafts_as_v1_0_did():
    h = joined(20, mesh_takeover_defence=False, prune_backoff=0.0)
    for p in range(20):
        h.receive(p, graft=[TOPIC])
    assert len(h.router.mesh(TOPIC)) == 20  # every GRAFT taken: with the defence, 12 (D_hi)
    prunes = of_kind(h.heartbeat(), "prune")
    assert len(h.router.mesh(TOPIC)) == 6 and len(prunes) == 14
    pruned = next(iter(prunes))
    h.receive(pruned, graft=[TOPIC])  # no backoff: a pruned peer is back at once
    assert pruned in h.router.mesh(TOPIC)


def test_D_out_keeps_outbound_peers():
    h = Harness(config())
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.connect(range(10, 13), outbound=True)
    for p in range(10):
        h.receive(p, graft=[TOPIC])
    h.heartbeat()
    mesh = h.router.mesh(TOPIC)
    assert len(mesh) >= 5
    assert sum(p >= 10 for p in mesh) >= 2


def test_prune_peer_leaves_every_mesh_with_backoff_and_no_px():
    h = joined(10)
    h.router.subscribe("other", 0)
    h.receive(3, subscriptions=[(True, "other")])
    h.heartbeat()
    assert 3 in h.router.mesh(TOPIC) and 3 in h.router.mesh("other")
    h.router.prune_peer(3, h.now)
    prunes = of_kind(h.drain(), "prune")
    assert list(prunes) == [3]
    assert sorted(p[0] for p in prunes[3]) == sorted([TOPIC, "other"])
    assert all(p[1] == [] for p in prunes[3])  # no peer exchange for it
    assert 3 not in h.router.mesh(TOPIC) and 3 not in h.router.mesh("other")
    h.heartbeat(3)  # the backoff keeps it out
    assert 3 not in h.router.mesh(TOPIC)
    h.router.prune_peer(3, h.now)  # not in a mesh any more: nothing to send
    h.router.prune_peer(99, h.now)  # unknown: ignored
    assert of_kind(h.drain(), "prune") == {}


def test_floodsub_peers_never_in_mesh():
    h = Harness(config())
    h.router.subscribe(TOPIC, 0)
    h.connect(range(5), protocol="/floodsub/1.0.0")
    h.heartbeat()
    assert h.router.mesh(TOPIC) == []


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["connect", "disconnect", "graft", "heartbeat"]), st.integers(0, 29)
        ),
        max_size=60,
    )
)
def test_mesh_size_bounds_after_any_sequence(ops):
    h = joined(0)
    connected: set[int] = set()
    for op, p in ops:
        h.step(op, p, connected, outbound=p % 3 == 0)
        mesh = h.router.mesh(TOPIC)
        assert len(mesh) <= 12 and set(mesh) <= connected
    h.heartbeat()
    mesh = h.router.mesh(TOPIC)
    assert len(mesh) <= 12
    if len(connected) < 12:  # no GRAFT was refused, so no peer is in backoff
        assert len(mesh) >= min(5, len(connected))
