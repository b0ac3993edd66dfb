"""Drives the low-level _core.runtime.Runtime from tests: waits on its eventfd with select() and a
deadline (never a fixed sleep), keeps every drained event, and answers questions about them."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from typing import Any

from _sansio import varint
from p2pgossip import _core

LOOPBACK4 = "/ip4/127.0.0.1/tcp/0"
TIMEOUT_S = 30.0


class Harness:
    def __init__(self, rt: _core.runtime.Runtime) -> None:
        self.rt = rt
        self.events: list[tuple[Any, ...]] = []
        self.done: dict[int, str | None] = {}
        self.listening: dict[int, list[str]] = {}

    def pump(self, timeout: float) -> None:
        """Waits up to `timeout` for the eventfd, then takes every queued event."""
        select.select([self.rt.fd], [], [], timeout)
        for ev in self.rt.drain():
            self.events.append(ev)
            if ev[0] == "done":
                self.done[ev[1]] = ev[2]
            elif ev[0] == "listening":
                self.listening[ev[1]] = ev[2]

    def wait(self, cond: Callable[[], bool], what: str, timeout: float = TIMEOUT_S) -> None:
        """Pumps events until `cond()` holds. Conditions on metrics are re-checked at least
        every 20 ms, since metrics changes raise no event."""
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            self.pump(min(left, 0.02))

    def result(self, request: int) -> str | None:
        """The error of a command (None on success), waiting for its 'done' event."""
        self.wait(lambda: request in self.done, f"request {request}")
        return self.done[request]

    def ok(self, request: int) -> None:
        err = self.result(request)
        assert err is None, err

    def add_node(self, identity: _core.crypto.Identity | None = None, **kw: Any) -> tuple[int, str]:
        """A node listening on IPv4 loopback (or kw['listen']); returns (node, first addr)."""
        kw.setdefault("listen", [LOOPBACK4])
        node, req = self.rt.add_node(identity or _core.crypto.Identity.generate(), **kw)
        self.ok(req)
        return node, self.listening[node][0]

    def connect(self, node: int, addr: str) -> None:
        self.ok(self.rt.connect(node, addr))

    def deliveries(self, node: int) -> list[tuple[Any, ...]]:
        return [e for e in self.events if e[0] == "delivered" and e[1] == node]

    def delivered_ids(self, node: int) -> set[bytes]:
        return {e[3] for e in self.deliveries(node)}

    def topic_peers(self, node: int, topic: str) -> int:
        m = self.rt.metrics(node)
        assert m is not None
        return int(m["topic_peers"].get(topic, 0))

    def drops(self, node: int) -> dict[str, int]:
        m = self.rt.metrics(node)
        assert m is not None
        return dict(m["drops"])


def host_port(addr: str) -> tuple[str, int]:
    parts = addr.split("/")
    return parts[2], int(parts[4])


def closed_by_remote(sock: socket.socket, timeout: float = TIMEOUT_S) -> bool:
    """Reads until the remote closes (True) or `timeout` passes without that (False)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except TimeoutError:
        return False
    return True


class RawPeer:
    """A libp2p dialer built in Python from the sans-I/O machines, to misbehave on purpose
    at any layer: multistream-select, Noise, yamux, or on a negotiated stream."""

    def __init__(self, addr: str, seed: bytes = bytes(range(32))) -> None:
        self.sock = socket.create_connection(host_port(addr), timeout=TIMEOUT_S)
        self.seed = seed
        self.noise: _core.net.NoiseSession | None = None
        self.yamux: _core.net.YamuxSession | None = None
        self.pending = b""
        self.early: dict[int, bytes] = {}  # stream bytes that came with the negotiation
        self.closed: set[int] = set()  # streams the remote closed (FIN)
        self.pubsub = 0  # the pubsub stream, once opened by subscribed_raw_peer

    def recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("closed by the remote")
        return data

    def negotiate(self, protocol: str, send: Callable[[bytes], None], recv: Callable[[], bytes]):
        ms = _core.net.MultistreamNegotiation("dialer", [protocol])
        send(ms.take_output())
        while not ms.done:
            out, events = ms.feed(recv())
            if out:
                send(out)
            for ev in events:
                assert ev == ("selected", protocol), ev
        return ms.take_remaining()

    def secure(self) -> None:
        rest = self.negotiate("/noise", self.sock.sendall, self.recv)
        self.noise = _core.net.NoiseSession(True, self.seed)
        self.sock.sendall(self.noise.take_output())
        data = rest
        while not self.noise.established:
            out, events = self.noise.feed(data or self.recv())
            data = b""
            if out:
                self.sock.sendall(out)
            assert all(ev[0] == "complete" for ev in events), events

    def send_plain(self, data: bytes) -> None:
        assert self.noise is not None
        self.sock.sendall(self.noise.send(data))

    def recv_plain(self) -> bytes:
        assert self.noise is not None
        while True:
            out, _ = self.noise.feed(self.recv())
            if out:
                self.sock.sendall(out)
            plain = self.noise.take_plaintext()
            if plain:
                return plain

    def mux(self) -> None:
        self.secure()
        rest = self.negotiate("/yamux/1.0.0", self.send_plain, self.recv_plain)
        self.yamux = _core.net.YamuxSession("client")
        self.pending = rest

    def open_stream(self, protocol: str) -> int:
        """Opens a yamux stream and negotiates `protocol` on it; returns its id."""
        assert self.yamux is not None
        sid = self.yamux.open_stream()
        ms = _core.net.MultistreamNegotiation("dialer", [protocol])
        self.yamux.send(sid, ms.take_output())
        self.send_plain(self.yamux.take_output())
        while not ms.done:
            data, self.pending = self.pending or self.recv_plain(), b""
            out, events = self.yamux.feed(data)
            for ev in events:
                if ev[0] == "data" and ev[1] == sid:
                    if ms.done:
                        self.early[sid] = self.early.get(sid, b"") + ev[2]
                        continue
                    reply, _ = ms.feed(ev[2])
                    if reply:
                        self.yamux.send(sid, reply)
                    if ms.done:
                        self.early[sid] = ms.take_remaining()
                elif ev == ("closed", sid):
                    self.closed.add(sid)
            out += self.yamux.take_output()
            if out:
                self.send_plain(out)
        return sid

    def send_stream(self, sid: int, data: bytes) -> None:
        assert self.yamux is not None
        self.yamux.send(sid, data)
        self.send_plain(self.yamux.take_output())

    def close(self) -> None:
        self.sock.close()


def subscribed_raw_peer(h: Harness, node: int, addr: str, topic: str) -> RawPeer:
    """A raw peer subscribed to `topic` at `node` that then reads nothing more; its pubsub
    stream is `raw.pubsub`."""
    raw = RawPeer(addr)
    raw.mux()
    sid = raw.pubsub = raw.open_stream("/meshsub/1.1.0")
    sub = _core.wire.encode_rpc({"subscriptions": [{"subscribe": True, "topic_id": topic}]})
    raw.send_stream(sid, varint(len(sub)) + sub)
    h.wait(lambda: h.topic_peers(node, topic) == 1, "the raw peer's subscription")
    return raw
