"""Signed peer records as py-libp2p makes and reads them; run in py-libp2p's own venv.

pylibp2p_peer_record.py open <envelope hex>
    consume_envelope(envelope, "libp2p-peer-record") as py-libp2p's identify and gossipsub
    PX do; prints {"peer_id", "seq", "addrs"} or {"error"}.
pylibp2p_peer_record.py seal <seed hex> <seq> <multiaddr>...
    a PeerRecord of the Ed25519 key from the seed, sealed by it; prints {"envelope"}.
"""

from __future__ import annotations

import json
import sys

from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.envelope import consume_envelope, seal_record
from libp2p.peer.id import ID
from libp2p.peer.peer_record import PeerRecord
from multiaddr import Multiaddr


def open_record(envelope_hex: str) -> dict:
    try:
        _, record = consume_envelope(bytes.fromhex(envelope_hex), "libp2p-peer-record")
    except Exception as e:  # py-libp2p raises several types; the test reads the text
        return {"error": f"{type(e).__name__}: {e}"}
    return {
        "peer_id": record.peer_id.to_base58(),
        "seq": record.seq,
        "addrs": [str(a) for a in record.addrs],
    }


def seal(seed_hex: str, seq: str, addrs: list[str]) -> dict:
    keys = create_new_key_pair(bytes.fromhex(seed_hex))
    record = PeerRecord(ID.from_pubkey(keys.public_key), [Multiaddr(a) for a in addrs], int(seq))
    return {"envelope": seal_record(record, keys.private_key).marshal_envelope().hex()}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = open_record(*args) if command == "open" else seal(args[0], args[1], args[2:])
    print(json.dumps(result))
