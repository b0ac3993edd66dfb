"""p2pgossip.crypto: Ed25519 against RFC 8032, XXH3 against the xxhash package."""

import json

import p2pgossip as pg
import pytest
import xxhash
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import crypto


@pytest.fixture(scope="module")
def rfc8032(vectors_dir):
    doc = json.loads((vectors_dir / "ed25519_rfc8032.json").read_text())
    return [
        {k: bytes.fromhex(v[k]) for k in ("secret_key", "public_key", "message", "signature")}
        for v in doc["vectors"]
    ]


def test_rfc8032_sign_and_verify(rfc8032):
    assert rfc8032
    for v in rfc8032:
        assert crypto.ed25519_sign(v["secret_key"], v["message"]) == v["signature"]
        assert crypto.ed25519_verify(v["public_key"], v["message"], v["signature"])


def test_rfc8032_through_identity(rfc8032):
    for v in rfc8032:
        ident = pg.Identity.from_seed(v["secret_key"])
        assert ident.public_key == v["public_key"]
        assert ident.sign(v["message"]) == v["signature"]
        assert ident.peer_id.public_key == v["public_key"]


def test_rfc8032_rejects_other_message_and_key(rfc8032):
    a, b = rfc8032[0], rfc8032[1]
    assert not crypto.ed25519_verify(a["public_key"], b["message"], a["signature"])
    assert not crypto.ed25519_verify(b["public_key"], a["message"], a["signature"])


@given(pk=st.binary(max_size=80), msg=st.binary(max_size=64), sig=st.binary(max_size=130))
def test_verify_never_raises_on_any_lengths(pk, msg, sig):
    assert crypto.ed25519_verify(pk, msg, sig) in (True, False)


@given(st.binary(max_size=64).filter(lambda s: len(s) != 32))
def test_sign_rejects_wrong_seed_length(seed):
    with pytest.raises(ValueError, match="seed is .* bytes, expected 32"):
        crypto.ed25519_sign(seed, b"m")


seeds = st.one_of(st.just(0), st.integers(min_value=0, max_value=2**64 - 1))


@given(data=st.binary(max_size=2048), seed=seeds)
def test_xxh3_64_matches_xxhash(data, seed):
    assert crypto.xxh3_64(data, seed) == xxhash.xxh3_64_intdigest(data, seed)


@given(data=st.binary(max_size=2048), seed=seeds)
def test_xxh3_128_matches_xxhash(data, seed):
    assert crypto.xxh3_128(data, seed) == xxhash.xxh3_128_intdigest(data, seed)


def test_xxh3_default_seed_is_zero():
    assert crypto.xxh3_128(b"abc") == xxhash.xxh3_128_intdigest(b"abc")
    assert crypto.xxh3_64(b"") == xxhash.xxh3_64_intdigest(b"")


def test_xxh3_rejects_seed_out_of_range():
    with pytest.raises(TypeError):
        crypto.xxh3_64(b"", -1)
    with pytest.raises(TypeError):
        crypto.xxh3_128(b"", 2**64)
