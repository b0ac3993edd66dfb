"""mcache windows, IHAVE gossip, IWANT answers, retransmission cap, promises."""

from router_harness import TOPIC, Harness, config, message_id, msg, of_kind


def joined(n=20, **cfg):
    h = Harness(config(**cfg))
    h.router.subscribe(TOPIC, 0)
    h.connect(range(n))
    h.heartbeat()
    return h


def test_ihave_sent_to_D_lazy_non_mesh_peers_with_gossiped_window_ids():
    h = joined(20)
    mesh = h.router.mesh(TOPIC)
    m = msg(b"g")
    h.receive(mesh[0], publish=[m])
    ihave = of_kind(h.heartbeat(), "ihave")
    assert len(ihave) == 6  # max(D_lazy, 0.25 * 14 eligible)
    assert not set(ihave) & set(mesh)
    assert all(v == [(TOPIC, [message_id(m)])] for v in ihave.values())


def test_a_forward_the_shell_refused_is_offered_to_that_mesh_peer_at_the_next_heartbeat():
    # IHAVE gossip goes outside the mesh only: without the offer a mesh peer whose copy our
    # full queue refused would get the message from nobody but another forwarder.
    h = joined(20, mcache_len=4, mcache_gossip=2)
    mesh = h.router.mesh(TOPIC)
    m, old = msg(b"refused"), msg(b"old")
    h.receive(mesh[0], publish=[m])
    h.router.forward_refused(mesh[1], m)
    h.router.forward_refused(mesh[2], old)  # no longer in the mcache: nothing to answer with
    ihave = of_kind(h.heartbeat(), "ihave")
    assert ihave[mesh[1]] == [(TOPIC, [message_id(m)])]
    assert mesh[2] not in ihave and not set(ihave) & set(mesh[3:])
    assert h.router.counters()["refused_offered"] == 1
    assert mesh[1] not in of_kind(h.heartbeat(), "ihave")  # offered once
    assert of_kind(h.receive(mesh[1], iwant=[[message_id(m)]]), "publish")[mesh[1]] == [m]


def test_gossip_factor_raises_ihave_fanout():
    h = joined(60, gossip_factor=0.5, D_lazy=2)
    h.receive(h.router.mesh(TOPIC)[0], publish=[msg(b"g")])
    assert len(of_kind(h.heartbeat(), "ihave")) == (60 - 6) // 2


def test_mcache_windows_gossip_then_forget():
    h = joined(20, mcache_len=4, mcache_gossip=2)
    h.receive(h.router.mesh(TOPIC)[0], publish=[msg(b"w")])
    gossiped = [bool(of_kind(h.heartbeat(), "ihave")) for _ in range(5)]
    assert gossiped == [True, True, False, False, False]
    outsider = next(p for p in range(20) if p not in h.router.mesh(TOPIC))
    # Still in the cache for windows 3 and 4, so IWANT is answered, then forgotten.
    h2 = joined(20, mcache_len=4, mcache_gossip=2)
    m = msg(b"w")
    h2.receive(h2.router.mesh(TOPIC)[0], publish=[m])
    h2.heartbeat(3)
    assert of_kind(h2.receive(outsider, iwant=[[message_id(m)]]), "publish")
    h2.heartbeat(1)
    assert not of_kind(h2.receive(outsider, iwant=[[message_id(m)]]), "publish")


def test_iwant_answered_up_to_gossip_retransmission_times_per_peer():
    h = joined(20, gossip_retransmission=2)
    m = msg(b"r")
    h.receive(h.router.mesh(TOPIC)[0], publish=[m])
    answers = [len(of_kind(h.receive(19, iwant=[[message_id(m)]]), "publish")) for _ in range(4)]
    assert answers == [1, 1, 0, 0]
    assert of_kind(h.receive(18, iwant=[[message_id(m)]]), "publish")


def test_ihave_answered_with_iwant_for_unseen_ids_only():
    h = joined(20)
    seen = msg(b"seen")
    h.receive(h.router.mesh(TOPIC)[0], publish=[seen])
    new_id = b"\x01" * 16
    out = of_kind(h.receive(19, ihave=[(TOPIC, [message_id(seen), new_id])]), "iwant")
    assert out == {19: [[new_id]]}
    assert of_kind(h.receive(19, ihave=[("unknown", [b"\x02" * 16])]), "iwant") == {}


def test_ihave_spam_caps():
    h = joined(20, max_ihave_messages=2, max_ihave_length=3)
    ids = [bytes([i]) * 16 for i in range(1, 10)]
    first = of_kind(h.receive(19, ihave=[(TOPIC, ids)]), "iwant")
    assert len(first[19][0]) == 3  # max_ihave_length ids asked per heartbeat
    assert of_kind(h.receive(19, ihave=[(TOPIC, ids)]), "iwant") == {}
    assert h.router.counters()["dropped_spam"] >= 1
    h.heartbeat()
    assert of_kind(h.receive(19, ihave=[(TOPIC, ids[5:])]), "iwant")


def test_broken_promise_counted_and_penalised():
    cfg = config(iwant_followup_time=1.0)
    cfg.score.behaviour_penalty_weight = -1.0
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(20))
    h.heartbeat()
    h.receive(19, ihave=[(TOPIC, [b"\x07" * 16])])
    h.heartbeat(3)
    assert h.router.counters()["broken_promises"] == 1
    assert h.router.score(19, h.now) < 0


def test_kept_promise_not_penalised():
    cfg = config(iwant_followup_time=1.0)
    cfg.score.behaviour_penalty_weight = -1.0
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(20))
    h.heartbeat()
    m = msg(b"p")
    h.receive(19, ihave=[(TOPIC, [message_id(m)])])
    h.receive(19, publish=[m])
    h.heartbeat(3)
    assert h.router.counters()["broken_promises"] == 0
    assert h.router.score(19, h.now) == 0
