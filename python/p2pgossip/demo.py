"""The README's demo. Until the network exists: sign, encode and verify a batch of messages."""

from __future__ import annotations

import time

from . import Identity, Message, crypto


def run_demo(count: int = 2000, size: int = 256) -> int:
    ident = Identity.generate()
    print(f"identity {ident.peer_id}")

    t0 = time.perf_counter()
    msgs = [Message.create(ident, "demo", i.to_bytes(4, "big") * (size // 4)) for i in range(count)]
    t1 = time.perf_counter()
    wire = [m.encode() for m in msgs]
    t2 = time.perf_counter()
    ok = crypto.verify_batch(msgs)
    t3 = time.perf_counter()
    forged = msgs[0].replace(data=b"forged")

    print(
        f"{count} messages of {size} B ({len(wire[0])} B encoded, signed, id {msgs[0].id().hex()})"
    )
    for what, seconds in (("sign", t1 - t0), ("encode", t2 - t1), ("verify", t3 - t2)):
        print(f"  {what:<7}{count / seconds:>12,.0f} msgs/s")
    print(f"  verified {sum(ok)}/{count}; a forged copy verifies: {forged.verify()}")
    return 0 if all(ok) and not forged.verify() else 1
