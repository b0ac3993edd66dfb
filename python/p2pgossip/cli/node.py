"""``p2pgossip node``: one long-running node in a terminal.

It prints its peer id and listen addresses, then each message it receives; ``--period``
publishes a heartbeat; ``--connect`` dials (and redials) peers; Ctrl-C or SIGTERM closes
it and prints a summary. ``--json`` turns every line into one JSON object (see
``_report``), which is how ``cluster`` reads its nodes.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import time
from pathlib import Path
from typing import Any

from .. import _log
from .._core.runtime import PeerConfig
from ..node import Node, NodeError, Received
from . import _heartbeat, _stats
from ._args import non_negative, port, positive
from ._dial import Dialer, parse_connect_addr
from ._errors import CliError
from ._procs import die_with_parent
from ._report import Reporter
from .keygen import load_or_create_identity

__all__ = ["add_parser", "run"]

STATS_EVERY = 1.0  # seconds between `stats` events (--json) and live-view samples
PEERS_EVERY = 0.2  # how often peer arrivals and departures are looked for


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "node",
        help="run one node: print what it receives, publish a heartbeat, Ctrl-C to stop",
        description="Run one GossipSub node (TCP, Noise, yamux). It prints its peer id and "
        "addresses, then every message it receives; Ctrl-C prints a summary.",
    )
    p.add_argument("--port", type=port, default=0, help="TCP port (default: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: all)")
    p.add_argument(
        "--connect",
        action="append",
        default=[],
        metavar="MULTIADDR",
        help="peer to dial, ending in /p2p/<peer id>; redialled with backoff (repeatable)",
    )
    p.add_argument(
        "--connect-timeout",
        type=non_negative,
        default=60.0,
        metavar="S",
        help="give up on a --connect peer that never answered within S seconds "
        "(default 60; 0: never)",
    )
    p.add_argument("--key", type=Path, help="private-key file; generated and saved when absent")
    p.add_argument(
        "--topic",
        action="append",
        dest="topics",
        metavar="TOPIC",
        help="topic to join (repeatable; default: blocks)",
    )
    p.add_argument(
        "--period",
        type=positive,
        metavar="S",
        help="publish a heartbeat (a counter and this peer id) every S seconds",
    )
    p.add_argument(
        "--message",
        metavar="TEXT",
        help="the heartbeat's text (default: ping); without --period, published once",
    )
    p.add_argument(
        "--metrics-port", type=port, metavar="PORT", help="serve Prometheus /metrics on PORT"
    )
    p.add_argument("--web-port", type=port, metavar="PORT", help="serve the live view on PORT")
    p.add_argument(
        "--known-peers", type=Path, metavar="FILE", help="remember peers across restarts"
    )
    p.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="the p2pgossip logger's level (default: warning)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="print only the header, errors and the summary"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line, per event")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    die_with_parent()  # started by `cluster`: never outlive it
    return asyncio.run(NodeCommand(args).main())


def check_writable(path: Path) -> None:
    """The runtime writes the known-peers file later, from its I/O thread, where a
    failure is only a log line: so try now, and fail before the node starts."""
    try:
        if path.exists():
            with path.open("r+b"):
                pass
        else:
            with path.open("xb"):
                pass
            path.unlink()
    except OSError as exc:
        raise CliError(f"cannot write known-peers file {path}: {exc.strerror or exc}") from None


class NodeCommand:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.topics: list[str] = args.topics or ["blocks"]
        self.out = Reporter(json_lines=args.json, quiet=args.quiet)
        self.stop = asyncio.Event()
        self.failure: CliError | None = None
        self.started_at = time.monotonic()
        self.peers_seen: set[str] = set()
        self.known: dict[str, dict[str, Any]] = {}  # connected peer -> its row in stats
        self.published = 0
        self.web: Any = None
        self.view: Any = None

    async def main(self) -> int:
        args = self.args
        for addr in args.connect:
            parse_connect_addr(addr)  # a usage error before anything starts
        identity, created = load_or_create_identity(args.key)
        if args.known_peers is not None:
            check_writable(args.known_peers)
        if args.web_port is not None:
            self.view = _make_view(str(identity.peer_id))
        _configure_logging("error" if args.quiet else args.log_level)
        peer_config = (
            PeerConfig(known_peers_file=str(args.known_peers)) if args.known_peers else None
        )
        ip = "ip6" if ":" in args.host else "ip4"
        node = Node(
            f"/{ip}/{args.host}/tcp/{args.port}",
            identity=identity,
            metrics_port=args.metrics_port,
            peers=peer_config,
        )
        try:
            await node.start()
        except (NodeError, ValueError, OSError) as exc:  # the metrics endpoint raises ValueError
            await node.close()
            raise CliError(_listen_error(args.host, args.port, args.metrics_port, exc)) from None
        try:
            return await self._serve(node, created)
        finally:
            if self.web is not None:
                await self.web.close()
            await node.close()

    async def _serve(self, node: Node, key_created: bool) -> int:
        args = self.args
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        if self.view is not None:
            self.web = await _serve_view(self.view, args.host, args.web_port)
        self.out.emit(
            "started",
            peer_id=str(node.peer_id),
            addrs=node.addrs,
            topics=self.topics,
            key=str(args.key) if args.key else None,
            key_created=key_created,
            web_url=self.web.url if self.web is not None else None,
            metrics_url=node.metrics_url,
        )
        tasks = [asyncio.create_task(self._receive(node, t)) for t in self.topics]
        tasks.append(asyncio.create_task(self._watch(node)))
        for addr in args.connect:
            dialer = Dialer(node, addr, timeout=args.connect_timeout, on_event=self.out.emit)
            tasks.append(asyncio.create_task(dialer.run()))
        if args.period is not None or args.message is not None:
            tasks.append(asyncio.create_task(self._publish(node)))
        for t in tasks:
            t.add_done_callback(self._task_done)
        await self.stop.wait()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._summary(node)
        if self.failure is not None:
            raise self.failure
        return 0

    def _task_done(self, task: asyncio.Task[None]) -> None:
        # A task ends only when cancelled or failed; a failure stops the node.
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self.failure = (
            exc if isinstance(exc, CliError) else CliError(f"{type(exc).__name__}: {exc}")
        )
        self.stop.set()

    async def _receive(self, node: Node, topic: str) -> None:
        async with node.subscribe(topic) as sub:
            async for msg in sub:
                if msg.received_from is None:
                    continue  # our own publish
                self._received(msg)

    def _received(self, msg: Received) -> None:
        # received_at is the I/O thread's monotonic clock: latency excludes our queueing.
        at_wall = time.time() - (time.monotonic() - msg.received_at)
        d = _heartbeat.decode(msg.data, at_wall)
        via = msg.received_from
        origin = msg.from_peer
        fields = {
            "topic": msg.topic,
            "id": msg.id,
            "origin": str(origin) if origin is not None else None,
            "via": str(via) if via is not None else None,
            "size": len(msg.data),
            "seq": d.seq,
            "latency_ms": round(d.latency_ms, 3) if d.latency_ms is not None else None,
            "text": d.text,
        }
        self.out.emit("message", **fields)
        if self.view is not None:
            self.view.delivery(self.view.source["peer_id"], fields)

    async def _publish(self, node: Node) -> None:
        period = self.args.period
        peer_id = str(node.peer_id)
        if period is None:
            # One message, once someone is there to take it.
            while not node.peers():
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # the mesh forms on the next heartbeats
        n = 0
        next_at = time.monotonic()
        while True:
            n += 1
            data = _heartbeat.encode(n, peer_id, self.args.message or "ping")
            for topic in self.topics:
                mid = await node.publish(topic, data)
                self.published += 1
                self.out.emit("published", topic=topic, id=mid, seq=n, size=len(data))
            if period is None:
                return
            next_at += period
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _watch(self, node: Node) -> None:
        """Peer arrivals and departures, the periodic stats event, the live view."""
        next_stats = 0.0
        while True:
            # node.peers() is a dict read; the full snapshot only when something changed
            # or a stats event is due.
            connected = {str(p) for p in node.peers()}
            due = time.monotonic() >= next_stats
            if due or connected != self.known.keys():
                snap = _stats.view(node)
                now = {p["peer_id"]: p for p in snap["peers"]}
                for pid, p in now.items():
                    if pid not in self.known:
                        self.peers_seen.add(pid)
                        self.out.emit(
                            "peer_connected", peer_id=pid, addr=p["addr"], direction=p["direction"]
                        )
                for pid in self.known.keys() - now.keys():
                    self.out.emit("peer_disconnected", peer_id=pid)
                self.known = now
                if due:
                    next_stats = time.monotonic() + STATS_EVERY
                    self.out.emit("stats", **snap)
                    if self.view is not None:
                        self.view.update(snap)
            await asyncio.sleep(PEERS_EVERY)

    def _summary(self, node: Node) -> None:
        try:
            stats = node.stats()
        except NodeError:
            return
        c = _stats.counters(stats)
        self.out.emit(
            "summary",
            peer_id=str(node.peer_id),
            uptime_s=round(time.monotonic() - self.started_at, 3),
            peers=len(stats["peers"]),
            peers_seen=len(self.peers_seen),
            messages_in=c["messages_in"],
            messages_out=self.published,
            duplicates=c["duplicates"],
            bytes_in=c["bytes_in"],
            bytes_out=c["bytes_out"],
            drops=c["drops_by_reason"],
        )


def _configure_logging(level: str) -> None:
    # The library configures no handler; a command does: records go to stderr, so
    # stdout stays what --json promises (one event a line).
    logger = _log.logger
    logger.setLevel(getattr(logging, level.upper()))
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False


def _listen_error(host: str, port: int, metrics_port: int | None, exc: Exception) -> str:
    text = str(exc)
    if "metrics" in text:
        return f"--metrics-port {metrics_port}: {text}"
    if "in use" in text.lower() or str(errno.EADDRINUSE) in text:
        return f"cannot listen on {host}:{port}: port {port} is in use ({text})"
    return f"cannot start the node on {host}:{port}: {text}"


def _make_view(peer_id: str) -> Any:
    from ..web import NetworkView

    return NetworkView("node", f"node {peer_id}", peer_id=peer_id)


async def _serve_view(view: Any, host: str, port: int) -> Any:
    from ..web import serve

    try:
        return await serve(view, port, host)
    except ImportError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(
            f"--web-port {port}: cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
