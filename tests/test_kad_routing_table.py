"""Kademlia keyspace and routing table: XOR distance, bucket structure and invariants,
replacement cache, refresh deadlines, closest() against brute force."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip._core import kad

LOCAL = b"local-peer"


def pid(i: int) -> bytes:
    return b"peer-%d" % i


def cpl(a: bytes, b: bytes) -> int:
    return kad.common_prefix_length(kad.key(a), kad.key(b))


def brute_closest(ids, target: bytes, n: int) -> list[bytes]:
    return sorted(ids, key=lambda p: kad.distance(kad.key(p), target))[:n]


def test_key_is_sha256_and_distance_is_xor():
    assert kad.key(b"abc") == hashlib.sha256(b"abc").digest()
    a, b = kad.key(b"a"), kad.key(b"b")
    assert kad.distance(a, b) == int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    assert kad.distance(a, a) == 0 and kad.common_prefix_length(a, a) == 256
    assert kad.common_prefix_length(a, b) == 256 - kad.distance(a, b).bit_length()
    with pytest.raises(ValueError, match="32-byte kad key"):
        kad.distance(b"short", a)


@given(st.binary(min_size=1, max_size=8), st.integers(0, 255), st.integers(0, 2**64 - 1))
def test_random_key_with_prefix_has_exactly_that_prefix(pre, n, seed):
    local = kad.key(pre)
    assert kad.common_prefix_length(local, kad.random_key_with_prefix(local, n, seed)) == n


@pytest.mark.parametrize("n", [0, 1, 5, 9])
def test_random_peer_id_with_prefix(n):
    local = kad.key(LOCAL)
    peer = kad.random_peer_id_with_prefix(local, n, seed=n)
    assert peer is not None and peer[:6] == bytes.fromhex("002408011220") and len(peer) == 38
    assert kad.common_prefix_length(local, kad.key(peer)) == n
    assert (
        kad.common_prefix_length(
            local, kad.key(kad.random_peer_id_with_prefix(local, n, 1, at_least=True))
        )
        >= n
    )
    assert kad.random_peer_id_with_prefix(local, 200, seed=1, max_attempts=10) is None


def check_invariants(t: kad.RoutingTable, k: int, cache: int):
    buckets = t.buckets()
    replacements = t.replacements()
    last = len(buckets) - 1
    seen = set()
    for i, (bucket, waiting) in enumerate(zip(buckets, replacements, strict=True)):
        assert len(bucket) <= k
        assert len(waiting) <= cache
        for p in bucket + waiting:
            c = cpl(LOCAL, p)
            assert c == i or (i == last and c >= last)
            assert p not in seen
            seen.add(p)
        # a bucket with room has no one waiting
        assert len(bucket) == k or not waiting
    # buckets split only when the last was full: every bucket but the last holds a full one's
    # worth of history, so the table never has empty trailing structure beyond 256
    assert 1 <= len(buckets) <= 256
    assert len(t) == sum(len(b) for b in buckets)
    assert LOCAL not in seen


ops = st.lists(
    st.tuples(st.sampled_from(["update", "update", "update", "remove"]), st.integers(0, 400)),
    max_size=300,
)


@settings(max_examples=60)
@given(ops, st.integers(1, 6), st.integers(0, 4), st.binary(min_size=1, max_size=4))
def test_invariants_under_random_inserts_and_evictions(ops, k, cache, target_pre):
    t = kad.RoutingTable(LOCAL, k=k, replacement_cache_size=cache)
    for op, i in ops:
        if op == "update":
            r = t.update(pid(i), [b"addr"], now=1.0)
            assert r in ("inserted", "updated", "pending")
            assert (pid(i) in t) == (r != "pending")
        else:
            t.remove(pid(i))
            assert pid(i) not in t
    check_invariants(t, k, cache)
    members = [p for b in t.buckets() for p in b]
    target = kad.key(target_pre)
    for n in (0, 1, k, 3 * k, len(members) + 5):
        assert t.closest(target, n) == brute_closest(members, target, n)


def test_full_bucket_keeps_its_entries_and_a_dead_one_is_replaced():
    # k = 2 and only peers of bucket 0 (first key bit differs from ours): no split applies
    # once bucket 0 is no longer the last, so use enough peers to split first.
    t = kad.RoutingTable(LOCAL, k=2, replacement_cache_size=2)
    far = [p for p in (pid(i) for i in range(200)) if cpl(LOCAL, p) == 0][:5]
    near = [p for p in (pid(i) for i in range(200)) if cpl(LOCAL, p) >= 1][:3]
    for p in near:  # fills and splits: bucket 0 is no longer the last one
        t.update(p)
    assert t.bucket_count >= 2
    assert [t.update(p, now=float(i)) for i, p in enumerate(far)] == [
        "inserted",
        "inserted",
        "pending",
        "pending",
        "pending",
    ]
    assert t.buckets()[0] == far[:2]
    assert t.replacements()[0] == far[3:]  # bounded: the oldest candidate was dropped
    # a live entry seen again stays (moves to the back); a candidate seen again stays waiting
    assert t.update(far[0]) == "updated" and t.buckets()[0] == [far[1], far[0]]
    assert t.update(far[3]) == "pending" and t.replacements()[0] == [far[4], far[3]]
    # the driver declares far[1] dead: the newest candidate moves in
    assert t.remove(far[1])
    assert t.buckets()[0] == [far[0], far[3]] and t.replacements()[0] == [far[4]]
    assert t.remove(far[4]) and t.replacements()[0] == []
    assert not t.remove(b"unknown")


def test_connection_status_is_kept_not_a_reason_to_evict():
    t = kad.RoutingTable(LOCAL, k=1)
    t.update(pid(1), [b"a1"], connected=True, now=5.0)
    assert t.entry(pid(1)) == {
        "peer_id": pid(1),
        "key": kad.key(pid(1)),
        "addrs": [b"a1"],
        "connected": True,
        "last_seen": 5.0,
    }
    assert t.set_connected(pid(1), False, now=6.0)
    e = t.entry(pid(1))
    assert e is not None and not e["connected"] and e["addrs"] == [b"a1"]
    t.update(pid(1), [], connected=True, now=7.0)  # no addresses: the known ones stay
    e = t.entry(pid(1))
    assert e is not None and e["addrs"] == [b"a1"] and e["last_seen"] == 7.0
    assert not t.set_connected(b"nobody", True)


def test_own_and_bad_ids_are_rejected_and_addresses_bounded():
    t = kad.RoutingTable(LOCAL, max_addrs_per_peer=2)
    assert t.update(LOCAL) == "rejected"
    assert t.update(b"") == "rejected"
    assert t.update(b"x" * 129) == "rejected"
    t.update(pid(1), [b"a", b"b", b"c"])
    e = t.entry(pid(1))
    assert e is not None and e["addrs"] == [b"a", b"b"]


def test_buckets_unfold_lazily_by_common_prefix_length():
    t = kad.RoutingTable(LOCAL, k=3)
    assert t.bucket_count == 1
    for i in range(2000):
        t.update(pid(i))
    check_invariants(t, 3, 20)
    # with 2000 random peers, about log2(2000 / 3) buckets: each full bucket split off
    assert 8 <= t.bucket_count <= 16
    assert all(len(b) == 3 for b in t.buckets()[:-2])
    assert t.bucket_index(t.local_key) == t.bucket_count - 1


def test_refresh_deadlines_per_bucket():
    t = kad.RoutingTable(LOCAL, k=2, now=100.0, refresh_interval=60.0)
    assert t.next_refresh_deadline() == 160.0
    assert t.buckets_due(159.0) == [] and t.buckets_due(160.0) == [0]
    for i in range(50):
        t.update(pid(i), now=100.0)
    n = t.bucket_count
    assert n > 1 and t.buckets_due(160.0) == list(range(n))  # split buckets inherit the time
    t.mark_refreshed(0, 170.0)
    assert t.buckets_due(160.0) == list(range(1, n))
    assert t.next_refresh_deadline() == 160.0
    for b in range(1, n):
        target = t.refresh_target(b, seed=b)
        assert t.bucket_index(target) == b
        t.note_lookup(target, 200.0)
    assert t.next_refresh_deadline() == 230.0
    assert t.buckets_due(230.0) == [0] + [] and t.buckets_due(260.0) == list(range(n))


@given(st.integers(0, 2**64 - 1))
def test_refresh_target_falls_in_its_bucket(seed):
    t = kad.RoutingTable(LOCAL, k=2)
    for i in range(40):
        t.update(pid(i))
    for b in range(t.bucket_count):
        assert t.bucket_index(t.refresh_target(b, seed)) == b


@settings(max_examples=30)
@given(st.integers(0, 10_000), st.integers(1, 60))
def test_closest_equals_brute_force_on_a_large_table(seed, n):
    t = kad.RoutingTable(LOCAL)
    ids = [pid(seed * 1000 + i) for i in range(300)]
    for p in ids:
        t.update(p)
    members = [p for b in t.buckets() for p in b]
    target = kad.key(b"target-%d" % seed)
    got = t.closest(target, n)
    assert got == brute_closest(members, target, n)
    dists = [kad.distance(kad.key(p), target) for p in got]
    assert dists == sorted(dists)
