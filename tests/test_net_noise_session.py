"""The libp2p Noise handshake between two in-memory machines with generated identities."""

import random

import pytest
from _sansio import pump
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import DecodeError, Identity
from p2pgossip.net import NoiseHandshakeState, NoiseSession, noise_decode_payload, noise_peer_id


def seeds(n, seed=7):
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(n)]


def identity_key_of(session_events):
    ((kind, peer_id, key, _muxers),) = session_events
    assert kind == "complete"
    return peer_id, key


def test_handshake_authenticates_both_peer_ids():
    si, sr = seeds(2)
    init = NoiseSession(True, si, stream_muxers=["/yamux/1.0.0"])
    resp = NoiseSession(False, sr)
    ev_i, ev_r = pump(init, resp)
    peer_r, key_r = identity_key_of(ev_i)
    peer_i, key_i = identity_key_of(ev_r)
    assert peer_r == noise_peer_id(key_r) and peer_i == noise_peer_id(key_i)
    assert peer_r[:6] == bytes(
        [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]
    )  # identity multihash of PublicKey
    assert ev_r[0][3] == ["/yamux/1.0.0"]
    assert init.established and resp.established
    assert init.handshake_hash == resp.handshake_hash

    # The dialler can pin the listener's peer id.
    pinned = NoiseSession(True, si, expected_peer_id=peer_r)
    ev, _ = pump(pinned, NoiseSession(False, sr))
    assert ev[0][0] == "complete"


def test_wrong_expected_peer_id_fails_the_dialler():
    si, sr, other = seeds(3)
    wrong = identity_key_of(pump(NoiseSession(True, si), NoiseSession(False, other))[0])[0]
    init = NoiseSession(True, si, expected_peer_id=wrong)
    resp = NoiseSession(False, sr)
    ev_i, ev_r = pump(init, resp)
    assert ev_i == [("failed", "noise: remote peer id does not match the dialled peer id")]
    assert ev_r == [] and not resp.established and init.failed


@pytest.mark.parametrize("forger", ["initiator", "responder"])
def test_forged_static_key_signature_is_rejected(forger):
    si, sr = seeds(2)
    bad = lambda msg: bytes(64)  # noqa: E731
    init = NoiseSession(True, si, sign=bad if forger == "initiator" else None)
    resp = NoiseSession(False, sr, sign=bad if forger == "responder" else None)
    ev_i, ev_r = pump(init, resp)
    victim = ev_r if forger == "initiator" else ev_i
    assert victim == [
        ("failed", "noise payload identity_sig: signature does not cover the static key")
    ]


def test_transport_round_trip_and_framing():
    si, sr = seeds(2)
    init, resp = NoiseSession(True, si), NoiseSession(False, sr)
    pump(init, resp)
    for size in (0, 1, 65519, 65520, 200_000):
        data = random.Random(size).randbytes(size)
        wire = init.send(data)
        frames = max(1, -(-size // 65519))
        assert len(wire) == size + frames * (2 + 16)
        out, ev = resp.feed(wire)
        assert ev == [] and out == b""
        assert resp.take_plaintext() == data
    back = resp.send(b"pong")
    init.feed(back[:3])
    assert init.take_plaintext() == b""
    init.feed(back[3:])
    assert init.take_plaintext() == b"pong"


def test_send_before_handshake_is_an_error():
    init = NoiseSession(True, seeds(1)[0])
    with pytest.raises(DecodeError, match="before the handshake"):
        init.send(b"x")


def test_tampered_transport_frame_fails_the_session():
    si, sr = seeds(2)
    init, resp = NoiseSession(True, si), NoiseSession(False, sr)
    pump(init, resp)
    wire = bytearray(init.send(b"hello"))
    wire[5] ^= 0x80
    _, ev = resp.feed(bytes(wire))
    assert ev == [("failed", "noise: decryption failed (bad tag)")]
    assert resp.failed
    assert resp.feed(init.send(b"more")) == (b"", [])


def test_first_message_is_a_framed_ephemeral_key_without_payload():
    assert NoiseSession(True, seeds(1)[0]).take_output()[:2] == b"\x00\x20"


def test_payload_decoder_reads_extensions_and_bounds_them():
    with_muxer = noise_decode_payload(b"\x0a\x00\x12\x00\x22\x05\x12\x03abc")
    assert with_muxer == (b"", b"", ([], ["abc"], b""))
    assert noise_decode_payload(b"\x0a\x01x\x2a\x01y") == (
        b"x",
        b"",
        None,
    )  # unknown field 5 skipped
    with pytest.raises(DecodeError, match="NoiseHandshakePayload"):
        noise_decode_payload(b"\x0a\x05ab")
    with pytest.raises(DecodeError, match="more than 16 entries"):
        noise_decode_payload(b"\x22\x22" + b"\x12\x00" * 17)


@given(st.binary(max_size=400), st.booleans())
def test_garbage_handshake_input_gives_an_error_not_a_crash(data, initiator):
    si, sr = seeds(2)
    s = NoiseSession(initiator, si, ephemeral_key=sr)
    s.take_output()
    _, ev = s.feed(data)
    assert all(e[0] == "failed" for e in ev)
    assert not s.established


@given(st.integers(0, 200), st.integers(0, 7))
def test_truncated_or_flipped_second_message_fails_the_initiator(cut, bit):
    si, sr = seeds(2)
    init, resp = NoiseSession(True, si), NoiseSession(False, sr)
    msg2, _ = resp.feed(init.take_output())
    body = bytearray(msg2[2:])
    if cut < len(body):
        body[cut] ^= 1 << bit
        framed = len(body).to_bytes(2, "big") + bytes(body)
    else:
        body = body[: len(body) - 1]
        framed = len(body).to_bytes(2, "big") + bytes(body)
    _, ev = init.feed(framed)
    assert len(ev) == 1 and ev[0][0] == "failed"


def test_sessions_take_a_crypto_identity():
    a, b = Identity.from_seed(seeds(2)[0]), Identity.generate()
    init = NoiseSession(True, a, expected_peer_id=b.peer_id.to_bytes())
    resp = NoiseSession(False, b)
    ev_i, ev_r = pump(init, resp)
    assert identity_key_of(ev_i) == (b.peer_id.to_bytes(), b.public_key)
    assert identity_key_of(ev_r) == (a.peer_id.to_bytes(), a.public_key)
    with pytest.raises(ValueError, match="needs a seed"):
        NoiseSession(True, a, sign=lambda m: bytes(64))
    with pytest.raises(TypeError, match="Identity or a 32-byte seed"):
        NoiseSession(True, "not a key")


def test_non_ed25519_remote_identity_is_refused_by_name():
    si, sr = seeds(2)
    init = NoiseSession(True, si)
    resp = NoiseHandshakeState(False, sr)
    resp.read_message(init.take_output()[2:])
    # PublicKey{Type = Secp256k1 (2), Data = 33 bytes}, any signature
    key = b"\x08\x02\x12\x21" + bytes(33)
    payload = b"\x0a" + bytes([len(key)]) + key + b"\x12\x40" + bytes(64)
    msg = resp.write_message(payload)
    _, ev = init.feed(len(msg).to_bytes(2, "big") + msg)
    assert ev == [
        (
            "failed",
            "noise payload identity_key: key type 2 (Secp256k1) is not supported, only Ed25519 (1)",
        )
    ]
