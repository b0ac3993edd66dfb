"""``p2pgossip cluster N``: N node processes on loopback, watched from one terminal.

Each node is a ``p2pgossip node --json`` process; this one plans who dials whom, starts
them in one process group, reads their JSON lines for the progress line (links up,
messages delivered, latency percentiles) and the live view, and stops them all on
Ctrl-C, SIGTERM, ``--duration``, or the first child that dies. Every exit path, this
process being SIGKILLed included, leaves no node running (see ``_procs``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import random
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._core.crypto import Identity
from .._progress import Progress
from ._args import count, port, positive, ratio
from ._errors import EXIT_USAGE, CliError
from ._procs import ProcessGroup
from ._report import short_id
from .keygen import save_identity

__all__ = ["add_parser", "plan_links", "run"]

HOST = "127.0.0.1"
STDERR_TAIL = 5  # lines of a child's stderr kept to say why it died


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "cluster",
        help="run N node processes on loopback with live progress and a summary",
        description="Start N `p2pgossip node` processes on 127.0.0.1, each dialling a random "
        "fraction of the others (or along --topology), publishing a heartbeat every "
        "--period seconds. Ctrl-C (or --duration) stops them all and prints a summary.",
    )
    p.add_argument("n", type=count, help="number of node processes (>= 2)")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument(
        "--ratio",
        type=ratio,
        default=0.3,
        help="each node dials this fraction of the others (default 0.3; at least one)",
    )
    shape.add_argument(
        "--topology",
        help="a graph instead: full, ring, random-regular:<d>, erdos-renyi:<p>, "
        "barabasi-albert:<m> (needs networkx)",
    )
    p.add_argument(
        "--period", type=positive, default=2.0, metavar="S", help="heartbeat period (default 2 s)"
    )
    p.add_argument(
        "--base-port",
        type=port,
        metavar="PORT",
        default=0,
        help="node i listens on PORT+i (default: free ports chosen by the system)",
    )
    p.add_argument(
        "--web-port", type=port, metavar="PORT", help="serve the live view of the whole network"
    )
    p.add_argument("--duration", type=positive, metavar="S", help="stop after S seconds")
    p.add_argument("--topic", default="blocks", help="the topic every node joins (blocks)")
    p.add_argument("--seed", type=int, default=None, help="seed for the dial plan")
    p.set_defaults(run=run)


def plan_links(n: int, ratio: float, topology: str | None, seed: int) -> list[tuple[int, int]]:
    """(dialer, listener) pairs, each unordered pair once. With a ratio, node i > 0 always
    dials some node below it, so the graph is connected whatever the draw."""
    if topology is not None:
        from ..local_network import parse_topology

        try:
            g = parse_topology(topology, n, seed)
        except ImportError:
            raise CliError("--topology needs networkx: pip install 'p2pgossip[analysis]'") from None
        except Exception as exc:  # networkx raises its own errors for impossible sizes
            raise CliError(f"--topology {topology}: {exc}", code=EXIT_USAGE) from None
        # The later node dials the earlier one, which was started first.
        return sorted((max(a, b), min(a, b)) for a, b in g.edges())
    rng = random.Random(seed)
    k = max(1, round(ratio * (n - 1)))
    pairs: set[frozenset[int]] = set()
    links: list[tuple[int, int]] = []
    for i in range(n):
        chosen = [rng.randrange(i)] if i > 0 else []
        others = [j for j in range(n) if j != i]
        rng.shuffle(others)
        chosen += [j for j in others if j not in chosen][: max(0, k - len(chosen))]
        for j in chosen:
            if frozenset((i, j)) not in pairs:
                pairs.add(frozenset((i, j)))
                links.append((i, j))
    return links


def _ports_text(ports: list[int]) -> str:
    if ports == list(range(ports[0], ports[0] + len(ports))):
        return f"ports {ports[0]}..{ports[-1]}"
    return "ports " + ",".join(map(str, ports))


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Member:
    index: int
    port: int
    peer_id: str
    proc: Any = None
    peers: int = 0
    published: int = 0
    received: int = 0
    received_ids: set[str] = field(default_factory=set)
    latencies: dict[str, float] = field(default_factory=dict)  # message id -> ms
    summary: dict[str, Any] | None = None
    stderr: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=STDERR_TAIL)
    )


def run(args: argparse.Namespace) -> int:
    return asyncio.run(Cluster(args).main())


class Cluster:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n: int = args.n
        self.seed = args.seed if args.seed is not None else random.randrange(1 << 31)
        self.group = ProcessGroup()
        self.members: list[Member] = []
        self.stop = asyncio.Event()
        self.failure: str | None = None
        self.stopping = False
        self.stopped_at: float | None = None  # Unix time
        self.view: Any = None
        self.web: Any = None
        self.started = time.monotonic()
        self.planned_links = 0
        self.ready_at: float | None = None  # Unix time when every planned link was up
        self.published_at: dict[str, float] = {}  # message id -> Unix time of publishing

    async def main(self) -> int:
        links = plan_links(self.n, self.args.ratio, self.args.topology, self.seed)
        self.planned_links = len(links)
        ports = (
            [self.args.base_port + i for i in range(self.n)]
            if self.args.base_port
            else _free_ports(self.n)
        )
        if ports[-1] > 65535:
            raise CliError(f"--base-port {self.args.base_port}: ports past 65535", EXIT_USAGE)
        if self.args.web_port is not None:
            self.view, self.web = await _start_view(self.n, self.args.web_port)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        try:
            with tempfile.TemporaryDirectory(prefix="p2pgossip-cluster-") as keys:
                await self._start(Path(keys), ports, links)
                self.started = time.monotonic()  # --duration counts from here
                return await self._watch()
        finally:
            self.group.kill_now()  # on every way out; a no-op after a clean stop
            if self.web is not None:
                await self.web.close()

    async def _start(self, keys: Path, ports: list[int], links: list[tuple[int, int]]) -> None:
        ids = [Identity.generate() for _ in range(self.n)]
        for i, ident in enumerate(ids):
            save_identity(ident, keys / f"node{i}.key")
        self.members = [Member(i, ports[i], str(ids[i].peer_id)) for i in range(self.n)]
        dials: dict[int, list[int]] = collections.defaultdict(list)
        for a, b in links:
            dials[a].append(b)
        for m in self.members:
            argv = [
                sys.executable,
                "-m",
                "p2pgossip",
                "node",
                "--host",
                HOST,
                "--port",
                str(m.port),
                "--key",
                str(keys / f"node{m.index}.key"),
                "--topic",
                self.args.topic,
                "--period",
                f"{self.args.period:g}",
                "--connect-timeout",
                "30",
                "--json",
            ]
            for j in dials[m.index]:
                argv += ["--connect", f"/ip4/{HOST}/tcp/{ports[j]}/p2p/{self.members[j].peer_id}"]
            m.proc = await self.group.spawn(argv)
        print(
            f"cluster: {self.n} nodes on {HOST}, {_ports_text(ports)}, {len(links)} "
            f"links, topic {self.args.topic}, heartbeat every {self.args.period:g} s, "
            f"process group {self.group.pgid}",
            flush=True,
        )
        if self.web is not None:
            print(f"live view: {self.web.url}", flush=True)

    async def _watch(self) -> int:
        readers = [asyncio.create_task(self._read(m)) for m in self.members]
        readers += [asyncio.create_task(self._read_stderr(m)) for m in self.members]
        waiters = [asyncio.create_task(self._wait_child(m)) for m in self.members]
        progress = Progress(
            total=int(self.args.duration) if self.args.duration else None,
            desc="cluster",
            unit="s",
            rate=False,
        )
        try:
            deadline = self.started + self.args.duration if self.args.duration else float("inf")
            shown = 0
            while not self.stop.is_set() and time.monotonic() < deadline:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), 0.5)
                elapsed = int(time.monotonic() - self.started)
                if elapsed > shown:
                    progress.update(elapsed - shown)
                    shown = elapsed
                progress.set_postfix(self.status())
        finally:
            progress.close()
        self.stopping = True
        self.stopped_at = time.time()
        await self.group.stop()
        await asyncio.gather(*readers, *waiters, return_exceptions=True)
        print(self.table(), flush=True)
        if self.failure is not None:
            raise CliError(self.failure)
        return 0

    async def _read(self, m: Member) -> None:
        assert m.proc is not None and m.proc.stdout is not None
        async for raw in m.proc.stdout:
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            self._on_event(m, ev)

    async def _read_stderr(self, m: Member) -> None:
        assert m.proc is not None and m.proc.stderr is not None
        async for raw in m.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                m.stderr.append(line)

    async def _wait_child(self, m: Member) -> None:
        code = await m.proc.wait()
        if self.stopping or self.failure is not None:
            return
        # A node that dies on its own ends the run: a study that silently lost a node
        # would report numbers about a network that is not the one asked for.
        await asyncio.sleep(0.2)  # let its last stderr lines arrive
        why = m.stderr[-1] if m.stderr else "no message"
        self.failure = f"node {m.index} (port {m.port}) exited with code {code}: {why}"
        self.stop.set()

    def _on_event(self, m: Member, ev: dict[str, Any]) -> None:
        kind = ev.get("event")
        if kind == "message":
            m.received += 1
            m.received_ids.add(ev["id"])
            if ev.get("latency_ms") is not None:
                m.latencies[ev["id"]] = float(ev["latency_ms"])
            if self.view is not None:
                self.view.delivery(m.peer_id, ev)
        elif kind == "published":
            m.published += 1
            self.published_at[ev["id"]] = ev["t"]
        elif kind == "stats" and not self.stopping:  # the table shows peers while running
            m.peers = len(ev["peers"])
            if self.ready_at is None and self.links() >= self.planned_links:
                self.ready_at = ev["t"]
            if self.view is not None:
                self.view.update(ev)
        elif kind == "summary":
            m.summary = ev

    def links(self) -> int:
        return sum(m.peers for m in self.members) // 2

    def counted(self, settle: float = 1.0) -> set[str]:
        """The messages the figures are about: published once every planned link was up
        (earlier ones went to a network still forming, and came seconds late by gossip) and
        at least ``settle`` seconds ago (later ones may still be on their way)."""
        if self.ready_at is None:
            return set()
        # Messages sent just before the stop may not have reached nodes closing first.
        until = (self.stopped_at or time.time()) - settle
        return {i for i, t in self.published_at.items() if self.ready_at <= t <= until}

    def totals(self, settle: float = 1.0) -> tuple[int, int, list[float]]:
        """Of the counted messages: copies delivered, copies expected, and their latencies."""
        counted = self.counted(settle)
        delivered = sum(len(m.received_ids & counted) for m in self.members)
        lat = [ms for m in self.members for i, ms in m.latencies.items() if i in counted]
        return delivered, len(counted) * (self.n - 1), lat

    def status(self) -> str:
        delivered, expected, lat = self.totals()
        parts = [f"links {self.links()}/{self.planned_links}"]
        if expected:
            parts.append(f"delivered {delivered}/{expected} ({delivered / expected:.1%})")
        if lat:
            p50, p99 = np.percentile(lat, [50, 99])
            parts.append(f"latency p50 {p50:.1f} ms p99 {p99:.1f} ms")
        return ", ".join(parts)

    def table(self) -> str:
        head = (
            f"{'node':>4}  {'peer id':<10}{'port':>6}{'peers':>6}{'out':>6}{'in':>7}"
            f"{'dup':>7}{'drops':>6}{'p50 ms':>8}{'p99 ms':>8}"
        )
        rows = [head]
        counted = self.counted()
        for m in self.members:
            s = m.summary or {}
            drops = sum(s.get("drops", {}).values()) if s else 0
            dup = s.get("duplicates", "-")
            lat = [ms for i, ms in m.latencies.items() if i in counted]
            p50, p99 = np.percentile(lat, [50, 99]) if lat else (np.nan,) * 2
            rows.append(
                f"{m.index:>4}  {short_id(m.peer_id):<10}{m.port:>6}"
                f"{m.peers:>6}{m.published:>6}{m.received:>7}"
                f"{dup:>7}{drops:>6}{p50:>8.1f}{p99:>8.1f}"
            )
        delivered, expected, lat = self.totals()
        wall = time.monotonic() - self.started
        if expected:
            rows.append(
                f"delivered {delivered} of {expected} ({delivered / expected:.1%}) copies of "
                f"the messages published once all {self.planned_links} links were up; "
                f"ran {wall:.0f} s"
            )
        else:
            rows.append(
                f"the {self.planned_links} planned links were never all up; ran {wall:.0f} s"
            )
        if lat:
            p50, p99 = np.percentile(lat, [50, 99])
            rows.append(f"their publish-to-deliver latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        return "\n".join(rows)


async def _start_view(n: int, port: int) -> tuple[Any, Any]:
    from ..web import NetworkView, serve

    view = NetworkView("cluster", f"a cluster of {n} nodes")
    try:
        return view, await serve(view, port, HOST)
    except ImportError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"--web-port {port}: cannot listen: {exc.strerror or exc}") from None
