"""mDNS packet codec (libp2p discovery/mdns.md r2, RFC 1035/6762): the spec's query and
response, every record type, name compression on decode, bounds and hostile input."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip._core import mdns

PEER = str(Identity.from_seed(bytes(32)).peer_id)
ADDRS = [f"/ip4/192.168.1.7/tcp/4001/p2p/{PEER}", f"/ip6/fe80::1/tcp/4001/p2p/{PEER}"]


def name(text: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in text.split(".") if p) + b"\x00"


def header(flags=0, qd=0, an=0, ns=0, ar=0, ident=0) -> bytes:
    return struct.pack(">6H", ident, flags, qd, an, ns, ar)


def test_constants():
    assert mdns.SERVICE_NAME == "_p2p._udp.local"
    assert mdns.META_QUERY_NAME == "_services._dns-sd._udp.local"
    assert (mdns.PORT, mdns.IPV4_GROUP, mdns.IPV6_GROUP) == (5353, "224.0.0.251", "ff02::fb")


def test_peer_query_bytes_by_hand():
    q = mdns.peer_query()
    assert q == header(qd=1) + name("_p2p._udp.local") + struct.pack(">HH", 12, 1)
    assert mdns.is_peer_query(q)
    assert not mdns.is_peer_query(b"\x00")
    other = mdns.encode({"questions": [{"name": "_http._tcp.local", "type": 12}]})
    assert not mdns.is_peer_query(other)
    # ANY and a different letter case still ask for us
    anyq = mdns.encode({"questions": [{"name": "_P2P._udp.LOCAL", "type": 255}]})
    assert mdns.is_peer_query(anyq)


def test_peer_response_as_the_spec_writes_it():
    peer_name = mdns.random_peer_name(1)
    data = mdns.peer_response(peer_name, ADDRS, ttl=120)
    msg = mdns.decode(data)
    assert msg["flags"] == 0x8400 and msg["questions"] == [] and msg["authorities"] == []
    [ptr] = msg["answers"]
    assert (ptr["name"], ptr["type"], ptr["ttl"]) == ("_p2p._udp.local", 12, 120)
    assert ptr["target"] == f"{peer_name}._p2p._udp.local"
    txt, srv, a, aaaa = msg["additionals"]
    assert txt["name"] == ptr["target"] and txt["type"] == 16
    assert txt["txt"] == [b"dnsaddr=" + a.encode() for a in ADDRS]
    # DNS-SD's SRV and address records, which zeroconf resolvers (py/go-libp2p) wait for
    assert (srv["name"], srv["type"], srv["ttl"]) == (ptr["target"], 33, 120)
    assert (srv["port"], srv["target"]) == (4001, f"{peer_name}.local")
    assert (a["name"], a["type"], a["data"]) == (f"{peer_name}.local", 1, bytes([192, 168, 1, 7]))
    assert (aaaa["name"], aaaa["type"]) == (f"{peer_name}.local", 28)
    assert aaaa["data"] == bytes.fromhex("fe80" + "0" * 27 + "1")
    assert mdns.discovered_peers(data) == [(peer_name, ADDRS, 120)]
    # the PTR answer, written out
    assert (
        header(0x8400, an=1, ar=4)
        + name("_p2p._udp.local")
        + struct.pack(">HHIH", 12, 1, 120, len(name(ptr["target"])))
        + name(ptr["target"])
        in data
    )


def test_random_peer_names_follow_the_spec():
    names = {mdns.random_peer_name(seed) for seed in range(200)}
    assert len(names) == 200
    for n in names:
        assert 32 <= len(n) <= 63 and n.isalnum() and n == n.lower()
    assert mdns.random_peer_name(7) == mdns.random_peer_name(7)


def test_address_records_skip_unspecified_and_repeated_ips_and_need_a_tcp_port():
    dup = [f"/ip4/10.0.0.1/tcp/5/p2p/{PEER}", f"/ip4/10.0.0.1/tcp/6/p2p/{PEER}"]
    extra = mdns.decode(mdns.peer_response("p", dup))["additionals"][1:]
    assert [(r["type"], r["port"]) for r in extra] == [(33, 5), (1, 0)]  # first port, one A
    for addrs in (
        [f"/ip4/0.0.0.0/tcp/5/p2p/{PEER}", f"/ip6/::/tcp/5/p2p/{PEER}"],  # unspecified
        [f"/dns4/example.com/tcp/5/p2p/{PEER}"],  # no IP
        ["not a multiaddr"],
        [],
    ):
        [txt] = mdns.decode(mdns.peer_response("p", addrs))["additionals"]
        assert txt["txt"] == [b"dnsaddr=" + a.encode() for a in addrs]


def test_queries_for_our_instance_or_host_are_ours_to_answer():
    def query(qname: str, qtype: int, flags: int = 0) -> bytes:
        return mdns.encode({"flags": flags, "questions": [{"name": qname, "type": qtype}]})

    assert mdns.is_query_for(mdns.peer_query(), "me")
    for qname, qtype in [("me._p2p._udp.local", 33), ("ME._p2p._udp.local", 16), ("me.local", 1)]:
        assert mdns.is_query_for(query(qname, qtype), "me")
        assert not mdns.is_query_for(query(qname, qtype), "other")
        assert not mdns.is_query_for(query(qname, qtype, flags=0x8000), "me")  # a response
    assert not mdns.is_query_for(b"\x00", "me")


def full_message():
    return {
        "id": 0,
        "flags": 0x8400,
        "questions": [
            {"name": "_p2p._udp.local", "type": 12, "qclass": 1, "unicast_response": True}
        ],
        "answers": [
            {"name": "_p2p._udp.local", "type": 12, "ttl": 120, "target": "abc._p2p._udp.local"}
        ],
        "authorities": [],
        "additionals": [
            {"name": "abc._p2p._udp.local", "type": 16, "ttl": 120, "txt": [b"dnsaddr=/x", b""]},
            {
                "name": "abc._p2p._udp.local",
                "type": 33,
                "ttl": 120,
                "cache_flush": True,
                "priority": 0,
                "weight": 5,
                "port": 4001,
                "target": "abc.local",
            },
            {"name": "abc.local", "type": 1, "ttl": 120, "data": bytes([192, 168, 1, 7])},
            {"name": "abc.local", "type": 28, "ttl": 120, "data": bytes(15) + b"\x01"},
            {"name": "abc.local", "type": 99, "ttl": 1, "data": b"opaque"},
        ],
    }


def filled(msg):
    q = {"name": "", "type": 12, "qclass": 1, "unicast_response": False}
    r = {
        "name": "",
        "type": 12,
        "rclass": 1,
        "cache_flush": False,
        "ttl": 120,
        "target": "",
        "txt": [],
        "priority": 0,
        "weight": 0,
        "port": 0,
        "data": b"",
    }
    out = {
        "id": 0,
        "flags": 0,
        "questions": [],
        "answers": [],
        "authorities": [],
        "additionals": [],
    }
    out.update(msg)
    out["questions"] = [q | x for x in out["questions"]]
    for s in ("answers", "authorities", "additionals"):
        out[s] = [r | x for x in out[s]]
    return out


def test_every_record_type_round_trips():
    msg = full_message()
    assert mdns.decode(mdns.encode(msg)) == filled(msg)


def test_compressed_names_are_followed():
    # as a responder that compresses writes it: the PTR's owner and target point back
    body = (
        header(0x8400, an=1, ar=1)
        + name("_p2p._udp.local")  # offset 12
        + struct.pack(">HHIH", 12, 1, 120, 6)
        + b"\x03abc\xc0\x0c"  # target abc + pointer to offset 12
    )
    target_at = 12 + len(name("_p2p._udp.local")) + 10
    txt = b"\x0cdnsaddr=/foo"
    body += b"\xc0" + bytes([target_at]) + struct.pack(">HHIH", 16, 0x8001, 120, len(txt)) + txt
    msg = mdns.decode(body)
    assert msg["answers"][0]["target"] == "abc._p2p._udp.local"
    assert msg["additionals"][0]["name"] == "abc._p2p._udp.local"
    assert msg["additionals"][0]["cache_flush"] is True
    assert mdns.discovered_peers(body) == [("abc", ["/foo"], 120)]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x00" * 11, "mDNS header: truncated"),
        (
            header(qd=1) + b"\xc0\x0c" + b"\x00\x0c\x00\x01",
            r"questions\[0\]\.name: compression loop",
        ),
        (header(qd=1) + b"\xc0\xff", r"questions\[0\]\.name: pointer past the end"),
        (header(qd=1) + b"\x05ab", r"questions\[0\]\.name: truncated name"),
        (header(qd=1) + b"\x40abc", "reserved label type"),
        (header(qd=1) + b"\x03a.b\x00\x00\x0c\x00\x01", "label holds a dot"),
        (header(qd=1) + (b"\x3f" + b"a" * 63) * 4 + b"\x00", "name exceeds 255 bytes"),
        (header(qd=1) + name("x"), r"questions\[0\]: truncated"),
        (header(an=1) + name("x") + struct.pack(">HHIH", 1, 1, 1, 3) + b"abc", "3 bytes for an A"),
        (
            header(an=1) + name("x") + struct.pack(">HHIH", 16, 1, 1, 9) + b"ab",
            "rdata past the end",
        ),
        (header(an=1) + name("x") + struct.pack(">HHIH", 16, 1, 1, 2) + b"\x05a", "overruns"),
        (header(an=1) + name("x") + struct.pack(">HHIH", 12, 1, 1, 1) + name("abc"), "overruns"),
        (
            header(an=1) + name("x") + struct.pack(">HHIH", 33, 1, 1, 3) + b"abc",
            "SRV rdata too short",
        ),
        (
            header(an=1) + name("x") + struct.pack(">HHIH", 28, 1, 1, 4) + b"abcd",
            "4 bytes for an AAAA",
        ),
        (
            header(an=1) + name("x") + struct.pack(">HHIH", 33, 1, 1, 8) + bytes(6) + name("ab"),
            "overruns",
        ),
        (header(qd=33), "mDNS questions: 33 exceed 32"),
        (header(ar=129), "mDNS additionals: 129 exceed 128"),
        (b"\x00" * 9001, "mDNS: 9001 bytes exceeds 9000"),
    ],
)
def test_malformed_packets_name_the_rule(data, match):
    with pytest.raises(DecodeError, match=match):
        mdns.decode(data)


def test_limits_are_adjustable():
    many = mdns.encode({"answers": [{"name": "a", "target": "b"}] * 5})
    assert len(mdns.decode(many)["answers"]) == 5
    with pytest.raises(DecodeError, match="answers: 5 exceed 4"):
        mdns.decode(many, max_records=4)
    with pytest.raises(TypeError, match="unknown mdns limit"):
        mdns.decode(many, max_everything=1)


def test_encoder_refuses_what_dns_cannot_hold():
    with pytest.raises(ValueError, match=r"questions\[0\]\.name: label of 64 bytes exceeds 63"):
        mdns.encode({"questions": [{"name": "a" * 64 + ".local"}]})
    with pytest.raises(ValueError, match="empty label"):
        mdns.encode({"questions": [{"name": "a..local"}]})
    with pytest.raises(ValueError, match=r"answers\[0\]\.txt: string of 256 bytes exceeds 255"):
        mdns.encode({"answers": [{"name": "a", "type": 16, "txt": [b"x" * 256]}]})
    with pytest.raises(ValueError, match=r"additionals\[0\]\.data: 3 bytes for an A record"):
        mdns.encode({"additionals": [{"name": "a", "type": 1, "data": b"abc"}]})
    with pytest.raises(ValueError, match="label of 64 bytes exceeds 63"):
        mdns.peer_response("x" * 64, ADDRS)


def test_discovery_ignores_what_is_not_an_announcement():
    assert mdns.discovered_peers(mdns.peer_query()) == []  # a query, not a response
    other = mdns.encode(
        {
            "flags": 0x8400,
            "answers": [
                {"name": "_http._tcp.local", "type": 12, "target": "x._http._tcp.local"},
                {"name": "_p2p._udp.local", "type": 12, "target": "elsewhere.local"},
                {"name": "_p2p._udp.local", "type": 12, "target": "p._p2p._udp.local", "ttl": 0},
            ],
            "additionals": [
                {
                    "name": "P._p2p._udp.local",
                    "type": 16,
                    "txt": [b"other=1", b"DNSADDR=/a", b"dnsaddr="],
                }
            ],
        }
    )
    # only the libp2p PTR; TXT matched case-insensitively; a goodbye (ttl 0) is reported as such
    assert mdns.discovered_peers(other) == [("p", ["/a"], 0)]


labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)
names = st.lists(labels, min_size=0, max_size=5).map(".".join)
records = st.one_of(
    st.fixed_dictionaries(
        {"name": names, "type": st.just(12), "ttl": st.integers(0, 2**32 - 1), "target": names}
    ),
    st.fixed_dictionaries(
        {"name": names, "type": st.just(16), "txt": st.lists(st.binary(max_size=40), max_size=4)}
    ),
    st.fixed_dictionaries(
        {"name": names, "type": st.just(1), "data": st.binary(min_size=4, max_size=4)}
    ),
    st.fixed_dictionaries(
        {"name": names, "type": st.just(28), "data": st.binary(min_size=16, max_size=16)}
    ),
    st.fixed_dictionaries(
        {
            "name": names,
            "type": st.just(33),
            "priority": st.integers(0, 65535),
            "weight": st.integers(0, 65535),
            "port": st.integers(0, 65535),
            "target": names,
            "cache_flush": st.booleans(),
        }
    ),
)
messages = st.fixed_dictionaries(
    {
        "id": st.integers(0, 65535),
        "flags": st.integers(0, 65535),
        "questions": st.lists(
            st.fixed_dictionaries(
                {"name": names, "type": st.integers(0, 65535), "unicast_response": st.booleans()}
            ),
            max_size=3,
        ),
        "answers": st.lists(records, max_size=4),
        "additionals": st.lists(records, max_size=4),
    }
)


@given(messages)
def test_round_trip(msg):
    assert mdns.decode(mdns.encode(msg)) == filled(msg)


@given(st.binary(max_size=400))
def test_arbitrary_bytes_decode_or_raise_decode_error(data):
    try:
        msg = mdns.decode(data)
    except DecodeError:
        return
    # what decodes is valid DNS: it re-encodes (names uncompressed) to the same message
    assert mdns.decode(mdns.encode(msg)) == msg
