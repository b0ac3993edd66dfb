from router_harness import TOPIC, Harness, config, message_id, msg, of_kind


def setup(n=10):
    h = Harness(config(idontwant_message_threshold=100))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(0, n, 2), protocol="/meshsub/1.2.0")
    h.connect(range(1, n, 2), protocol="/meshsub/1.1.0")
    for p in range(n):
        h.receive(p, graft=[TOPIC])
    return h


def test_idontwant_sent_at_or_above_threshold_only_to_v12_mesh_peers():
    h = setup()
    big = msg(b"x" * 101)
    sender = 0
    out = of_kind(h.receive(sender, publish=[big]), "idontwant")
    assert sorted(out) == [p for p in h.router.mesh(TOPIC) if p % 2 == 0 and p != sender]
    assert all(v == [[message_id(big)]] for v in out.values())
    assert of_kind(h.receive(sender, publish=[msg(b"y" * 99)]), "idontwant") == {}


def test_idontwant_honoured_for_forwarding_and_iwant():
    h = setup()
    m = msg(b"z")
    h.receive(2, idontwant=[[message_id(m)]])
    to = of_kind(h.receive(4, publish=[m]), "publish")
    assert 2 not in to and to
    assert of_kind(h.receive(2, iwant=[[message_id(m)]]), "publish") == {}


def test_idontwant_bounded_per_peer_and_expires():
    h = Harness(config(max_idontwant_messages=3, idontwant_message_ttl_heartbeats=2))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.heartbeat()
    h.receive(2, idontwant=[[bytes([i]) * 16 for i in range(5)]])
    assert h.router.counters()["dropped_spam"] == 2
    m = msg(b"late")
    h.receive(2, idontwant=[[message_id(m)]])  # full: not recorded
    h.heartbeat(3)
    h.receive(2, idontwant=[[message_id(m)]])  # old entries expired: recorded now
    h.receive(2, graft=[TOPIC])
    mesh = h.router.mesh(TOPIC)
    assert 2 in mesh
    sender = next(p for p in mesh if p != 2)
    assert 2 not in of_kind(h.receive(sender, publish=[m]), "publish")
