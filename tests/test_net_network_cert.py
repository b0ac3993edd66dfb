"""Private networks: certificates issued by a network key, checked in the Noise handshake."""

import pytest
from _sansio import pump, varint
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip.net import (
    NoiseSession,
    decode_certificate,
    issue_certificate,
    noise_decode_payload,
    verify_certificate,
)

NOW = 1_700_000_000


def ids(n, base=0):
    return [Identity.from_seed(bytes([base + i]) * 32) for i in range(n)]


def test_issue_and_verify():
    network, peer = ids(2)
    cert = issue_certificate(network, peer.public_key, expiry=NOW + 3600)
    verify_certificate(network.public_key, peer.public_key, cert, now=NOW)
    fields = decode_certificate(cert)
    assert fields["peer_public_key"] == peer.public_key and fields["expiry"] == NOW + 3600
    forever = issue_certificate(network, peer.public_key)
    assert decode_certificate(forever)["expiry"] is None
    verify_certificate(network.public_key, peer.public_key, forever, now=2**63)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong network", "network certificate: bad signature (wrong network key or tampered)"),
        ("other peer", "network certificate: for another peer"),
        ("expired", "network certificate: expired"),
        ("missing", "network certificate: missing"),
        ("tampered expiry", "network certificate: bad signature"),
        ("truncated", "network certificate: malformed"),
    ],
)
def test_rejections_have_fixed_reasons(case, reason):
    network, peer, other = ids(3)
    cert = issue_certificate(network, peer.public_key, expiry=NOW + 10)
    net_key, peer_key, now = network.public_key, peer.public_key, NOW
    if case == "wrong network":
        net_key = other.public_key
    elif case == "other peer":
        peer_key = other.public_key
    elif case == "expired":
        now = NOW + 10
    elif case == "missing":
        cert = b""
    elif case == "tampered expiry":
        cert = issue_certificate(network, peer.public_key, expiry=NOW + 10)
        fields = decode_certificate(cert)
        # same signature, later expiry: re-encode by hand (field 2 varint)
        cert = cert.replace(bytes([0x10]) + varint(NOW + 10), bytes([0x10]) + varint(NOW + 99))
        assert decode_certificate(cert)["signature"] == fields["signature"]
    elif case == "truncated":
        cert = cert[:-1]
    with pytest.raises(DecodeError) as e:
        verify_certificate(net_key, peer_key, cert, now=now)
    assert str(e.value).startswith(reason)


def test_signature_is_domain_separated():
    # A signature by the network key over other bytes is not a certificate.
    network, peer = ids(2)
    cert = bytearray(issue_certificate(network, peer.public_key))
    cert[-64:] = network.sign(peer.public_key)
    with pytest.raises(DecodeError, match="bad signature"):
        verify_certificate(network.public_key, peer.public_key, bytes(cert), now=NOW)


@given(st.binary(max_size=200))
def test_arbitrary_certificates_are_refused_cleanly(data):
    network, peer = ids(2)
    with pytest.raises(DecodeError, match="network certificate"):
        verify_certificate(network.public_key, peer.public_key, data, now=NOW)


def session(initiator, identity, network=None, cert=b"", now=NOW):
    return NoiseSession(
        initiator,
        identity,
        network_key=network.public_key if network else None,
        network_certificate=cert,
        now_unix_s=now,
    )


def test_handshake_between_certified_members():
    network, a, b = ids(3)
    ca = issue_certificate(network, a.public_key, expiry=NOW + 60)
    cb = issue_certificate(network, b.public_key)
    ev_a, ev_b = pump(session(True, a, network, ca), session(False, b, network, cb))
    assert [e[0] for e in ev_a] == ["complete"] and [e[0] for e in ev_b] == ["complete"]


def test_certificate_travels_in_noise_extension_field_1024():
    network, a = ids(2)
    cert = issue_certificate(network, a.public_key)
    payload = b"\x22" + bytes([len(cert) + 3]) + b"\x82\x40" + bytes([len(cert)]) + cert
    assert noise_decode_payload(payload) == (b"", b"", ([], [], cert))


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("no certificate", "network certificate: missing"),
        ("other network", "network certificate: bad signature"),
        ("expired", "network certificate: expired"),
        ("certificate of another peer", "network certificate: for another peer"),
    ],
)
@pytest.mark.parametrize("outsider", ["initiator", "responder"])
def test_handshake_refuses_outsiders(who, reason, outsider):
    network, other_network, a, b = ids(4)
    member_cert = issue_certificate(network, a.public_key)
    bad = {
        "no certificate": b"",
        "other network": issue_certificate(other_network, b.public_key),
        "expired": issue_certificate(network, b.public_key, expiry=NOW),
        "certificate of another peer": member_cert,
    }[who]
    if outsider == "initiator":
        init, resp = session(True, b, network, bad), session(False, a, network, member_cert)
        victim_events = pump(init, resp)[1]
    else:
        init, resp = session(True, a, network, member_cert), session(False, b, network, bad)
        victim_events = pump(init, resp)[0]
    ((kind, why),) = victim_events
    assert kind == "failed" and why.startswith(reason)


def test_nodes_without_a_network_key_ignore_certificates():
    network, a, b = ids(3)
    cert = issue_certificate(network, a.public_key)
    ev_a, ev_b = pump(session(True, a, cert=cert), session(False, b))
    assert ev_a[0][0] == "complete" and ev_b[0][0] == "complete"
