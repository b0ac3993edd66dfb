"""kad.Server: each request type answered from the routing table and the stores, record and
provider bounds and expiry, the validator hook, client mode."""

import pytest
from p2pgossip import DecodeError
from p2pgossip._core import kad

LOCAL = b"server-peer"
ALICE = b"alice"


def pid(i: int) -> bytes:
    return b"peer-%d" % i


def ask(server: kad.Server, request: dict, sender: bytes = ALICE, now: float = 0.0):
    response = server.handle(sender, kad.encode(request), now)
    return None if response is None else kad.decode(response)


def server_with_peers(n: int = 50, **kw) -> kad.Server:
    s = kad.Server(LOCAL, **kw)
    assert s.table.update(ALICE, [b"alice-addr"]) == "inserted"
    for i in range(n):
        s.table.update(pid(i), [b"addr-%d" % i], connected=i % 2 == 0)
    return s


def test_find_node_names_the_k_closest_but_not_the_requester():
    s = server_with_peers()
    target = kad.key(ALICE)
    r = ask(s, {"type": "FIND_NODE", "key": ALICE})
    assert r is not None and r["type"] == "FIND_NODE" and r["key"] == ALICE
    ids = [p["id"] for p in r["closer_peers"]]
    assert ALICE not in ids and len(ids) == kad.K
    assert ids == [p for p in s.table.closest(target, kad.K + 1) if p != ALICE]
    for p in r["closer_peers"]:
        i = int(p["id"].split(b"-")[1])
        assert p["addrs"] == [b"addr-%d" % i]
        assert p["connection"] == ("CONNECTED" if i % 2 == 0 else "NOT_CONNECTED")
    # asked by someone else, ALICE may be named
    r = ask(s, {"type": "FIND_NODE", "key": ALICE}, sender=b"bob")
    assert r is not None and r["closer_peers"][0]["id"] == ALICE


def test_put_then_get_value():
    s = server_with_peers(5)
    put = {"type": "PUT_VALUE", "key": b"/v/a", "record": {"key": b"/v/a", "value": b"1"}}
    assert ask(s, put, now=1.0) == kad.decode(kad.encode(put))  # echoed
    r = ask(s, {"type": "GET_VALUE", "key": b"/v/a"}, now=2.0)
    assert r is not None and r["record"] == {"key": b"/v/a", "value": b"1", "time_received": ""}
    assert len(r["closer_peers"]) == 5
    r = ask(s, {"type": "GET_VALUE", "key": b"/v/missing"})
    assert r is not None and r["record"] is None and len(r["closer_peers"]) == 5
    assert s.record_count == 1 and s.get_record(b"/v/a", 3.0) == b"1"


def test_put_value_refusals_are_errors_with_reasons():
    s = kad.Server(LOCAL, max_value_bytes=4)
    with pytest.raises(ValueError, match="PUT_VALUE without a record"):
        ask(s, {"type": "PUT_VALUE", "key": b"k"})
    with pytest.raises(ValueError, match="record.key differs from key"):
        ask(s, {"type": "PUT_VALUE", "key": b"k", "record": {"key": b"j", "value": b"v"}})
    with pytest.raises(ValueError, match="record value: 5 bytes exceeds 4"):
        ask(s, {"type": "PUT_VALUE", "key": b"k", "record": {"key": b"k", "value": b"12345"}})
    with pytest.raises(ValueError, match="record key: empty"):
        ask(s, {"type": "PUT_VALUE", "record": {"value": b"v"}})
    c = s.counters
    assert c["refused_invalid"] == 2 and c["put_rejected"] == 2
    assert c["records_rejected_size"] == 2 and c["requests"]["PUT_VALUE"] == 4


def test_validator_and_selector_hooks():
    s = kad.Server(LOCAL)
    seen = []

    def validator(key: bytes, value: bytes) -> bool:
        seen.append((key, value))
        return value.startswith(b"ok")

    s.set_validator(validator)
    s.put_record(b"k", b"ok-1", 0.0)
    with pytest.raises(ValueError, match="record invalid: rejected by the validator"):
        s.put_record(b"k", b"bad", 0.0)
    assert seen == [(b"k", b"ok-1"), (b"k", b"bad")]
    # the higher sequence number wins
    s.set_selector(lambda key, old, new: int(new[3:]) > int(old[3:]))
    s.put_record(b"k", b"ok-5", 1.0)
    with pytest.raises(ValueError, match="not better"):
        s.put_record(b"k", b"ok-2", 2.0)
    assert s.get_record(b"k", 3.0) == b"ok-5"
    s.set_validator(None)
    s.set_selector(None)
    s.put_record(b"k", b"anything", 4.0)  # without a selector the newer replaces
    assert s.get_record(b"k", 4.0) == b"anything"
    c = s.counters
    assert (c["records_rejected_invalid"], c["records_rejected_not_better"]) == (1, 1)

    def broken(key: bytes, value: bytes) -> bool:
        raise RuntimeError("validator bug")

    s.set_validator(broken)
    with pytest.raises(RuntimeError, match="validator bug"):
        s.put_record(b"k2", b"v", 5.0)
    assert s.get_record(b"k2", 5.0) is None


