"""Every Noise_XX_25519_ChaChaPoly_SHA256 vector in ../shared/vectors/noise, both sides."""

import json

import pytest
from p2pgossip import DecodeError
from p2pgossip.net import NoiseHandshakeState

PROTOCOL = "Noise_XX_25519_ChaChaPoly_SHA256"
HANDSHAKE_MESSAGES = 3


def xx_vectors(vectors_dir):
    doc = json.loads((vectors_dir / "noise" / "noise_xx_25519_chachapoly_sha256.json").read_text())
    return [v for v in doc["vectors"] if v["protocol_name"] == PROTOCOL]


def test_the_file_has_xx_vectors(vectors_dir):
    assert len(xx_vectors(vectors_dir)) >= 3


@pytest.mark.parametrize("index", range(3))
def test_vector(vectors_dir, index):
    v = xx_vectors(vectors_dir)[index]
    h = bytes.fromhex
    init = NoiseHandshakeState(
        True, h(v["init_static"]), h(v["init_ephemeral"]), h(v["init_prologue"])
    )
    resp = NoiseHandshakeState(
        False, h(v["resp_static"]), h(v["resp_ephemeral"]), h(v["resp_prologue"])
    )
    messages = v["messages"]
    for i, m in enumerate(messages[:HANDSHAKE_MESSAGES]):
        writer, reader = (init, resp) if i % 2 == 0 else (resp, init)
        assert writer.write_message(h(m["payload"])).hex() == m["ciphertext"], (
            f"handshake message {i}"
        )
        assert reader.read_message(h(m["ciphertext"])).hex() == m["payload"]
    assert init.complete and resp.complete
    assert init.handshake_hash == resp.handshake_hash
    if "handshake_hash" in v:
        assert init.handshake_hash.hex() == v["handshake_hash"]
    init_send, init_recv = init.split()
    resp_send, resp_recv = resp.split()
    for i, m in enumerate(messages[HANDSHAKE_MESSAGES:], start=HANDSHAKE_MESSAGES):
        send, recv = (init_send, resp_recv) if i % 2 == 0 else (resp_send, init_recv)
        assert send.encrypt(b"", h(m["payload"])).hex() == m["ciphertext"], f"transport message {i}"
        assert recv.decrypt(b"", h(m["ciphertext"])).hex() == m["payload"]


def test_tampered_handshake_message_fails_and_poisons(vectors_dir):
    v = xx_vectors(vectors_dir)[0]
    h = bytes.fromhex
    init = NoiseHandshakeState(
        True, h(v["init_static"]), h(v["init_ephemeral"]), h(v["init_prologue"])
    )
    resp = NoiseHandshakeState(
        False, h(v["resp_static"]), h(v["resp_ephemeral"]), h(v["resp_prologue"])
    )
    resp.read_message(init.write_message(b""))
    msg = bytearray(resp.write_message(b"payload"))
    msg[40] ^= 1
    with pytest.raises(DecodeError, match="bad tag"):
        init.read_message(bytes(msg))
    with pytest.raises(DecodeError, match="already failed"):
        init.write_message(b"")


def test_out_of_turn_and_truncated_messages_are_errors(vectors_dir):
    v = xx_vectors(vectors_dir)[0]
    h = bytes.fromhex
    init = NoiseHandshakeState(True, h(v["init_static"]), h(v["init_ephemeral"]))
    with pytest.raises(DecodeError, match="not our turn"):
        init.read_message(b"")
    resp = NoiseHandshakeState(False, h(v["resp_static"]))
    with pytest.raises(DecodeError, match="truncated"):
        resp.read_message(b"\x01" * 31)


def test_transport_nonce_exhaustion_is_an_error(vectors_dir):
    v = xx_vectors(vectors_dir)[0]
    h = bytes.fromhex
    init = NoiseHandshakeState(True, h(v["init_static"]))
    resp = NoiseHandshakeState(False, h(v["resp_static"]))
    resp.read_message(init.write_message())
    init.read_message(resp.write_message())
    resp.read_message(init.write_message())
    send, _ = init.split()
    send.nonce = 2**64 - 2
    send.encrypt(b"", b"last")
    with pytest.raises(DecodeError, match="nonce exhausted"):
        send.encrypt(b"", b"one too many")
