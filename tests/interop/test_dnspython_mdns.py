"""mDNS packets across implementations: we read dnspython's compressed libp2p response, and
dnspython reads our query and response as we meant them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from p2pgossip import Identity
from p2pgossip._core import mdns

SCRIPT = Path(__file__).with_name("dnspython_mdns.py")
PEER = str(Identity.from_seed(bytes(32)).peer_id)
ADDRS = [f"/ip4/192.168.1.7/tcp/4001/p2p/{PEER}", f"/ip6/fe80::1/tcp/4001/p2p/{PEER}"]


def dnspython(python: Path, *args: str) -> Any:
    done = subprocess.run(
        [str(python), str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_we_read_dnspythons_response(pylibp2p_python: Path) -> None:
    name = mdns.random_peer_name(3)
    data = bytes.fromhex(dnspython(pylibp2p_python, "make", name, *ADDRS))
    assert mdns.discovered_peers(data) == [(name, ADDRS, 120)]
    msg = mdns.decode(data)
    srv, a, aaaa = msg["additionals"][1:]
    assert (srv["type"], srv["port"], srv["target"]) == (33, 4001, f"{name}.local")
    assert a["data"] == bytes([192, 168, 1, 7]) and aaaa["data"] == bytes.fromhex(
        "fe80" + "0" * 27 + "1"
    )
    # dnspython compressed the names: ours are written out, so the packet grows
    assert len(mdns.encode(msg)) > len(data)


def test_dnspython_reads_our_query_and_response(pylibp2p_python: Path) -> None:
    got = dnspython(pylibp2p_python, "parse", mdns.peer_query().hex())
    assert got == {
        "flags": 0,
        "questions": ["_p2p._udp.local. IN PTR"],
        "answers": [],
        "additionals": [],
    }
    name = mdns.random_peer_name(4)
    got = dnspython(pylibp2p_python, "parse", mdns.peer_response(name, ADDRS).hex())
    assert got["flags"] == 0x8400
    assert got["answers"] == [f"_p2p._udp.local. 120 IN PTR {name}._p2p._udp.local."]
    txt = " ".join(f'"dnsaddr={a}"' for a in ADDRS)
    got_meta = dnspython(pylibp2p_python, "parse", mdns.meta_response().hex())
    assert got_meta["answers"] == ["_services._dns-sd._udp.local. 120 IN PTR _p2p._udp.local."]
    assert got["additionals"] == [
        f"{name}._p2p._udp.local. 120 IN TXT {txt}",
        f"{name}._p2p._udp.local. 120 IN SRV 0 0 4001 {name}.local.",
        f"{name}.local. 120 IN A 192.168.1.7",
        f"{name}.local. 120 IN AAAA fe80::1",
    ]
