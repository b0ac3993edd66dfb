from hypothesis import given, settings
from hypothesis import strategies as st
from router_harness import TOPIC, Harness, config, message_id, msg, of_kind, sends


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


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), per_rpc=st.integers(1, 12))
def test_idontwant_of_one_batch_leaves_in_rpcs_the_receiver_reads_whole(n, per_rpc):
    # A merged forward RPC brings many first receipts at once; the receiver (go-libp2p and
    # us) reads max_idontwant_length ids of one RPC and drops the rest, so more must not share
    # an RPC: every id reaches every v1.2 mesh peer, in RPCs of at most that many.
    h = Harness(config(idontwant_message_threshold=10, max_idontwant_length=per_rpc))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(6), protocol="/meshsub/1.2.0")
    for p in range(6):
        h.receive(p, graft=[TOPIC])
    batch = [msg(b"m%03d" % i + b"x" * 16) for i in range(n)]
    sender = h.router.mesh(TOPIC)[0]
    per_peer = sends(h.receive(sender, publish=batch))
    want = sorted(message_id(m) for m in batch)
    peers = [p for p in h.router.mesh(TOPIC) if p != sender]
    assert peers
    for p in peers:
        counts = [sum(len(e) for e in r.idontwant) for r in per_peer[p] if r.idontwant]
        assert counts and max(counts) <= per_rpc
        got = sorted(i for r in per_peer[p] for e in r.idontwant for i in e)
        assert got == want
