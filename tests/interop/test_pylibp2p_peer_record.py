"""Signed peer records across implementations: py-libp2p (the envelope and record code its
identify and gossipsub PX use) accepts ours, we accept theirs, and for one key and one record
both seal the same bytes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from p2pgossip import DecodeError, Identity
from p2pgossip.net import Multiaddr, PeerRecord

SCRIPT = Path(__file__).with_name("pylibp2p_peer_record.py")
SEED = bytes(range(32))
ADDRS = ["/ip4/192.0.2.7/tcp/4001", "/ip6/2001:db8::7/tcp/4002"]
SEQ = 1_700_000_000_123_456_789


def pylibp2p(python: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(python), str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def ours(identity: Identity) -> PeerRecord:
    return PeerRecord(identity.peer_id, SEQ, [Multiaddr.parse(a) for a in ADDRS])


def test_pylibp2p_accepts_our_record(pylibp2p_python: Path) -> None:
    identity = Identity.generate()
    got = pylibp2p(pylibp2p_python, "open", ours(identity).seal(identity).hex())
    assert got == {"peer_id": str(identity.peer_id), "seq": SEQ, "addrs": ADDRS}


def test_we_accept_pylibp2ps_record_and_both_seal_the_same_bytes(pylibp2p_python: Path) -> None:
    theirs = bytes.fromhex(
        pylibp2p(pylibp2p_python, "seal", SEED.hex(), str(SEQ), *ADDRS)["envelope"]
    )
    identity = Identity.from_seed(SEED)
    assert PeerRecord.open(theirs) == ours(identity)
    assert theirs == ours(identity).seal(identity)


def test_pylibp2p_refuses_what_we_refuse(pylibp2p_python: Path) -> None:
    identity = Identity.generate()
    tampered = bytearray(ours(identity).seal(identity))
    tampered[-1] ^= 1
    with pytest.raises(DecodeError, match="does not verify"):
        PeerRecord.open(bytes(tampered))
    assert "signature" in pylibp2p(pylibp2p_python, "open", tampered.hex())["error"]
