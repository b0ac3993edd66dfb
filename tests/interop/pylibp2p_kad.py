"""The kad-dht protobuf and distance order as py-libp2p has them; run in py-libp2p's own venv.

pylibp2p_kad.py encode <json>
    json: a list of messages (our dict form, bytes as hex); prints the hex of each message as
    py-libp2p's kademlia_pb2 serializes it.
pylibp2p_kad.py decode <json>
    json: a list of hex messages; prints each as py-libp2p parses it (our dict form, bytes as
    hex), or {"error"}.
pylibp2p_kad.py sort <target hex> <peer id hex>...
    the peer ids in py-libp2p's sort_peer_ids_by_distance order; prints their hex.
"""

from __future__ import annotations

import json
import sys

from libp2p.kad_dht.pb.kademlia_pb2 import Message, Record
from libp2p.kad_dht.utils import sort_peer_ids_by_distance
from libp2p.peer.id import ID


def peer_to_pb(p: dict, out: Message.Peer) -> None:
    out.id = bytes.fromhex(p["id"])
    out.addrs.extend(bytes.fromhex(a) for a in p.get("addrs", []))
    out.connection = Message.ConnectionType.Value(p.get("connection", "NOT_CONNECTED"))


def encode(msg: dict) -> str:
    m = Message()
    m.type = Message.MessageType.Value(msg.get("type", "PUT_VALUE"))
    m.key = bytes.fromhex(msg.get("key", ""))
    if msg.get("record") is not None:
        r = msg["record"]
        m.record.CopyFrom(
            Record(
                key=bytes.fromhex(r.get("key", "")),
                value=bytes.fromhex(r.get("value", "")),
                timeReceived=r.get("time_received", ""),
            )
        )
    for p in msg.get("closer_peers", []):
        peer_to_pb(p, m.closerPeers.add())
    for p in msg.get("provider_peers", []):
        peer_to_pb(p, m.providerPeers.add())
    return m.SerializeToString().hex()


def peer_to_dict(p: Message.Peer) -> dict:
    return {
        "id": p.id.hex(),
        "addrs": [a.hex() for a in p.addrs],
        "connection": Message.ConnectionType.Name(p.connection),
    }


def decode(data_hex: str) -> dict:
    m = Message()
    try:
        m.ParseFromString(bytes.fromhex(data_hex))
    except Exception as e:  # protobuf's DecodeError; the test reads the text
        return {"error": f"{type(e).__name__}: {e}"}
    record = None
    if m.HasField("record"):
        record = {
            "key": m.record.key.hex(),
            "value": m.record.value.hex(),
            "time_received": m.record.timeReceived,
        }
    return {
        "type": Message.MessageType.Name(m.type),
        "key": m.key.hex(),
        "record": record,
        "closer_peers": [peer_to_dict(p) for p in m.closerPeers],
        "provider_peers": [peer_to_dict(p) for p in m.providerPeers],
    }


def sort(target_hex: str, ids: list[str]) -> list[str]:
    peers = [ID(bytes.fromhex(i)) for i in ids]
    return [p.to_bytes().hex() for p in sort_peer_ids_by_distance(bytes.fromhex(target_hex), peers)]


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "encode":
        print(json.dumps([encode(m) for m in json.loads(args[0])]))
    elif command == "decode":
        print(json.dumps([decode(h) for h in json.loads(args[0])]))
    else:
        print(json.dumps(sort(args[0], args[1:])))
