"""``p2pgossip keygen``: write a libp2p private-key file, or show the peer id of one."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from .._core.crypto import Identity
from ._errors import CliError

__all__ = ["add_parser", "load_identity", "load_or_create_identity", "run"]


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "keygen",
        help="write a new private-key file (mode 0600), or --show the peer id of one",
        description="Write a new Ed25519 key as a libp2p PrivateKey file (mode 0600) and "
        "print its peer id; with --show, print the peer id of an existing key file.",
    )
    p.add_argument("path", help="key file")
    p.add_argument("--show", action="store_true", help="print the peer id of an existing key")
    p.add_argument("--force", action="store_true", help="overwrite an existing key file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if args.show:
        print(load_identity(path).peer_id)
        return 0
    if path.exists() and not args.force:
        raise CliError(f"{path} exists; keep it, or pass --force to replace it")
    identity = Identity.generate()
    save_identity(identity, path)
    print(identity.peer_id)
    return 0


def load_identity(path: Path) -> Identity:
    """The identity in ``path``, or a CliError that says what is wrong with the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    try:
        return Identity.from_private_key(data)
    except ValueError as exc:
        raise CliError(f"{path} is not a libp2p Ed25519 private key: {exc}") from None


def save_identity(identity: Identity, path: Path) -> None:
    try:
        identity.save(path)
        os.chmod(path, 0o600)  # a secret: the owner only, whatever the umask
    except OSError as exc:
        raise CliError(f"cannot write key file {path}: {exc.strerror or exc}") from None


def load_or_create_identity(path: Path | None) -> tuple[Identity, bool]:
    """The key in ``path``; a new one saved there when the file is absent (then True);
    a fresh in-memory key without a path."""
    if path is None:
        return Identity.generate(), False
    if not path.exists():
        identity = Identity.generate()
        save_identity(identity, path)
        return identity, True
    return load_identity(path), False
