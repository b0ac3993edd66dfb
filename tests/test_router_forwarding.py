"""Publishing and forwarding: flood publish, mesh forwarding, fanout, floodsub, randomsub."""

from p2pgossip import SignaturePolicy
from router_harness import TOPIC, Harness, config, delivered, message_id, msg, of_kind, peer_id


def test_received_message_delivered_once_and_forwarded_to_mesh_except_sender():
    h = Harness()
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.heartbeat()
    mesh = h.router.mesh(TOPIC)
    sender = mesh[0]
    actions = h.receive(sender, publish=[msg(b"m")])
    assert len(delivered(actions)) == 1 and delivered(actions)[0][3] == sender
    assert sorted(of_kind(actions, "publish")) == [p for p in mesh if p != sender]
    again = h.receive(mesh[1], publish=[msg(b"m")])
    assert again == []
    c = h.router.counters()
    assert c["duplicates"] == 1 and h.router.duplicates_from(mesh[1]) == 1


def test_own_publish_flooded_to_all_topic_peers_and_delivered_locally():
    h = Harness()
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.connect([10], topics=("other",))
    actions = h.drain()
    h.router.publish(msg(b"own"), h.now)
    actions = h.drain()
    assert sorted(of_kind(actions, "publish")) == list(range(10))
    (d,) = delivered(actions)
    assert d[3] is None


def test_publish_without_flood_publish_uses_fanout_which_expires():
    h = Harness(config(flood_publish=False, fanout_ttl=5.0))
    h.connect(range(10))
    h.router.publish(msg(b"a"), h.now)
    actions = h.drain()
    fanout = h.router.fanout(TOPIC)
    assert len(fanout) == 6 and sorted(of_kind(actions, "publish")) == fanout
    assert delivered(actions) == []  # not subscribed
    h.heartbeat()
    assert h.router.fanout(TOPIC) == fanout
    h.now += 5.0
    h.router.tick(h.now)
    h.heartbeat()
    assert h.router.fanout(TOPIC) == []


def test_join_after_publishing_takes_fanout_peers_into_mesh():
    h = Harness(config(flood_publish=False))
    h.connect(range(10))
    h.router.publish(msg(b"a"), h.now)
    fanout = h.router.fanout(TOPIC)
    h.router.subscribe(TOPIC, h.now)
    assert h.router.mesh(TOPIC) == fanout and h.router.fanout(TOPIC) == []


def test_floodsub_forwards_to_every_subscribed_peer():
    h = Harness(config(strategy="floodsub"))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(8))
    h.connect([8], topics=("other",))
    actions = h.receive(3, publish=[msg(b"f")])
    assert sorted(of_kind(actions, "publish")) == [0, 1, 2, 4, 5, 6, 7]
    assert of_kind(h.heartbeat(3), "graft") == {}


def test_randomsub_forwards_to_k_random_peers():
    h = Harness(config(strategy="randomsub", randomsub_k=3))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    targets = set()
    for i in range(20):
        to = of_kind(h.receive(0, publish=[msg(b"r%d" % i)]), "publish")
        assert len(to) == 3 and 0 not in to
        targets |= set(to)
    assert len(targets) > 3  # different messages take different random peers


def test_message_not_sent_back_to_its_origin():
    h = Harness(config(signature_policy=SignaturePolicy.StrictSign), verify=lambda m: True)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.heartbeat()
    mesh = h.router.mesh(TOPIC)
    origin = mesh[1]
    m = msg(b"o", from_=peer_id(origin), seqno=b"\0" * 8, signature=b"s")
    to = of_kind(h.receive(mesh[0], publish=[m]), "publish")
    assert origin not in to and mesh[0] not in to and len(to) == len(mesh) - 2


def test_messages_for_unsubscribed_topics_dropped():
    h = Harness()
    h.connect([1])
    assert h.receive(1, publish=[msg(b"x")]) == []
    assert h.router.counters()["dropped_unsubscribed_topic"] == 1


def randomsub(ttl: int, **harness) -> Harness:
    h = Harness(config(strategy="randomsub", randomsub_k=3, randomsub_ttl=ttl), **harness)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(6))
    return h


def hop_counts(actions) -> list[list[int]]:
    return [a[2].publish_hops for a in actions if a[0] == "send" and a[2].publish]


def test_randomsub_hop_limit_ends_forwarding_at_ttl_links():
    h = randomsub(ttl=3)
    # Copies that crossed fewer than 3 links go on, one link further; at 3 they stop.
    for hops, data in [(1, b"a"), (2, b"b")]:
        actions = h.receive(0, publish=[msg(data)], publish_hops=[hops])
        assert len(delivered(actions)) == 1
        assert hop_counts(actions) == [[hops + 1]] * 3
    actions = h.receive(0, publish=[msg(b"c")], publish_hops=[3])
    assert len(delivered(actions)) == 1 and hop_counts(actions) == []
    assert h.router.counters()["hop_limit_reached"] == 1


def test_randomsub_hop_counts_start_at_one_link_and_default_to_one():
    h = randomsub(ttl=2)
    h.router.publish(msg(b"own"), h.now)
    assert hop_counts(h.drain()) == [[1]] * 3
    # A copy without hop counts (another implementation) has crossed one link.
    assert hop_counts(h.receive(0, publish=[msg(b"x")])) == [[2]] * 3
    assert h.router.counters()["hop_limit_reached"] == 0


def test_randomsub_without_ttl_sends_no_hop_counts():
    h = randomsub(ttl=0)
    actions = h.receive(0, publish=[msg(b"a")], publish_hops=[1000])
    assert hop_counts(actions) == [[]] * 3


def test_hop_counts_survive_asynchronous_validation():
    h = randomsub(ttl=3, validate=lambda topic, m, frm: "pending")
    h.receive(0, publish=[msg(b"at limit")], publish_hops=[3])
    h.receive(0, publish=[msg(b"below")], publish_hops=[2])
    for data in (b"at limit", b"below"):
        m = msg(data)
        h.router.validation_complete(m, message_id(m), 0, "accept", h.now)
    assert hop_counts(h.drain()) == [[3]] * 3
    assert h.router.counters()["hop_limit_reached"] == 1
