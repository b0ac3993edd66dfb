"""py-libp2p's mDNS discovery as a service of pylibp2p_node.py (--mdns); runs in the py-libp2p
venv.

py-libp2p's MDNSDiscovery builds `Zeroconf()` with no arguments: every interface, the mDNS
port 5353 (zeroconf's constant; py-libp2p has no setting for either). So that a test never
announces on, or listens to, a real LAN, `confine_to_loopback()` hands it a Zeroconf bound
to 127.0.0.1 only, before the host is built; the port stays 5353, on loopback. Everything
else (the DNS-SD service registration, the browser, the TXT `dnsaddr` parsing) is
py-libp2p's and zeroconf's own.

Command:
  {"mdns_peers": true}  -> {"event": "mdns_peers", "peers": {peer id: [multiaddr, ...]}}
      the peers py-libp2p's mDNS listener reported discovered (its peerDiscovery event), at
      the addresses it read from their announcements
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import libp2p.discovery.mdns.mdns as mdns_module
import trio
from libp2p.discovery.events.peerDiscovery import peerDiscovery
from libp2p.peer.peerinfo import PeerInfo
from zeroconf import Zeroconf

Emit = Callable[..., None]


def confine_to_loopback() -> None:
    mdns_module.Zeroconf = functools.partial(Zeroconf, interfaces=["127.0.0.1"])


class MdnsService:
    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.discovered: dict[str, list[str]] = {}  # written from zeroconf's thread
        peerDiscovery.register_peer_discovered_handler(self.found)

    def found(self, info: PeerInfo) -> None:
        self.discovered[info.peer_id.to_base58()] = [str(a) for a in info.addrs]

    def start(self, cmd: dict[str, Any], nursery: trio.Nursery) -> bool:
        if "mdns_peers" not in cmd:
            return False
        self.emit(event="mdns_peers", peers=dict(self.discovered))
        return True
