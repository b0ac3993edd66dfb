"""mDNS packets as dnspython writes and reads them; run in py-libp2p's venv (which has
dnspython, through zeroconf's dependencies).

dnspython_mdns.py make <peer name> <multiaddr>...
    a libp2p mDNS response (PTR answer; TXT, SRV, A, AAAA additionals), names compressed as
    dnspython compresses them; prints its hex.
dnspython_mdns.py parse <hex>
    prints {"flags", "questions", "answers", "additionals"} as dnspython reads the packet, each
    record in zone-file text form, or {"error"}.
"""

from __future__ import annotations

import json
import sys

import dns.flags
import dns.message
import dns.rrset

SERVICE = "_p2p._udp.local."


def make(peer_name: str, addrs: list[str]) -> str:
    instance = f"{peer_name}.{SERVICE}"
    host = f"{peer_name}.local."
    msg = dns.message.Message(id=0)
    msg.flags = dns.flags.QR | dns.flags.AA
    msg.answer.append(dns.rrset.from_text(SERVICE, 120, "IN", "PTR", instance))
    txt = " ".join(f'"dnsaddr={a}"' for a in addrs)
    msg.additional.append(dns.rrset.from_text(instance, 120, "IN", "TXT", txt))
    msg.additional.append(dns.rrset.from_text(instance, 120, "IN", "SRV", f"0 0 4001 {host}"))
    msg.additional.append(dns.rrset.from_text(host, 120, "IN", "A", "192.168.1.7"))
    msg.additional.append(dns.rrset.from_text(host, 120, "IN", "AAAA", "fe80::1"))
    return msg.to_wire().hex()


def parse(data_hex: str) -> dict:
    try:
        msg = dns.message.from_wire(bytes.fromhex(data_hex))
    except Exception as e:  # dnspython raises several types; the test reads the text
        return {"error": f"{type(e).__name__}: {e}"}

    def lines(section) -> list[str]:
        return [line for rrset in section for line in rrset.to_text().splitlines()]

    return {
        "flags": msg.flags,
        "questions": [q.to_text() for q in msg.question],
        "answers": lines(msg.answer),
        "additionals": lines(msg.additional),
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = make(args[0], args[1:]) if command == "make" else parse(args[0])
    print(json.dumps(result))
