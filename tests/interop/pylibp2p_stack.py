"""The py-libp2p stack p2pgossip is tested and measured against (runs in the py-libp2p venv).

One place builds a py-libp2p host the way p2pgossip speaks: TCP, Noise only (no TLS, secio or
plaintext offered, so a failed Noise negotiation cannot silently fall back), yamux, and a
GossipSub router on /meshsub/1.2.0 and /meshsub/1.1.0 with StrictSign. Used by
pylibp2p_node.py (one node per process, driven over stdin/stdout) and pylibp2p_workload.py
(many nodes in one process, the benchmark baseline).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import multiaddr
from libp2p import new_host
from libp2p.abc import IHost
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_new_x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, PROTOCOL_ID_V12, GossipSub
from libp2p.pubsub.pubsub import Pubsub
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.mplex.mplex import MPLEX_PROTOCOL_ID, Mplex
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.tools.anyio_service import background_trio_service

MESHSUB_PROTOCOLS: dict[str, TProtocol] = {"1.2": PROTOCOL_ID_V12, "1.1": PROTOCOL_ID_V11}
MUXERS = {"yamux": {YAMUX_PROTOCOL_ID: Yamux}, "mplex": {MPLEX_PROTOCOL_ID: Mplex}}


@dataclass
class Node:
    host: IHost
    pubsub: Pubsub
    router: GossipSub

    @property
    def peer_id(self) -> str:
        return self.host.get_id().to_base58()

    def addrs(self) -> list[str]:
        """Listen addresses with the /p2p/ suffix, as a remote dialler needs them."""
        return [str(a) for a in self.host.get_addrs()]


@asynccontextmanager
async def running_node(
    port: int = 0,
    *,
    key_seed: bytes | None = None,
    meshsub: tuple[str, ...] = ("1.2", "1.1"),
    muxer: str = "yamux",
    heartbeat_s: int = 1,
    spam_protection: bool = True,
    mdns: bool = False,
) -> AsyncIterator[Node]:
    """A started host + pubsub + GossipSub router listening on 127.0.0.1:`port` (0: any).

    `key_seed` (32 bytes) fixes the Ed25519 identity; without it a fresh one is generated.
    `spam_protection` is py-libp2p's local limit of 10 messages/s per peer and topic, which
    also drops the node's own publishes beyond that rate (not a GossipSub spec feature).
    `mdns` turns on py-libp2p's mDNS discovery (see pylibp2p_mdns.py for where it runs).
    """
    key_pair = create_new_key_pair(key_seed)
    noise = NoiseTransport(key_pair, noise_privkey=create_new_x25519_key_pair().private_key)
    host = new_host(
        key_pair=key_pair,
        sec_opt={NOISE_PROTOCOL_ID: noise},
        muxer_opt=MUXERS[muxer],
        # Identify-derived address discovery is noise for a loopback test.
        disable_identify_address_discovery=True,
        enable_mDNS=mdns,
    )
    router = GossipSub(
        protocols=[MESHSUB_PROTOCOLS[v] for v in meshsub],
        degree=6,
        degree_low=4,
        degree_high=12,
        heartbeat_initial_delay=0.1,
        heartbeat_interval=heartbeat_s,
        spam_protection_enabled=spam_protection,
    )
    pubsub = Pubsub(host, router, strict_signing=True)
    listen = multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{port}")
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(host.run(listen_addrs=[listen]))
        await stack.enter_async_context(background_trio_service(pubsub))
        await stack.enter_async_context(background_trio_service(router))
        await pubsub.wait_until_ready()
        yield Node(host, pubsub, router)
