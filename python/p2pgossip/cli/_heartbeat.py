"""The periodic message ``node --period`` publishes, and how a receiver reads it.

A heartbeat is a small JSON object: the sender's counter ``n``, its peer id, the text
(``--message``) and the Unix time ``t`` of publishing, so a receiver measures
publish-to-deliver latency (meaningful between nodes that share a clock, as a local
cluster does). Any other payload is shown as text when it is printable UTF-8.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

__all__ = ["Decoded", "decode", "encode"]


def encode(n: int, peer_id: str, text: str) -> bytes:
    body = {"n": n, "from": peer_id, "text": text, "t": round(time.time(), 6)}
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Decoded:
    text: str | None  # None: not printable
    seq: int | None = None  # a heartbeat's counter
    latency_ms: float | None = None


def decode(data: bytes, received_at: float | None = None) -> Decoded:
    """What a received payload says; ``received_at`` (Unix time) defaults to now."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Decoded(None)
    if not text.isprintable():
        return Decoded(None)
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if (
            isinstance(body, dict)
            and isinstance(body.get("n"), int)
            and isinstance(body.get("t"), (int, float))
        ):
            now = time.time() if received_at is None else received_at
            return Decoded(str(body.get("text", "")), body["n"], max(0.0, (now - body["t"]) * 1e3))
    return Decoded(text)
