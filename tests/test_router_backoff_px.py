"""PRUNE backoff (no re-GRAFT, penalty for GRAFT during backoff) and peer exchange."""

from p2pgossip._core.wire import Rpc
from router_harness import TOPIC, Harness, config, of_kind, peer_id, sends


def test_no_regraft_during_backoff_then_regraft_after():
    h = Harness(config(prune_backoff=5.0))
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.heartbeat()
    assert h.router.mesh(TOPIC) == [1]
    h.receive(1, prune=[(TOPIC, [], None)])
    assert h.router.mesh(TOPIC) == []
    assert of_kind(h.heartbeat(4), "graft") == {}
    assert of_kind(h.heartbeat(2), "graft") == {1: [TOPIC]}


def test_prune_backoff_field_honoured():
    h = Harness(config(prune_backoff=60.0))
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.heartbeat()
    h.receive(1, prune=[(TOPIC, [], 2)])
    assert of_kind(h.heartbeat(1), "graft") == {}
    assert of_kind(h.heartbeat(2), "graft") == {1: [TOPIC]}


def test_graft_during_backoff_penalised_and_refused():
    cfg = config()
    cfg.score.behaviour_penalty_weight = -1.0
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.heartbeat()
    h.receive(1, prune=[(TOPIC, [], None)])
    actions = h.receive(1, graft=[TOPIC])
    assert of_kind(actions, "prune")[1][0][0] == TOPIC
    assert h.router.mesh(TOPIC) == []
    # Two penalties: within graft_flood_threshold of the PRUNE. P7 = -(2)^2.
    assert h.router.score(1, h.now) == -4.0


def test_px_from_prune_becomes_connect_actions_for_unknown_peers():
    h = Harness(config(prune_peers=2))
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2])
    actions = h.receive(1, prune=[(TOPIC, [peer_id(2), b"new-a", b"new-b", b"new-c"], None)])
    connects = [a for a in actions if a[0] == "connect"]
    # At most prune_peers of the offered unknown peers, chosen at random.
    assert len(connects) == 2
    assert {c[1] for c in connects} <= {b"new-a", b"new-b", b"new-c"}


def test_px_ignored_below_accept_px_threshold():
    cfg = config()
    cfg.score.behaviour_penalty_weight = -1.0
    cfg.thresholds.accept_px_threshold = -0.5
    h = Harness(cfg)
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    h.heartbeat()
    h.receive(1, prune=[(TOPIC, [], None)])
    h.receive(1, graft=[TOPIC])  # penalised
    actions = h.receive(1, prune=[(TOPIC, [b"x"], None)])
    assert not [a for a in actions if a[0] == "connect"]


def test_prune_we_send_carries_px_and_backoff():
    h = Harness(config())
    h.router.subscribe(TOPIC, 0)
    h.connect(range(13))
    for p in range(12):
        h.receive(p, graft=[TOPIC])
    prune = of_kind(h.receive(12, graft=[TOPIC]), "prune")[12][0]
    topic, px, backoff = prune
    assert topic == TOPIC and backoff == 60 and 0 < len(px) <= 16 and peer_id(12) not in px


def test_prune_px_carries_the_records_the_shell_holds():
    # Records for the even peers only; the odd ones are suggested by id alone.
    records = {peer_id(p): b"record of %d" % p for p in range(0, 13, 2)}
    asked = []

    def peer_record(pid: bytes) -> bytes | None:
        asked.append(pid)
        return records.get(pid)

    h = Harness(config(), peer_record=peer_record)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(13))
    for p in range(12):
        h.receive(p, graft=[TOPIC])
    (rpc,) = sends(h.receive(12, graft=[TOPIC]))[12]
    (prune,) = rpc.to_dict()["control"]["prune"]
    assert prune["peers"] and sorted(asked) == sorted(i["peer_id"] for i in prune["peers"])
    for info in prune["peers"]:
        assert info.get("signed_peer_record") == records.get(info["peer_id"])


def test_px_records_are_passed_to_the_shell_unread():
    h = Harness(config())
    h.router.subscribe(TOPIC, 0)
    h.connect([1])
    prune = {"topic_id": TOPIC, "peers": [{"peer_id": b"new", "signed_peer_record": b"opaque"}]}
    h.router.rpc_received(1, Rpc.from_dict({"control": {"prune": [prune]}}), h.now)
    actions = h.drain()
    assert [a for a in actions if a[0] == "connect"] == [("connect", b"new", b"opaque")]


def test_explicit_peers_get_every_message_and_never_join_the_mesh():
    h = Harness(config())
    h.router.add_explicit_peer(5)
    h.router.subscribe(TOPIC, 0)
    h.connect(range(10))
    h.heartbeat()
    assert 5 not in h.router.mesh(TOPIC)
    prune = of_kind(h.receive(5, graft=[TOPIC]), "prune")
    assert prune[5][0][1] == []  # no PX for explicit peers
    from router_harness import msg

    to = of_kind(h.receive(h.router.mesh(TOPIC)[0], publish=[msg(b"e")]), "publish")
    assert 5 in to
