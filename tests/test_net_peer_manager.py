"""The sans-I/O peer manager driven with explicit `now`: dialling, limits, simultaneous
dials, liveness, backoff, PX candidates, signed peer records and the known-peers file."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip.net import (
    PEER_RECORD_DOMAIN,
    PEER_RECORD_PAYLOAD_TYPE,
    Multiaddr,
    PeerManager,
    PeerRecord,
    seal_envelope,
)


def peer(i):
    return Identity.from_seed(bytes([i + 1]) * 32).peer_id


LOCAL = peer(0)


def addr(i, port=4001):
    return Multiaddr.parse(f"/ip4/10.0.{i // 256}.{i % 256}/tcp/{port}")


def boot(i):
    return addr(i).with_peer_id(peer(i))


def manager(**config):
    return PeerManager(LOCAL, **{"seed": 1, **config})


def kinds(actions):
    return [a[0] for a in actions]


def dials(pm):
    return [a for a in pm.poll_actions() if a[0] == "dial"]


def establish(pm, conn, p, now):
    pm.dial_succeeded(conn, now)
    pm.connected(conn, p, now)
    return pm.poll_actions()


def test_bootstrap_dial_connect_and_peer_up():
    pm = manager()
    assert pm.next_deadline is None and pm.poll_actions() == []
    pm.add_bootstrap(boot(1), now=0.0)
    ((kind, conn, target),) = pm.poll_actions()
    assert kind == "dial" and target == boot(1) and target.peer_id == peer(1)
    assert establish(pm, conn, peer(1), 0.1) == [("peer_up", conn, peer(1))]
    assert pm.connection_of(peer(1)) == conn and pm.outbound_count == 1
    c = pm.counters
    assert (c["dials"], c["dials_succeeded"], c["handshakes_completed"]) == (1, 1, 1)


def test_bootstrap_address_must_name_a_remote_peer():
    pm = manager()
    with pytest.raises(ValueError, match="no /p2p"):
        pm.add_bootstrap(addr(1), now=0.0)
    with pytest.raises(ValueError, match="this node"):
        pm.add_bootstrap(addr(1).with_peer_id(LOCAL), now=0.0)
    with pytest.raises(ValueError, match="not /ip4"):
        pm.add_bootstrap(Multiaddr.parse(f"/ip4/10.0.0.1/p2p/{peer(1)}"), now=0.0)


def test_backoff_doubles_to_the_cap_with_bounded_jitter():
    jitter = 0.1
    pm = manager(backoff_jitter=jitter)
    pm.add_bootstrap(boot(1), now=0.0)
    now = 0.0
    (conn,) = [a[1] for a in dials(pm)]
    delays = []
    for _ in range(10):
        pm.dial_failed(conn, "connection refused", now)
        assert pm.poll_actions() == []
        retry_at = pm.next_deadline
        delays.append(retry_at - now)
        pm.tick(retry_at - 1e-6)
        assert pm.poll_actions() == []  # not before the backoff ends
        now = retry_at
        pm.tick(now)
        (conn,) = [a[1] for a in dials(pm)]
    expected = [5, 10, 20, 40, 80, 160, 300, 300, 300, 300]
    for got, base in zip(delays, expected, strict=True):
        assert base * (1 - jitter) - 1e-6 <= got <= base + 1e-6
    assert len({round(d, 6) for d in delays[-4:]}) > 1  # jitter actually varies
    assert pm.counters["dials_failed"] == 10


def test_backoff_is_deterministic_under_a_seed_and_varies_across_seeds():
    def delays(seed):
        pm = manager(seed=seed)
        pm.add_bootstrap(boot(1), now=0.0)
        out, now = [], 0.0
        for _ in range(4):
            (conn,) = [a[1] for a in dials(pm)]
            pm.dial_failed(conn, "refused", now)
            now = pm.next_deadline
            out.append(now)
            pm.tick(now)
        return out

    assert delays(7) == delays(7)
    assert delays(7) != delays(8)


def test_completed_handshake_resets_the_backoff():
    pm = manager(backoff_jitter=0.0)
    pm.add_bootstrap(boot(1), now=0.0)
    (conn,) = [a[1] for a in dials(pm)]
    pm.dial_failed(conn, "refused", 0.0)
    pm.tick(5.0)
    (conn,) = [a[1] for a in dials(pm)]
    pm.dial_failed(conn, "refused", 5.0)
    pm.tick(15.0)
    (conn,) = [a[1] for a in dials(pm)]
    establish(pm, conn, peer(1), 15.0)
    pm.disconnected(conn, "connection reset", 20.0)
    assert pm.next_deadline == pytest.approx(25.0)  # back to 5 s
    assert pm.counters["disconnects_by_reason"] == {"connection reset": 1}
    assert pm.counters["dial_failures_by_reason"] == {"refused": 2}


def test_inbound_limit_and_per_ip_limit_are_counted():
    pm = manager(max_inbound=3, max_per_ip=2)
    same_ip = Multiaddr.parse("/ip4/192.0.2.7/tcp/1000")
    first = pm.accept_inbound(same_ip, now=0.0)
    second = pm.accept_inbound(same_ip, now=0.0)
    assert first is not None and second is not None
    assert pm.accept_inbound(same_ip, now=0.0) is None  # third from one IP
    fifth = pm.accept_inbound(addr(5), now=0.0)
    assert fifth is not None
    # max_inbound counts established connections: handshakes have their own budget.
    for i, conn in enumerate([first, second, fifth]):
        pm.connected(conn, peer(10 + i), now=0.1)
    assert pm.accept_inbound(addr(6), now=0.2) is None  # inbound limit
    c = pm.counters
    assert (c["inbound_accepted"], c["refused_per_ip"], c["inbound_refused_limit"]) == (3, 1, 1)
    # loopback is exempt from the per-IP limit by default, not from the inbound limit
    pm2 = manager(max_per_ip=1)
    lo = Multiaddr.parse("/ip4/127.0.0.1/tcp/1")
    assert all(pm2.accept_inbound(lo, now=0.0) is not None for _ in range(3))
    pm3 = manager(max_per_ip=1, per_ip_limit_exempts_loopback=False)
    assert pm3.accept_inbound(lo, now=0.0) is not None
    assert pm3.accept_inbound(lo, now=0.0) is None


def test_a_full_node_trims_its_oldest_unprotected_inbound_peer_for_a_newcomer():
    # A bootstrap node of a network larger than max_inbound: each newcomer takes the slot of
    # the longest-connected inbound peer that had trim_grace to find others; mesh peers
    # (protected by the host) keep theirs.
    pm = manager(max_inbound=3, trim_grace=30.0)
    for i in (1, 2, 3):
        pm.connected(pm.accept_inbound(addr(i), now=float(i)), peer(i), now=float(i))
    pm.poll_actions()
    assert pm.accept_inbound(addr(4), now=20.0) is None  # nobody past the grace yet
    assert pm.counters["inbound_refused_limit"] == 1
    pm.set_protected(peer(1), True)
    conn = pm.accept_inbound(addr(4), now=40.0)
    assert conn is not None
    pm.connected(conn, peer(4), now=40.0)
    closed = [a for a in pm.poll_actions() if a[0] == "disconnect"]
    assert [(a[2], a[3]) for a in closed] == [(peer(2), "trimmed for a new inbound peer")]
    pm.disconnected(closed[0][1], "trimmed", now=40.0)
    assert pm.connection_of(peer(1)) is not None and pm.connection_of(peer(4)) == conn
    assert pm.counters["inbound_trimmed"] == 1
    # Every remaining one protected or within its grace: refused, never trimmed.
    pm.set_protected(peer(3), True)
    assert pm.accept_inbound(addr(5), now=50.0) is None
    off = manager(max_inbound=1, trim_inbound=False)
    off.connected(off.accept_inbound(addr(1), now=0.0), peer(1), now=0.0)
    assert off.accept_inbound(addr(2), now=1000.0) is None


def test_bootstrap_peers_are_redialled_only_while_below_the_target():
    # A node that found its peers elsewhere leaves the bootstrap node's slots to newcomers.
    pm = manager(target_outbound=2, backoff_jitter=0.0)
    pm.add_bootstrap(boot(1), now=0.0)
    ((_, b, _),) = dials(pm)
    establish(pm, b, peer(1), 0.1)
    pm.add_addresses(peer(2), [addr(2)], "px", now=0.2)
    ((_, c, _),) = dials(pm)
    establish(pm, c, peer(2), 0.3)
    pm.add_addresses(peer(3), [addr(3)], "px", now=0.4)
    pm.disconnected(b, "reset", now=1.0)  # the bootstrap node trimmed us
    ((_, d, target),) = dials(pm)  # a candidate restores the target, not the bootstrap
    assert target.peer_id == peer(3)
    establish(pm, d, peer(3), 1.1)
    pm.tick(1000.0)
    assert dials(pm) == []
    pm.disconnected(c, "reset", now=1001.0)  # below the target with no candidate left
    pm.tick(1001.0)
    assert [t.peer_id for _, _, t in dials(pm)] == [peer(1)]


def test_pending_handshakes_do_not_count_against_max_inbound():
    # Slowloris: stalled handshakes beyond the pending budget evict the oldest, so the
    # established peers keep their slots and a new (honest) handshake always starts.
    pm = manager(max_inbound=4, max_pending_inbound=3)
    established = pm.accept_inbound(addr(1), now=0.0)
    pm.connected(established, peer(1), now=0.0)
    pm.poll_actions()
    stalled = [pm.accept_inbound(addr(100 + i), now=0.1 * (i + 1)) for i in range(50)]
    assert all(c is not None for c in stalled)
    assert pm.pending_inbound_count == 3 and pm.inbound_count == 4
    evicted = [a for a in pm.poll_actions() if a[0] == "disconnect"]
    assert [a[1] for a in evicted] == stalled[:47]  # oldest first
    assert {a[3] for a in evicted} == {"pending handshake evicted"}
    assert pm.counters["pending_inbound_evicted"] == 47
    assert pm.counters["inbound_refused_limit"] == 0
    # An honest handshake during the attack is admitted and completes.
    honest = pm.accept_inbound(addr(7), now=6.0)
    assert honest is not None
    pm.connected(honest, peer(7), now=6.01)
    assert ("peer_up", honest, peer(7)) in pm.poll_actions()
    assert pm.connection_of(peer(1)) == established  # never touched
    assert pm.counters["pending_inbound_evicted"] == 48


def test_pending_handshakes_per_ip_are_refused_beyond_their_budget():
    pm = manager(max_pending_inbound_per_ip=2, max_per_ip=8)
    one_ip = Multiaddr.parse("/ip4/192.0.2.9/tcp/1000")
    first = pm.accept_inbound(one_ip, now=0.0)
    assert pm.accept_inbound(one_ip, now=0.0) is not None
    assert pm.accept_inbound(one_ip, now=0.0) is None
    assert pm.counters["pending_inbound_refused_per_ip"] == 1
    assert pm.accept_inbound(addr(3), now=0.0) is not None  # another IP is not affected
    pm.connected(first, peer(1), now=0.1)  # an established one is not pending
    assert pm.accept_inbound(one_ip, now=0.2) is not None
    # Loopback is exempt by default, as for max_per_ip.
    lo = Multiaddr.parse("/ip4/127.0.0.1/tcp/1")
    assert all(pm.accept_inbound(lo, now=0.3) is not None for _ in range(5))
    strict = manager(max_pending_inbound_per_ip=1, per_ip_limit_exempts_loopback=False)
    assert strict.accept_inbound(lo, now=0.0) is not None
    assert strict.accept_inbound(lo, now=0.0) is None


def test_established_inbound_still_bounded_when_handshakes_finish_together():
    pm = manager(max_inbound=2)
    conns = [pm.accept_inbound(addr(i), now=0.0) for i in range(1, 5)]
    for i, c in enumerate(conns):
        pm.connected(c, peer(i + 1), now=0.1)
    actions = pm.poll_actions()
    assert [a[1] for a in actions if a[0] == "peer_up"] == conns[:2]
    closed = [a for a in actions if a[0] == "disconnect"]
    assert [(a[1], a[3]) for a in closed] == [(c, "inbound connection limit") for c in conns[2:]]
    assert pm.counters["inbound_refused_limit"] == 2 and pm.inbound_count == 2


def test_zero_pending_budget_refuses_inbound_and_eviction_needs_a_pending_one():
    pm = manager(max_pending_inbound=0)
    assert pm.accept_inbound(addr(1), now=0.0) is None
    assert pm.evict_pending_inbound(now=0.0) is False
    pm2 = manager()
    conn = pm2.accept_inbound(addr(1), now=0.0)
    assert pm2.evict_pending_inbound(now=1.0) is True
    assert pm2.poll_actions() == [("disconnect", conn, None, "pending handshake evicted")]


def test_peer_id_mismatch_reported_by_the_upgrade_is_counted():
    pm = manager()
    pm.add_bootstrap(boot(1), now=0.0)
    (conn,) = [a[1] for a in dials(pm)]
    pm.dial_succeeded(conn, 0.1)
    pm.peer_id_mismatch(conn, "remote peer id differs from the dialled /p2p/ id", 0.2)
    c = pm.counters
    assert (c["peer_id_mismatches"], c["handshakes_failed"]) == (1, 1)
    assert c["handshake_failures_by_reason"] == {
        "remote peer id differs from the dialled /p2p/ id": 1
    }
    assert pm.outbound_count == 0


def test_outbound_limit_caps_bootstrap_dials():
    pm = manager(max_outbound=2)
    for i in range(1, 5):
        pm.add_bootstrap(boot(i), now=0.0)
    assert len(dials(pm)) == 2 and pm.outbound_count == 2


def test_handshake_timeout_closes_and_backs_off():
    pm = manager(handshake_timeout=10.0, backoff_jitter=0.0)
    pm.add_bootstrap(boot(1), now=0.0)
    (conn,) = [a[1] for a in dials(pm)]
    pm.dial_succeeded(conn, 1.0)
    assert pm.next_deadline == pytest.approx(10.0)
    pm.tick(10.0)
    assert pm.poll_actions() == [("disconnect", conn, peer(1), "handshake timeout")]
    assert pm.counters["handshake_timeouts"] == 1
    assert pm.next_deadline == pytest.approx(15.0)
    inbound = pm.accept_inbound(addr(9), now=20.0)
    pm.tick(30.0)
    assert ("disconnect", inbound, None, "handshake timeout") in pm.poll_actions()


def test_handshake_failures_are_counted_by_reason():
    pm = manager()
    for reason in [
        "network certificate: missing",
        "network certificate: malformed (no signature)",
        "network certificate: malformed (signature is not 64 bytes)",
        "noise: remote peer id does not match the dialled peer id",
    ]:
        conn = pm.accept_inbound(addr(3), now=0.0)
        pm.handshake_failed(conn, reason, now=0.0)
    assert pm.counters["handshake_failures_by_reason"] == {
        "network certificate: missing": 1,
        "network certificate: malformed": 2,
        "noise: remote peer id does not match the dialled peer id": 1,
    }
    assert pm.inbound_count == 0


def test_reason_labels_are_bounded():
    pm = manager()
    for i in range(40):
        pm.handshake_failed(pm.accept_inbound(addr(i), now=0.0), f"reason {i}", now=0.0)
    by_reason = pm.counters["handshake_failures_by_reason"]
    assert PeerManager.MAX_REASONS == 32
    assert len(by_reason) == PeerManager.MAX_REASONS + 1
    assert by_reason["other"] == 40 - PeerManager.MAX_REASONS


def simultaneous(local_index, remote_index):
    """Both peers dial each other; returns what the local side keeps and closes."""
    local = peer(local_index)
    pm = PeerManager(local, seed=1)
    remote = peer(remote_index)
    pm.add_bootstrap(addr(remote_index).with_peer_id(remote), now=0.0)
    (out_conn,) = [a[1] for a in dials(pm)]
    in_conn = pm.accept_inbound(addr(remote_index, port=5555), now=0.1)
    pm.dial_succeeded(out_conn, 0.1)
    pm.connected(out_conn, remote, 0.2)
    pm.connected(in_conn, remote, 0.3)
    actions = pm.poll_actions()
    kept = pm.connection_of(remote)
    closed = [a for a in actions if a[0] == "disconnect"]
    assert len(closed) == 1 and closed[0][3] == "duplicate connection"
    assert closed[0][1] in (out_conn, in_conn) and closed[0][1] != kept
    assert pm.counters["duplicate_connections_closed"] == 1
    return local if kept == out_conn else remote


@pytest.mark.parametrize(("a", "b"), [(1, 2), (3, 4), (5, 9)])
def test_simultaneous_dial_both_sides_keep_the_same_connection(a, b):
    # Each side keeps the connection dialled by the smaller peer id, so they agree.
    kept_by_a = simultaneous(a, b)
    kept_by_b = simultaneous(b, a)
    assert kept_by_a == kept_by_b == min(peer(a), peer(b), key=lambda p: p.to_bytes())


def test_connection_to_self_is_closed():
    pm = manager()
    conn = pm.accept_inbound(addr(1), now=0.0)
    pm.connected(conn, LOCAL, now=0.1)
    assert pm.poll_actions() == [("disconnect", conn, None, "connected to self")]
    assert pm.counters["self_connections_closed"] == 1


def test_dead_peer_detected_by_missed_pings_then_reconnected():
    pm = manager(ping_interval=15.0, max_missed_pings=3, backoff_jitter=0.0)
    pm.add_bootstrap(boot(1), now=0.0)
    (conn,) = [a[1] for a in dials(pm)]
    establish(pm, conn, peer(1), 0.0)
    assert pm.next_deadline == pytest.approx(15.0)
    pm.tick(15.0)
    assert pm.poll_actions() == [("ping", conn, peer(1))]
    pm.tick(16.0)
    assert pm.poll_actions() == []  # one ping outstanding at a time
    pm.ping_result(conn, 0.05, now=16.0)
    assert pm.last_rtt(peer(1)) == pytest.approx(0.05)
    now = 16.0
    for missed in range(1, 4):
        now = pm.next_deadline
        pm.tick(now)
        assert pm.poll_actions() == [("ping", conn, peer(1))]
        now += 20.0
        pm.ping_result(conn, None, now=now)  # the runtime's Pinger timed out
        assert pm.counters["pings_missed"] == missed
    assert pm.poll_actions() == [("disconnect", conn, peer(1), "dead peer (missed pings)")]
    c = pm.counters
    assert (c["pings"], c["pongs"], c["pings_missed"], c["dead_peers"]) == (4, 1, 3, 1)
    # redialled after the first backoff step
    assert pm.next_deadline == pytest.approx(now + 5.0)
    pm.tick(now + 5.0)
    ((_, conn2, target),) = dials(pm)
    assert target == boot(1) and conn2 != conn
    assert establish(pm, conn2, peer(1), now + 6.0) == [("peer_up", conn2, peer(1))]
    pm.disconnected(conn, "late close of the old connection", now + 7.0)  # ignored
    assert pm.connection_of(peer(1)) == conn2


def test_px_candidates_are_bounded_and_dialled_up_to_the_target():
    pm = manager(max_candidates=5, target_outbound=3)
    for i in range(1, 11):
        pm.add_addresses(peer(i), [addr(i)], "px", now=0.0)
    started = dials(pm)
    assert len(started) == 3 and pm.outbound_count == 3
    # the first three became dials, five wait as candidates, two were refused
    assert pm.candidate_count == 5 and pm.counters["candidates_refused_full"] == 2
    for _, conn, target in started:
        establish(pm, conn, target.peer_id, 1.0)
    assert dials(pm) == []  # at the target


def identity(i):
    return Identity.from_seed(bytes([i + 1]) * 32)


def record(i, seq, *ports):
    return PeerRecord(peer(i), seq, [addr(i, p) for p in ports]).seal(identity(i))


def test_px_record_makes_its_peer_a_candidate_and_is_kept_for_px():
    pm = manager()
    assert not pm.has_addresses(peer(1)) and pm.peer_record(peer(1)) is None
    assert pm.add_peer_record(record(1, 5, 4001), "px", now=0.0) == 1
    ((kind, _, target),) = pm.poll_actions()
    assert (kind, target) == ("dial", addr(1).with_peer_id(peer(1)))
    assert pm.has_addresses(peer(1)) and pm.peer_record(peer(1)) == record(1, 5, 4001)
    assert pm.counters["peer_records_added"] == 1


def test_only_a_newer_record_replaces_the_one_held():
    pm = manager(target_outbound=0)
    pm.add_peer_record(record(1, 5, 4001), "identify", now=0.0)
    assert pm.add_peer_record(record(1, 4, 4002), "px", now=0.0) == 0  # older: refused
    assert pm.peer_record(peer(1)) == record(1, 5, 4001)
    assert pm.add_peer_record(record(1, 6, 4003), "px", now=0.0) == 1
    assert pm.peer_record(peer(1)) == record(1, 6, 4003)
    c = pm.counters
    assert (c["peer_records_added"], c["peer_records_stale"]) == (2, 1)


def test_records_of_ourselves_or_unusable_are_not_held_and_forget_drops_them():
    pm = manager(target_outbound=0)
    assert pm.add_peer_record(record(0, 1, 4001), "px", now=0.0) == 0  # LOCAL's own record
    assert pm.peer_record(LOCAL) is None
    undialable = PeerRecord(peer(2), 1, [Multiaddr.parse("/ip4/10.0.0.2")]).seal(identity(2))
    assert pm.add_peer_record(undialable, "px", now=0.0) == 0
    assert pm.peer_record(peer(2)) is None  # nothing to dial: the peer is not kept
    pm.add_peer_record(record(3, 1, 4001), "px", now=0.0)
    pm.forget(peer(3))
    assert pm.peer_record(peer(3)) is None and not pm.has_addresses(peer(3))


def test_unverified_records_never_reach_the_peer_manager():
    forged = seal_envelope(
        identity(2), PEER_RECORD_DOMAIN, PEER_RECORD_PAYLOAD_TYPE, PeerRecord(peer(1), 1).encode()
    )
    with pytest.raises(DecodeError, match="not the signer's peer id"):
        manager().add_peer_record(forged, "px", now=0.0)


def test_addresses_are_filtered_and_bounded_per_peer():
    pm = manager(max_addrs_per_peer=2, target_outbound=0)
    added = pm.add_addresses(
        peer(1),
        [
            addr(1, 1),
            addr(1, 1),  # duplicate
            Multiaddr.parse("/dns4/example.com/tcp/2"),
            addr(1, 3),  # beyond 2
            Multiaddr.parse("/ip4/10.0.0.1"),  # no tcp
            addr(1, 4).with_peer_id(peer(2)),  # another peer's address
        ],
        "identify",
        now=0.0,
    )
    assert added == 2
    c = pm.counters
    assert c["addrs_refused_per_peer_limit"] == 1 and c["addrs_refused_undialable"] == 2


def test_known_peers_round_trip():
    pm = manager()
    for i in (1, 2):
        pm.add_bootstrap(boot(i), now=0.0)
    for _, conn, target in dials(pm):
        establish(pm, conn, target.peer_id, 1.0)
    pm.add_addresses(peer(3), [addr(3)], "px", now=1.0)  # never connected: not exported
    data = pm.export_known_peers()
    lines = data.decode().splitlines()
    assert lines[0] == "p2pgossip-known-peers 1" and len(lines) == 3
    assert lines[1].split() == [str(peer(2)), "/ip4/10.0.0.2/tcp/4001"]  # most recent first

    fresh = manager(target_outbound=5)
    assert fresh.import_known_peers(data, now=0.0) == 2
    targets = {a[2] for a in dials(fresh)}
    assert targets == {boot(1), boot(2)}
    assert fresh.counters["known_peers_loaded"] == 2
    assert fresh.export_known_peers() == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a p2pgossip-known-peers 1 file"),
        (b"p2pgossip-known-peers 2\n", "not a p2pgossip-known-peers 1 file"),
        (b"p2pgossip-known-peers 1", "no final newline"),
        (b"p2pgossip-known-peers 1\nQmBad /ip4/1.2.3.4/tcp/1\n", "line 2: peer id"),
        (f"p2pgossip-known-peers 1\n{peer(1)}\n".encode(), "line 2: expected a peer id"),
        (f"p2pgossip-known-peers 1\n{peer(1)} /ip4/1.2.3/tcp/1\n".encode(), "invalid IPv4"),
        (f"p2pgossip-known-peers 1\n{peer(1)} /ip4/1.2.3.4\n".encode(), "is not /ip4"),
        (b"p2pgossip-known-peers 1\n" + b"x" * 300_000 + b"\n", "larger than"),
    ],
)
def test_bad_known_peers_files_are_refused_whole(data, reason):
    pm = manager()
    with pytest.raises(DecodeError, match="known peers") as e:
        pm.import_known_peers(data, now=0.0)
    assert reason in str(e.value)
    assert pm.candidate_count == 0


def test_known_peers_load_is_bounded():
    lines = [f"{peer(i)} /ip4/10.0.0.{i}/tcp/1" for i in range(1, 6)]
    data = ("p2pgossip-known-peers 1\n" + "\n".join(lines) + "\n").encode()
    with pytest.raises(DecodeError, match="line 5: more than 3 peers"):
        manager(max_known_peers=3).import_known_peers(data, now=0.0)


@given(st.binary(max_size=300))
def test_arbitrary_known_peers_bytes_load_or_raise(data):
    pm = manager(target_outbound=0)
    try:
        loaded = pm.import_known_peers(b"p2pgossip-known-peers 1\n" + data, now=0.0)
    except DecodeError:
        assert pm.candidate_count == 0
        return
    assert pm.candidate_count == loaded


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unknown PeerManager option 'max_peers'"):
        PeerManager(LOCAL, max_peers=3)
