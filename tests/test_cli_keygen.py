"""`p2pgossip keygen`: a libp2p key file, mode 0600, and --show."""

from __future__ import annotations

import stat
from pathlib import Path

import p2pgossip as pg
from cli_harness import run


def test_keygen_writes_a_private_key_file_and_show_prints_its_peer_id(tmp_path: Path) -> None:
    key = tmp_path / "node.key"
    made = run("keygen", str(key))
    assert made.returncode == 0, made.stderr
    peer_id = made.stdout.strip()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert str(pg.Identity.load(key).peer_id) == peer_id  # the libp2p PrivateKey format
    shown = run("keygen", "--show", str(key))
    assert (shown.returncode, shown.stdout.strip()) == (0, peer_id)


def test_keygen_keeps_an_existing_key_unless_forced(tmp_path: Path) -> None:
    key = tmp_path / "node.key"
    pg.Identity.generate().save(key)
    before = key.read_bytes()
    again = run("keygen", str(key))
    assert again.returncode == 1
    assert again.stderr.strip().endswith("exists; keep it, or pass --force to replace it")
    assert key.read_bytes() == before
    forced = run("keygen", "--force", str(key))
    assert forced.returncode == 0 and key.read_bytes() != before