def test_records_expire_and_the_store_is_bounded():
    s = kad.Server(LOCAL, max_records=2, record_ttl=10.0)
    s.put_record(b"a", b"1", 0.0)
    s.put_record(b"b", b"2", 5.0)
    with pytest.raises(ValueError, match="record store full: 2 records"):
        s.put_record(b"c", b"3", 6.0)
    assert s.next_expiry() == 10.0
    assert s.get_record(b"a", 9.999) == b"1" and s.get_record(b"a", 10.0) is None
    s.put_record(b"c", b"3", 10.0)  # full, but "a" has expired: room is made
    assert s.record_count == 2 and s.next_expiry() == 15.0
    s.put_record(b"b", b"2b", 12.0)  # replacing renews the expiry
    assert s.expire(20.0) == (1, 0) and s.get_record(b"b", 21.9) == b"2b"
    assert s.counters["records_expired"] == 2


def test_add_provider_stores_only_the_sender_and_sends_no_response():
    s = server_with_peers(5)
    req = {
        "type": "ADD_PROVIDER",
        "key": b"\x12\x20" + bytes(32),
        "provider_peers": [
            {"id": ALICE, "addrs": [b"a1"]},
            {"id": b"mallory", "addrs": [b"m1"]},
        ],
    }
    assert ask(s, req, now=1.0) is None
    assert s.providers(req["key"], 2.0) == [(ALICE, [b"a1"])]
    assert s.counters["providers_not_sender"] == 1
    r = ask(s, {"type": "GET_PROVIDERS", "key": req["key"]}, sender=b"bob", now=2.0)
    assert r is not None and r["type"] == "GET_PROVIDERS"
    assert r["provider_peers"] == [{"id": ALICE, "addrs": [b"a1"], "connection": "CONNECTED"}]
    assert len(r["closer_peers"]) == 6
    r = ask(s, {"type": "GET_PROVIDERS", "key": b"\x12\x20" + b"\x01" * 32})
    assert r is not None and r["provider_peers"] == [] and len(r["closer_peers"]) == 5


def test_providers_expire_and_are_bounded():
    s = kad.Server(LOCAL, max_provider_keys=1, max_providers_per_key=2, provider_ttl=100.0)
    s.add_provider(b"key", pid(1), [b"x"], now=0.0)
    s.add_provider(b"key", pid(2), now=10.0)
    with pytest.raises(ValueError, match="providers of this key full: 2"):
        s.add_provider(b"key", pid(3), now=10.0)
    with pytest.raises(ValueError, match="provider store full: 1 keys"):
        s.add_provider(b"other", pid(1), now=10.0)
    with pytest.raises(ValueError, match="provider key: 81 bytes exceeds 80"):
        s.add_provider(b"k" * 81, pid(1))
    s.add_provider(b"key", pid(1), now=50.0)  # a refresh: new expiry, addresses kept
    assert s.providers(b"key", 105.0) == [(pid(1), [b"x"]), (pid(2), [])]
    assert s.next_expiry() == 110.0
    s.add_provider(b"key", pid(3), now=110.0)  # pid(2) expired: room
    assert s.providers(b"key", 111.0) == [(pid(1), [b"x"]), (pid(3), [])]
    assert s.expire(150.0) == (0, 1) and s.provider_count == 1
    assert s.expire(210.0) == (0, 1) and s.provider_count == 0
    s.add_provider(b"other", pid(1), now=210.0)  # the empty key went: room for another
    c = s.counters
    assert (c["providers_added"], c["providers_refreshed"], c["providers_rejected_full"]) == (
        4,
        1,
        2,
    )


def test_ping_is_answered_and_requests_without_a_key_refused():
    s = kad.Server(LOCAL)
    assert ask(s, {"type": "PING"}) == kad.decode(kad.encode({"type": "PING"}))
    for t in ("FIND_NODE", "GET_VALUE", "GET_PROVIDERS", "ADD_PROVIDER"):
        with pytest.raises(ValueError, match=f"{t} without a key"):
            ask(s, {"type": t})


def test_client_mode_serves_nothing():
    s = server_with_peers(5, mode="client")
    assert s.mode == "client"
    for t in ("FIND_NODE", "PING", "GET_VALUE"):
        with pytest.raises(ValueError, match="client mode"):
            ask(s, {"type": t, "key": b"k"})
    assert s.counters["refused_client_mode"] == 3
    s.mode = "server"
    assert ask(s, {"type": "PING"}) is not None
    with pytest.raises(ValueError, match="mode must be"):
        s.mode = "both"  # type: ignore[assignment]


def test_undecodable_requests_raise_decode_error():
    s = kad.Server(LOCAL)
    with pytest.raises(DecodeError, match="Message"):
        s.handle(ALICE, b"\x08\x09", 0.0)
