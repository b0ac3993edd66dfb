"""The /ipfs/kad/1.0.0 Message across implementations: for the same messages, py-libp2p's
kademlia_pb2 and our codec write the same bytes, and each reads what the other wrote; the
two order peers by XOR distance alike."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from p2pgossip import Identity
from p2pgossip._core import kad
from p2pgossip.net import Multiaddr

SCRIPT = Path(__file__).with_name("pylibp2p_kad.py")


def pylibp2p(python: Path, *args: str) -> Any:
    done = subprocess.run(
        [str(python), str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def peer_id(i: int) -> bytes:
    return Identity.from_seed(bytes([i]) * 32).peer_id.to_bytes()


def addr(i: int) -> bytes:
    return Multiaddr.parse(f"/ip4/10.0.0.{i}/tcp/4001").to_bytes()


def messages() -> list[dict[str, Any]]:
    peers = [
        {"id": peer_id(i), "addrs": [addr(i)] * (i % 3), "connection": c}
        for i, c in enumerate(["NOT_CONNECTED", "CONNECTED", "CAN_CONNECT", "CANNOT_CONNECT"])
    ]
    return [
        {"type": "FIND_NODE", "key": peer_id(9)},
        {"type": "FIND_NODE", "key": peer_id(9), "closer_peers": peers},
        {"type": "PUT_VALUE", "key": b"/v/k", "record": {"key": b"/v/k", "value": b"v" * 300}},
        {
            "type": "GET_VALUE",
            "key": b"/v/k",
            "record": {"key": b"/v/k", "value": b"x", "time_received": "2026-12-04T07:00:00Z"},
            "closer_peers": peers[:2],
        },
        {"type": "ADD_PROVIDER", "key": b"\x12\x20" + bytes(32), "provider_peers": peers[1:2]},
        {"type": "GET_PROVIDERS", "key": b"\x12\x20" + bytes(32), "provider_peers": peers},
        {"type": "PING"},
        {"type": "PUT_VALUE", "record": {}},
        {},
    ]


def to_hex(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dict):
        return {k: to_hex(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_hex(x) for x in v]
    return v


def test_same_bytes_as_pylibp2p(pylibp2p_python: Path) -> None:
    msgs = messages()
    theirs = pylibp2p(pylibp2p_python, "encode", json.dumps(to_hex(msgs)))
    assert theirs == [kad.encode(m).hex() for m in msgs]
    # and we read what they wrote
    assert [to_hex(kad.decode(bytes.fromhex(h))) for h in theirs] == [
        to_hex(kad.decode(kad.encode(m))) for m in msgs
    ]


def test_pylibp2p_reads_what_we_write(pylibp2p_python: Path) -> None:
    msgs = messages()
    ours = [kad.encode(m).hex() for m in msgs]
    assert pylibp2p(pylibp2p_python, "decode", json.dumps(ours)) == [
        to_hex(kad.decode(bytes.fromhex(h))) for h in ours
    ]


def test_same_distance_order_as_pylibp2p(pylibp2p_python: Path) -> None:
    ids = [peer_id(i) for i in range(1, 60)]
    target = peer_id(100)
    theirs = pylibp2p(pylibp2p_python, "sort", target.hex(), *(i.hex() for i in ids))
    table = kad.RoutingTable(b"local", k=len(ids))
    for i in ids:
        table.update(i)
    assert table.closest(kad.key(target), len(ids)) == [bytes.fromhex(h) for h in theirs]
