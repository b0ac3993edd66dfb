"""What a command prints: human lines, or one JSON object per event (``--json``).

Every event is a dict with ``event`` (its kind) and ``t`` (Unix time); text mode renders
the kinds a person reads and skips the rest (periodic ``stats``). Output is flushed per
event, so a pipe or a supervising ``cluster`` sees each line as it happens.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Any, TextIO

__all__ = ["Reporter", "short_id"]


def short_id(peer_id: str) -> str:
    """The tail of a peer id: every Ed25519 id starts with the same ``12D3KooW``."""
    return "…" + peer_id[-8:] if len(peer_id) > 12 else peer_id


class Reporter:
    def __init__(
        self, *, json_lines: bool, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        self.json_lines = json_lines
        self.quiet = quiet
        self._out = sys.stdout if stream is None else stream

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, "t": round(time.time(), 6), **fields}
        if self.json_lines:
            line = json.dumps(record, separators=(",", ":"))
        else:
            text = self._text(record)
            if text is None:
                return
            line = text
        # `p2pgossip node | head`: the reader left; the node keeps running.
        with contextlib.suppress(BrokenPipeError):
            print(line, file=self._out, flush=True)

    def _text(self, r: dict[str, Any]) -> str | None:
        kind = r["event"]
        if kind == "started":
            lines = [f"peer id  {r['peer_id']}"]
            lines += [f"listen   {a}" for a in r["addrs"]]
            lines.append(f"topics   {', '.join(r['topics'])}")
            if r.get("key_created"):
                lines.append(f"key      {r['key']} (new)")
            if r.get("web_url"):
                lines.append(f"live     {r['web_url']}")
            if r.get("metrics_url"):
                lines.append(f"metrics  {r['metrics_url']}")
            return "\n".join(lines)
        if kind == "summary":
            return _summary_text(r)
        if self.quiet:
            return None
        clock = (
            time.strftime("%H:%M:%S", time.localtime(r["t"])) + f".{int(r['t'] * 1e3) % 1000:03d}"
        )
        if kind == "message":
            latency = f"  {r['latency_ms']:.1f} ms" if r.get("latency_ms") is not None else ""
            text = f"  {r['text']}" if r.get("text") is not None else ""
            return (
                f"{clock}  {r['topic']}  from {short_id(r['origin'] or '?')}"
                f"  via {short_id(r['via'] or '?')}  {r['size']} B{latency}{text}"
            )
        if kind == "published":
            return f"{clock}  {r['topic']}  published #{r['seq']} ({r['size']} B)"
        if kind == "peer_connected":
            return f"{clock}  + peer {r['peer_id']} {r['direction']} {r['addr']}"
        if kind == "peer_disconnected":
            return f"{clock}  - peer {r['peer_id']}"
        if kind == "dial_failed":
            return f"{clock}  dial {r['addr']} failed (attempt {r['attempt']}): {r['error']}"
        return None


def _summary_text(r: dict[str, Any]) -> str:
    drops = r["drops"]
    drop_text = ", ".join(f"{k} {v}" for k, v in sorted(drops.items())) if drops else "none"
    return "\n".join(
        [
            f"closed after {r['uptime_s']:.1f} s",
            f"peers     {r['peers']} connected at the end, {r['peers_seen']} seen",
            f"messages  {r['messages_in']} in, {r['messages_out']} out,"
            f" {r['duplicates']} duplicates",
            f"drops     {drop_text}",
        ]
    )
