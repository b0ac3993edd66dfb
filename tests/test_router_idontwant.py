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


def test_idontwant_flood_protection_per_heartbeat_and_expiry():
    h = Harness(
        config(max_idontwant_messages=2, max_idontwant_length=3, idontwant_message_ttl_heartbeats=2)
    )
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.receive(2, graft=[TOPIC])
    h.heartbeat()
    mesh = h.router.mesh(TOPIC)
    assert 2 in mesh
    sender = next(p for p in mesh if p != 2)
    a, b, c = msg(b"a"), msg(b"b"), msg(b"c")
    # Ids past max_idontwant_length in one RPC are dropped: `a` is not recorded.
    h.receive(2, idontwant=[[bytes([i]) * 16 for i in range(4)] + [message_id(a)]])
    assert h.router.counters()["dropped_spam"] == 2
    h.receive(2, idontwant=[[message_id(b)]])  # second RPC of the heartbeat: recorded
    h.receive(2, idontwant=[[message_id(c)]])  # third: over max_idontwant_messages
    assert h.router.counters()["dropped_spam"] == 3
    assert of_kind(h.receive(sender, publish=[a, b, c]), "publish")[2] == [a, c]
    # The per-heartbeat count resets; entries expire after the TTL.
    h.heartbeat()
    e1, e2 = msg(b"e1"), msg(b"e2")
    h.receive(2, idontwant=[[message_id(e1), message_id(e2)]])
    h.heartbeat()
    assert 2 not in of_kind(h.receive(sender, publish=[e1]), "publish")
    h.heartbeat(2)
    assert 2 in of_kind(h.receive(sender, publish=[e2]), "publish")
