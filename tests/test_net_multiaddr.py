import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity, PeerId
from p2pgossip.net import Multiaddr

PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"


@pytest.mark.parametrize(
    "text",
    [
        "/ip4/127.0.0.1/tcp/4001",
        "/ip4/0.0.0.0/tcp/0",
        "/ip6/::1/tcp/65535",
        "/ip6/2001:db8::8a2e:370:7334/tcp/1",
        "/dns4/example.com/tcp/443",
        "/dns6/a-b.example_srv.org/tcp/1",
        "/dns/localhost",
        f"/ip4/203.0.113.5/tcp/4001/p2p/{PEER}",
        f"/p2p/{PEER}",
    ],
)
def test_text_round_trip(text):
    assert Multiaddr.parse(text).to_string() == text
    assert str(Multiaddr.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("ip4/1.2.3.4", "start with '/'"),
        ("/ip4/256.0.0.1", "/ip4: invalid IPv4"),
        ("/ip4/1.2.3", "/ip4: invalid IPv4"),
        ("/ip4/01.2.3.4", "/ip4: invalid IPv4"),
        ("/ip6/::g", "/ip6: invalid IPv6"),
        ("/ip4/1.2.3.4/tcp/65536", "/tcp: port > 65535"),
        ("/ip4/1.2.3.4/tcp/99999999999999999999", "/tcp: port > 65535"),
        ("/ip4/1.2.3.4/tcp/80x", "/tcp: port is not a decimal"),
        ("/ip4/1.2.3.4/tcp/080", "leading zero"),
        ("/ip4/1.2.3.4/tcp/-1", "/tcp: port is not a decimal"),
        ("/ip4/1.2.3.4/udp/53", "unknown protocol 'udp'"),
        ("/ip4/1.2.3.4/tcp", "/tcp: missing value"),
        ("/ip4/1.2.3.4/tcp/1/", "trailing '/'"),
        ("/ip4/1.2.3.4//tcp/1", "empty component"),
        ("/dns4/exa mple.com", "/dns4: invalid character"),
        ("/dns4/-a.com", "starts or ends with '-'"),
        ("/dns/a..b", "empty label"),
        ("/p2p/0OIl", "/p2p: peer id is not base58btc"),
        ("/p2p/" + "1" * 65, "/p2p: peer id text longer"),
        ("/ip4/1.2.3.4\x00junk", "NUL byte"),
    ],
)
def test_text_rejections_name_the_rule(text, reason):
    with pytest.raises(DecodeError, match=None) as e:
        Multiaddr.parse(text)
    assert reason in str(e.value)


def test_binary_form_of_ip_tcp():
    ma = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")
    assert ma.to_bytes() == bytes([0x04, 127, 0, 0, 1, 0x06, 0x0F, 0xA1])
    assert Multiaddr.from_bytes(ma.to_bytes()) == ma
    dns = Multiaddr.parse("/dns4/example.com/tcp/443")
    assert dns.to_bytes() == b"\x36\x0bexample.com\x06\x01\xbb"
    assert Multiaddr.from_bytes(dns.to_bytes()).to_string() == "/dns4/example.com/tcp/443"


def test_binary_p2p_accepts_a_peer_id_multihash():
    identity = PeerId.parse(PEER).to_bytes()
    sha256 = bytes([0x12, 0x20]) + bytes(range(32))
    for mh in (identity, sha256):
        data = bytes([0xA5, 0x03, len(mh)]) + mh
        ma = Multiaddr.from_bytes(data)
        assert ma.components == [("p2p", mh)]
        assert ma.to_bytes() == data
        assert ma.peer_id == PeerId.from_bytes(mh)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x04\x7f\x00", "/ip4: value truncated"),
        (b"\x06\x01", "/tcp: value truncated"),
        (b"\x11\x00\x35", "unknown protocol code 17"),
        (b"\x36\x05ab", "/dns4: value truncated"),
        (b"\x36\x03a b", "/dns4: invalid character"),
        (b"\xa5\x03\x03\x13\x01\x00", "/p2p: peer id: unsupported multihash code 19"),
        (b"\xa5\x03\x03\x12\x01\x00", "sha2-256 multihash digest is 1 bytes"),
        (b"\xa5\x03\x03\x00\x05\x00", "multihash length 5 but 1 digest bytes follow"),
        (b"\xa5\x03\x03\x00\x01\x07", "/p2p: peer id:"),
        (b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", "bad protocol code varint"),
        (b"\x86\x00\x00\x50", "bad protocol code varint"),  # found by fuzz_multiaddr
        (b"\x36\x81\x00", "/dns4: bad length varint"),
    ],
)
def test_binary_rejections(data, reason):
    with pytest.raises(DecodeError) as e:
        Multiaddr.from_bytes(data)
    assert reason in str(e.value)


def test_p2p_converts_between_text_and_binary_forms():
    text = f"/ip4/203.0.113.5/tcp/4001/p2p/{PEER}"
    ma = Multiaddr.parse(text)
    binary = ma.to_bytes()
    assert binary.endswith(PeerId.parse(PEER).to_bytes())
    assert Multiaddr.from_bytes(binary) == ma
    assert Multiaddr.from_bytes(binary).to_string() == text
    assert ma.peer_id == PeerId.parse(PEER)
    assert ma.without_peer_id().to_string() == "/ip4/203.0.113.5/tcp/4001"
    assert ma.without_peer_id().peer_id is None
    assert ma.without_peer_id().with_peer_id(PeerId.parse(PEER)) == ma


def test_p2p_text_must_be_a_valid_peer_id():
    # base58 alphabet, but not a peer id multihash
    with pytest.raises(DecodeError, match="/p2p: peer id:"):
        Multiaddr.parse("/p2p/QmQm")


addresses = st.one_of(
    st.ip_addresses(v=4).map(lambda a: f"/ip4/{a}"),
    st.ip_addresses(v=6).map(lambda a: f"/ip6/{ipaddress.IPv6Address(a).compressed}"),
    st.from_regex(r"/dns[46]?/[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,3}", fullmatch=True),
)
ports = st.integers(0, 65535).map(lambda p: f"/tcp/{p}")


@given(addresses, st.none() | ports)
def test_generated_addresses_round_trip_in_both_forms(addr, port):
    text = addr + (port or "")
    ma = Multiaddr.parse(text)
    assert Multiaddr.from_bytes(ma.to_bytes()) == ma
    again = Multiaddr.parse(ma.to_string())
    assert again == ma


@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_decode_error(text):
    try:
        ma = Multiaddr.parse(text)
    except DecodeError:
        return
    assert Multiaddr.parse(ma.to_string()) == ma


@given(st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_raise_decode_error(data):
    try:
        ma = Multiaddr.from_bytes(data)
    except DecodeError:
        return
    assert ma.to_bytes() == data


@given(st.binary(min_size=32, max_size=32), addresses, ports)
def test_generated_peer_ids_round_trip_in_both_forms(seed, addr, port):
    peer = Identity.from_seed(seed).peer_id
    ma = Multiaddr.parse(f"{addr}{port}/p2p/{peer}")
    assert Multiaddr.from_bytes(ma.to_bytes()) == ma
    assert Multiaddr.parse(ma.to_string()) == ma
    assert ma.peer_id == peer
