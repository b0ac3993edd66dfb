"""Drives host::Connection machines through memory on a virtual clock: a Pair of them, like
quinn-proto's test Pair, and Raw, a hand-built dialer that misbehaves at any stage."""

from __future__ import annotations

from p2pgossip import _core

MS = 1_000_000  # nanoseconds
SEED_A, SEED_B = bytes([1]) * 32, bytes([2]) * 32
IDENTITY_A, IDENTITY_B = (
    _core.crypto.Identity.from_seed(SEED_A),
    _core.crypto.Identity.from_seed(SEED_B),
)
PEER_A, PEER_B = IDENTITY_A.peer_id.to_bytes(), IDENTITY_B.peer_id.to_bytes()
PING_TIMEOUT_S = 20.0


def connection(dialer: bool, **kwargs) -> _core.host.Connection:
    identity, other, name = (IDENTITY_A, PEER_B, b"A") if dialer else (IDENTITY_B, PEER_A, b"B")
    kwargs.setdefault("identify_message", b"identify of " + name)
    kwargs.setdefault("ping_timeout_s", PING_TIMEOUT_S)
    if dialer:
        kwargs.setdefault("expected_peer_id", other)
    return _core.host.Connection(dialer, identity, **kwargs)


class Pair:
    """A dialer and a listener joined by an in-memory link; `now` is virtual (ns). Each
    side's events accumulate in `events[side]`; `chunks` (if given) cuts every delivery into
    pieces of those sizes, cycled."""

    def __init__(self, chunks: list[int] | None = None, dialer=None, listener=None) -> None:
        self.now = 0
        self.conns = {
            "dialer": dialer or connection(True),
            "listener": listener or connection(False),
        }
        self.events: dict[str, list[tuple]] = {"dialer": [], "listener": []}
        self.chunks = chunks
        self.cut = 0

    @property
    def dialer(self) -> _core.host.Connection:
        return self.conns["dialer"]

    @property
    def listener(self) -> _core.host.Connection:
        return self.conns["listener"]

    def poll(self) -> None:
        for side, c in self.conns.items():
            self.events[side] += c.poll_events()

    def transfer(self, src: str) -> bool:
        """Delivers `src`'s output to the other side now; false when it had none."""
        data = self.conns[src].take_output()
        dst = self.conns["listener" if src == "dialer" else "dialer"]
        pos = 0
        while pos < len(data):
            n = self.chunks[self.cut % len(self.chunks)] if self.chunks else len(data)
            self.cut += 1
            dst.handle_bytes(self.now, data[pos : pos + n])
            pos += n
        self.poll()
        return bool(data)

    def drive(self) -> None:
        """Delivers both ways until both sides are quiet."""
        self.poll()
        while self.transfer("dialer") | self.transfer("listener"):
            pass

    def advance(self, ns: int) -> None:
        """Moves the clock; a side whose deadline passed handles its timeout."""
        self.now += ns
        for c in self.conns.values():
            due = c.next_deadline_ns
            if due is not None and due <= self.now:
                c.handle_timeout(self.now)
        self.drive()

    def of(self, side: str, kind: str) -> list[tuple]:
        return [e for e in self.events[side] if e[0] == kind]


def upgraded(**kwargs) -> Pair:
    p = Pair(**kwargs)
    p.drive()
    return p


def proposal(*protocols: str) -> bytes:
    """A multistream-select dialer's header and proposals, sent at once."""
    return b"".join(_core.net.multistream_encode(p) for p in ("/multistream/1.0.0", *protocols))


class Raw:
    """A dialer that misbehaves on purpose, at any stage, against a listener HostConnection
    it talks to through memory."""

    def __init__(self, **kwargs) -> None:
        self.victim = connection(False, **kwargs)
        self.noise: _core.net.NoiseSession | None = None
        self.yamux: _core.net.YamuxSession | None = None

    def send(self, data: bytes) -> bytes:
        self.victim.handle_bytes(0, data)
        return self.victim.take_output()

    def negotiate(self, protocol: str, send) -> bytes:
        ms = _core.net.MultistreamNegotiation("dialer", [protocol])
        reply = send(ms.take_output())
        while not ms.done:
            out, events = ms.feed(reply)
            assert events in ([], [("selected", protocol)]), events
            reply = send(out)
        return ms.take_remaining()

    def secure(self) -> None:
        assert self.negotiate("/noise", self.send) == b""
        self.noise = _core.net.NoiseSession(True, SEED_A)
        reply = self.send(self.noise.take_output())
        out, events = self.noise.feed(reply)
        assert events[0][0] == "complete", events
        self.noise.feed(self.send(out))  # the victim's muxer negotiation begins

    def receive(self) -> bytes:
        """The victim's output, decrypted."""
        assert self.noise is not None
        self.noise.feed(self.victim.take_output())
        return self.noise.take_plaintext()

    def send_plain(self, data: bytes) -> bytes:
        assert self.noise is not None
        before = self.noise.take_plaintext()
        self.victim.handle_bytes(0, self.noise.send(data))
        return before + self.receive()

    def mux(self) -> None:
        self.secure()
        rest = self.negotiate("/yamux/1.0.0", self.send_plain)
        self.yamux = _core.net.YamuxSession("client")
        self.yamux.feed(rest)

    def send_stream(self, sid: int, data: bytes) -> list[tuple]:
        """Sends on stream `sid`; the victim's yamux events (our view of its answer)."""
        assert self.yamux is not None
        self.yamux.send(sid, data)
        _, events = self.yamux.feed(self.send_plain(self.yamux.take_output()))
        return events

    def open_stream(self, protocol: str) -> int:
        assert self.yamux is not None
        sid = self.yamux.open_stream()
        answer = self.send_stream(sid, proposal(protocol))
        echoed = b"".join(e[2] for e in answer if e[:2] == ("data", sid))
        assert echoed.endswith(_core.net.multistream_encode(protocol)), echoed
        return sid

    def events(self) -> list[tuple]:
        return self.victim.poll_events()
