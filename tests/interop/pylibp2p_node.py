"""One py-libp2p GossipSub node driven by JSON lines (run with the py-libp2p venv's python).

    pylibp2p_node.py --topic T [--port P] [--connect MADDR ...] [--lifetime S]
                     [--dht] [--serve PROTOCOL ...] [--mdns]

stdout, one JSON object a line, flushed:
  {"event": "ready", "peer_id": ..., "addrs": [...]}        first, once listening + subscribed
  {"event": "connected", "peer_id": ...}                    a dial (--connect or command) succeeded
  {"event": "message", "topic", "data", "from", "seqno", "key", "signature"}   (bytes as hex)
  {"event": "published"} / {"event": "peers", "peers": [...]} / {"event": "error", ...}
stdin, one JSON command a line:
  {"publish": "<hex>"}                        sign and publish on the topic
  {"connect": "<multiaddr with /p2p/>"}       dial
  {"wait_peers": N, "timeout": S}             until N peers announced the topic
  {"wait_mesh": N, "timeout": S}              until the topic's mesh holds N peers
--dht runs py-libp2p's KadDHT in server mode (pylibp2p_dht.py has its commands); --serve
answers request_response requests of PROTOCOL (pylibp2p_requests.py has its command);
--mdns runs py-libp2p's mDNS discovery on loopback (pylibp2p_mdns.py).
The node exits cleanly on stdin EOF and stops itself after --lifetime seconds. Every received
message passed py-libp2p's StrictSign validation (signature, key and from checked), so a
"message" line is a validly signed message. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from contextlib import AsyncExitStack
from typing import Protocol

import multiaddr
import trio
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.tools.anyio_service import background_trio_service
from pylibp2p_dht import DhtService
from pylibp2p_mdns import MdnsService, confine_to_loopback
from pylibp2p_requests import RequestService
from pylibp2p_stack import MESHSUB_PROTOCOLS, MUXERS, Node, running_node


class Service(Protocol):
    def start(self, cmd: dict, nursery: trio.Nursery) -> bool:
        """Start `cmd` in `nursery` if it is the service's; False if not."""


# A bounded wait for commands that poll router state py-libp2p exposes no event for.
POLL_S = 0.02


def emit(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def message_line(msg) -> dict[str, object]:
    return {
        "event": "message",
        "topic": list(msg.topicIDs),
        "data": msg.data.hex(),
        "from": ID(msg.from_id).to_base58(),
        "seqno": msg.seqno.hex(),
        "key": msg.key.hex(),
        "signature": msg.signature.hex(),
    }


async def connect(node: Node, addr: str) -> None:
    try:
        info = info_from_p2p_addr(multiaddr.Multiaddr(addr))
        await node.host.connect(info)
    except Exception as e:  # report and keep serving: the test decides what a failure means
        logging.exception("dial %s failed", addr)
        emit(event="error", command="connect", addr=addr, error=f"{type(e).__name__}: {e}")
        return
    emit(event="connected", peer_id=info.peer_id.to_base58())


async def wait_for(node: Node, topic: str, what: str, count: int, timeout: float) -> None:
    def peers() -> list[str]:
        table = node.pubsub.peer_topics if what == "wait_peers" else node.router.mesh
        return sorted(p.to_base58() for p in table.get(topic, ()))

    with trio.move_on_after(timeout):
        while len(peers()) < count:
            await trio.sleep(POLL_S)
        emit(event="peers", kind=what, peers=peers())
        return
    emit(event="error", command=what, error=f"timeout with {peers()}")


async def command_loop(
    node: Node, topic: str, nursery: trio.Nursery, services: list[Service]
) -> None:
    """Serve stdin commands until EOF."""
    stdin = trio.lowlevel.FdStream(os.dup(sys.stdin.fileno()))
    buffered = b""
    while chunk := await stdin.receive_some(65536):
        buffered += chunk
        *lines, buffered = buffered.split(b"\n")
        for line in lines:
            if line.strip():
                cmd = json.loads(line)
                if not any(s.start(cmd, nursery) for s in services):
                    await run_command(node, topic, cmd, nursery)
    await stdin.aclose()


async def run_command(node: Node, topic: str, cmd: dict, nursery: trio.Nursery) -> None:
    if "publish" in cmd:
        await node.pubsub.publish(topic, bytes.fromhex(cmd["publish"]))
        emit(event="published")
    elif "connect" in cmd:
        nursery.start_soon(connect, node, cmd["connect"])
    elif "wait_peers" in cmd or "wait_mesh" in cmd:
        what = "wait_peers" if "wait_peers" in cmd else "wait_mesh"
        nursery.start_soon(wait_for, node, topic, what, cmd[what], cmd.get("timeout", 10.0))
    else:
        emit(event="error", command=cmd, error="unknown command")


async def receive_loop(subscription) -> None:
    async for msg in subscription:
        emit(**message_line(msg))


async def main(args: argparse.Namespace) -> None:
    with trio.move_on_after(args.lifetime) as lifetime:
        async with running_node(
            args.port,
            key_seed=bytes.fromhex(args.key_seed) if args.key_seed else None,
            meshsub=tuple(args.meshsub),
            muxer=args.muxer,
            mdns=args.mdns,
        ) as node:
            subscription = await node.pubsub.subscribe(args.topic)
            services: list[Service] = []
            if args.serve:
                services.append(RequestService(node.host, emit, args.serve))
            if args.mdns:
                services.append(MdnsService(emit))
            async with AsyncExitStack() as stack:
                if args.dht:
                    dht = DhtService(node.host, emit)
                    await stack.enter_async_context(background_trio_service(dht.dht))
                    services.append(dht)
                emit(event="ready", peer_id=node.peer_id, addrs=node.addrs())
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(receive_loop, subscription)
                    for addr in args.connect:
                        nursery.start_soon(connect, node, addr)
                    await command_loop(node, args.topic, nursery, services)
                    nursery.cancel_scope.cancel()
    if lifetime.cancelled_caught:
        logging.warning("lifetime of %.0f s reached, stopping", args.lifetime)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--topic", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--connect", action="append", default=[], help="multiaddr with /p2p/")
    p.add_argument("--lifetime", type=float, default=60.0, help="seconds before self-stop")
    p.add_argument("--key-seed", help="32-byte hex seed of the Ed25519 identity")
    p.add_argument(
        "--meshsub", nargs="+", choices=sorted(MESHSUB_PROTOCOLS), default=["1.2", "1.1"]
    )
    p.add_argument("--muxer", choices=sorted(MUXERS), default="yamux")
    p.add_argument("--dht", action="store_true", help="run KadDHT in server mode")
    p.add_argument("--serve", nargs="+", default=[], help="request_response protocols")
    p.add_argument("--mdns", action="store_true", help="mDNS discovery, on loopback only")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.mdns:
        confine_to_loopback()
    trio.run(main, args)
