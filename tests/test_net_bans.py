"""Bans with expiry in the sans-I/O peer manager, driven with explicit `now`: what a ban
refuses (accept, dial, candidate dials, a finished upgrade), what it closes, its bounds,
and the bans file (round trip, terms kept across a restart, hostile files refused)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip.net import Multiaddr, PeerManager


def peer(i):
    return Identity.from_seed(bytes([i + 1]) * 32).peer_id


LOCAL = peer(0)


def addr(i, port=4001):
    return Multiaddr.parse(f"/ip4/10.0.{i // 256}.{i % 256}/tcp/{port}")


def manager(**config):
    return PeerManager(LOCAL, **{"seed": 1, **config})


def disconnects(pm):
    return [(a[1], a[3]) for a in pm.poll_actions() if a[0] == "disconnect"]


def test_a_banned_peer_is_refused_at_dial_and_closed_after_its_upgrade_until_expiry():
    pm = manager()
    assert pm.ban(peer(1), until=10.0, note="spam", now=0.0)
    with pytest.raises(ValueError, match="banned"):
        pm.dial(addr(1).with_peer_id(peer(1)), now=1.0)
    # Inbound: its IP is not banned, so the TCP connection is taken; the upgrade names it.
    conn = pm.accept_inbound(addr(1), now=1.0)
    assert conn is not None
    pm.connected(conn, peer(1), now=1.5)
    assert disconnects(pm) == [(conn, "banned")]
    bans = pm.counters["bans"]
    assert (bans["made"]["manual"], bans["refused_dials"], bans["closed_connections"]) == (1, 1, 1)
    assert pm.bans(now=2.0) == [(str(peer(1)), 10.0, "manual", "spam")]
    # At expiry it is gone, and counted so.
    assert pm.bans(now=10.0) == []
    assert pm.counters["bans"]["expired"] == 1
    pm.dial(addr(1).with_peer_id(peer(1)), now=10.0)


def test_an_ip_ban_refuses_inbound_and_dials_to_it():
    pm = manager()
    pm.ban("10.0.0.7", now=0.0)  # no expiry
    assert pm.accept_inbound(addr(7), now=1.0) is None
    with pytest.raises(ValueError, match="banned"):
        pm.dial(addr(7), now=1.0)
    assert pm.accept_inbound(addr(8), now=1.0) is not None
    bans = pm.counters["bans"]
    assert (bans["refused_inbound"], bans["refused_dials"]) == (1, 1)
    assert pm.bans(now=1e9) == [("10.0.0.7", None, "manual", "")]
    assert pm.unban("10.0.0.7") and not pm.unban("10.0.0.7")
    assert pm.accept_inbound(addr(7), now=2.0) is not None
    assert pm.counters["bans"]["unbanned"] == 1


def test_banning_a_connected_peer_closes_its_connection_and_stops_redials():
    pm = manager(backoff_initial=1.0)
    pm.add_bootstrap(addr(1).with_peer_id(peer(1)), now=0.0)
    ((_, conn, _),) = pm.poll_actions()
    pm.dial_succeeded(conn, 0.1)
    pm.connected(conn, peer(1), 0.1)
    pm.poll_actions()
    pm.ban(peer(1), until=100.0, now=1.0)
    assert disconnects(pm) == [(conn, "banned")]
    # A bootstrap peer is redialled whenever it is down, but not while banned.
    for t in range(2, 99, 5):
        pm.tick(float(t))
        assert [a for a in pm.poll_actions() if a[0] == "dial"] == []
    assert pm.counters["bans"]["refused_dials"] >= 1
    pm.tick(150.0)
    assert [a[0] for a in pm.poll_actions()] == ["dial"]


def test_bans_are_bounded_and_the_one_expiring_first_goes():
    pm = manager(max_bans=3)
    pm.ban(peer(1), until=50.0, now=0.0)
    pm.ban(peer(2), until=20.0, now=0.0)
    pm.ban(peer(3), now=0.0)  # no expiry: kept over both
    pm.ban(peer(4), until=30.0, now=0.0)
    assert sorted(b[0] for b in pm.bans(now=1.0)) == sorted(str(peer(i)) for i in (1, 3, 4))
    assert pm.counters["bans"]["evicted"] == 1
    # Re-banning replaces the term without evicting anyone.
    pm.ban(peer(4), until=40.0, now=1.0)
    assert len(pm.bans(now=1.0)) == 3 and pm.counters["bans"]["evicted"] == 1
    assert manager(max_bans=0).ban(peer(1), now=0.0) is False


def test_bad_targets_are_clear_errors():
    pm = manager()
    with pytest.raises(ValueError, match="not a peer id or an IP"):
        pm.ban("no such thing", now=0.0)
    with pytest.raises(ValueError):
        pm.ban(b"\x00\x01", now=0.0)
    with pytest.raises(TypeError):
        pm.ban(42, now=0.0)


targets = st.one_of(
    st.integers(1, 200).map(lambda i: str(peer(i))),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.binary(min_size=16, max_size=16).map(lambda b: str(Multiaddr.from_bytes(b"\x29" + b))[5:]),
)


@given(
    bans=st.dictionaries(
        targets,
        st.tuples(st.one_of(st.none(), st.integers(1, 10**6)), st.text(max_size=40)),
        max_size=20,
    ),
    downtime=st.integers(0, 2 * 10**6),
)
def test_the_bans_file_keeps_each_term_across_a_restart(bans, downtime):
    pm = manager()
    for target, (term, note) in bans.items():
        pm.ban(target, until=None if term is None else 5.0 + term, note=note, now=5.0)
    text = pm.save_bans(now=5.0, now_unix=1_000_000)
    # Restarted `downtime` seconds later, on another clock.
    again = manager()
    loaded = again.load_bans(text, now=0.0, now_unix=1_000_000 + downtime)
    kept = {t: (term, note) for t, (term, note) in bans.items() if term is None or term >= downtime}
    got = {b[0]: b for b in again.bans(now=0.0)}
    assert loaded == len(got) and set(got) == set(kept)
    for t, (term, note) in kept.items():
        _, until, reason, saved_note = got[t]
        assert reason == "manual" and saved_note == note.replace("\n", " ")
        if term is None:
            assert until is None
        else:  # whole seconds, never shorter than the term left
            assert term - downtime <= until <= term - downtime + 2


@given(st.text(max_size=300))
def test_a_hostile_bans_file_is_refused_whole_or_loaded_within_bounds(text):
    pm = manager(max_bans=4)
    body = "p2pgossip-bans 1\n" + text
    try:
        n = pm.load_bans(body, now=0.0, now_unix=0)
    except DecodeError:
        assert pm.bans(now=0.0) == []
    else:
        assert n <= 4 and len(pm.bans(now=0.0)) <= 4


def test_bans_files_that_break_a_rule_name_the_line_and_the_rule():
    pm = manager(max_bans=2)
    cases = {
        "": "line 1: not a p2pgossip-bans 1 file",
        "p2pgossip-bans 2\n": "line 1: not a p2pgossip-bans 1 file",
        "p2pgossip-bans 1\n10.0.0.1 - manual": "no final newline",
        "p2pgossip-bans 1\nnot-a-target - manual\n": "line 2: not a peer id or an IP",
        "p2pgossip-bans 1\n10.0.0.1 soon manual\n": "line 2: expiry",
        "p2pgossip-bans 1\n10.0.0.1 - mystery\n": "line 2: unknown reason",
        "p2pgossip-bans 1\n" + "".join(f"10.0.0.{i} - manual\n" for i in range(3)): "line 4: more",
        "p2pgossip-bans 1\n10.0.0.1 - manual " + "x" * 300 + "\n": "note longer",
    }
    for text, rule in cases.items():
        with pytest.raises(DecodeError, match=rule):
            pm.load_bans(text, now=0.0, now_unix=0)
    with pytest.raises(DecodeError, match="larger than"):
        pm.load_bans("p2pgossip-bans 1\n" + "x" * 10**6, now=0.0, now_unix=0)
    assert pm.bans(now=0.0) == []
