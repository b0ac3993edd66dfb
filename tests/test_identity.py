"""Identity (key files, seeds) and PeerId (libp2p peer ids)."""

import contextlib
import os
import pickle
import stat

import p2pgossip as pg
import pytest
from hypothesis import given
from hypothesis import strategies as st

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(b: bytes) -> str:
    """An independent base58btc encoder (big-integer form) to check PeerId against."""
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out


def private_key_file(key_type: int, data: bytes) -> bytes:
    """libp2p PrivateKey protobuf {Type = 1 (varint), Data = 2 (bytes)}."""
    assert key_type < 128 and len(data) < 128
    return bytes([0x08, key_type, 0x12, len(data)]) + data


SEED = bytes(range(32))


@pytest.fixture
def ident():
    return pg.Identity.from_seed(SEED)


def identity_multihash(pk: bytes) -> bytes:
    return b"\x00\x24\x08\x01\x12\x20" + pk


# --- Identity ---------------------------------------------------------------------------


def test_generate_gives_distinct_identities():
    a, b = pg.Identity.generate(), pg.Identity.generate()
    assert a.public_key != b.public_key
    assert len(a.public_key) == 32
    assert str(a.peer_id).startswith("12D3KooW")


def test_from_seed_is_deterministic(ident):
    assert pg.Identity.from_seed(SEED).public_key == ident.public_key


@given(st.binary(max_size=80).filter(lambda s: len(s) != 32))
def test_from_seed_rejects_wrong_length(seed):
    with pytest.raises(pg.InvalidKeyError, match="expected 32"):
        pg.Identity.from_seed(seed)


def test_repr_shows_peer_id_not_secret(ident):
    r = repr(ident)
    assert str(ident.peer_id) in r
    assert SEED.hex() not in r and SEED.hex()[:16] not in r


def test_identity_is_not_picklable(ident):
    with pytest.raises(TypeError):
        pickle.dumps(ident)


def test_save_load_round_trip(tmp_path, ident):
    path = tmp_path / "key"
    ident.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes() == private_key_file(1, SEED + ident.public_key)
    loaded = pg.Identity.load(path)
    assert loaded.peer_id == ident.peer_id
    assert loaded.sign(b"x") == ident.sign(b"x")
    assert pg.Identity.load(str(path)).peer_id == ident.peer_id


def test_save_replaces_existing_file_and_leaves_no_temporary(tmp_path, ident):
    path = tmp_path / "key"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    ident.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pg.Identity.load(path).peer_id == ident.peer_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


def test_save_into_missing_directory_is_os_error(tmp_path, ident):
    with pytest.raises(OSError):
        ident.save(tmp_path / "no" / "key")


def test_load_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        pg.Identity.load(tmp_path / "absent")


def test_load_accepts_legacy_96_byte_key_with_equal_halves(tmp_path, ident):
    path = tmp_path / "key"
    path.write_bytes(private_key_file(1, SEED + ident.public_key * 2))
    assert pg.Identity.load(path).peer_id == ident.peer_id


def bad_key_files():
    pub = pg.Identity.from_seed(SEED).public_key
    other = pg.Identity.from_seed(bytes(32)).public_key
    return {
        "not Ed25519": private_key_file(2, SEED + pub),
        "expected 64": private_key_file(1, SEED),
        "two public key copies differ": private_key_file(1, SEED + pub + other),
        "does not match the seed": private_key_file(1, SEED + other),
        "Data: missing": bytes([0x08, 0x01]),
        "Type: missing": bytes([0x12, 0x40]) + SEED + pub,
        "past the end": private_key_file(1, SEED + pub)[:-1],
        "larger than": b"\0" * 5000,
    }


@pytest.mark.parametrize("reason", list(bad_key_files()))
def test_load_rejects_bad_key_file(tmp_path, reason):
    path = tmp_path / "key"
    path.write_bytes(bad_key_files()[reason])
    with pytest.raises(pg.InvalidKeyError, match=reason) as e:
        pg.Identity.load(path)
    assert isinstance(e.value, ValueError)
    assert str(path) in str(e.value)


def test_from_private_key_matches_file_format(ident):
    encoded = private_key_file(1, SEED + ident.public_key)
    assert pg.Identity.from_private_key(encoded).peer_id == ident.peer_id


@given(st.binary(max_size=200))
def test_from_private_key_never_crashes(data):
    with contextlib.suppress(pg.InvalidKeyError):
        pg.Identity.from_private_key(data)


# --- PeerId -----------------------------------------------------------------------------


def test_peer_id_is_identity_multihash_of_public_key(ident):
    pid = ident.peer_id
    assert pid.to_bytes() == identity_multihash(ident.public_key)
    assert str(pid) == b58encode(pid.to_bytes())
    assert pid.public_key == ident.public_key
    assert pg.PeerId.from_public_key(ident.public_key) == pid


def test_peer_id_round_trips(ident):
    pid = ident.peer_id
    assert pg.PeerId.parse(str(pid)) == pid
    assert pg.PeerId.from_bytes(pid.to_bytes()) == pid
    assert repr(pid) == f"PeerId('{pid}')"
    assert pickle.loads(pickle.dumps(pid)) == pid


def test_sha256_peer_id_has_no_public_key():
    pid = pg.PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")
    assert pid.public_key is None
    assert pid.to_bytes()[:2] == b"\x12\x20"
    assert str(pid) == "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"


def test_peer_ids_hash_and_order_like_their_bytes():
    ids = [pg.Identity.from_seed(bytes([i]) * 32).peer_id for i in range(8)]
    assert sorted(ids) == sorted(ids, key=lambda p: p.to_bytes())
    assert len({*ids, *ids}) == 8
    a, b = sorted(ids)[:2]
    assert a < b and a <= b and b > a and a != b and (a == b) is False


def bad_peer_ids():
    pk = bytes(range(32))
    secp = b"\x08\x02\x12\x21" + b"\x02" * 33
    return {
        "empty": "",
        "invalid character": "12D3KooW0",
        "invalid character ": "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5I",
        "unsupported multihash code": b58encode(b"\x13\x20" + bytes(32)),
        "expected 32": b58encode(b"\x12\x1f" + bytes(31)),
        "digest bytes follow": b58encode(identity_multihash(pk) + b"\0"),
        "digest bytes follow ": b58encode(identity_multihash(pk)[:-1]),
        "not Ed25519": b58encode(b"\x00" + bytes([len(secp)]) + secp),
        "Ed25519 public key is 31": b58encode(b"\x00\x23\x08\x01\x12\x1f" + pk[:31]),
        "canonical": b58encode(b"\x00\x24" + b"\x12\x20" + pk + b"\x08\x01"),
        "minimally encoded": b58encode(b"\x80\x00\x24\x08\x01\x12\x20" + pk),
        "inline limit": b58encode(b"\x00\x2b" + bytes(43)),
        "exceeds the limit": "1" * 200,
    }


@pytest.mark.parametrize("reason", list(bad_peer_ids()))
def test_parse_rejects(reason):
    with pytest.raises(pg.DecodeError, match=reason.strip()):
        pg.PeerId.parse(bad_peer_ids()[reason])


@given(st.text(max_size=80))
def test_parse_arbitrary_text_never_crashes(text):
    try:
        pid = pg.PeerId.parse(text)
    except ValueError:
        return
    assert pg.PeerId.parse(str(pid)) == pid


@given(st.binary(max_size=80))
def test_from_bytes_arbitrary_never_crashes(data):
    try:
        pid = pg.PeerId.from_bytes(data)
    except ValueError:
        return
    assert pid.to_bytes() == data
