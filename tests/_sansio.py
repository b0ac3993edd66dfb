"""Helpers shared by the tests of sans-I/O machines and codecs, written independently of the
project's own code so they can check it."""


def varint(v: int) -> bytes:
    """An unsigned protobuf/multiformats varint."""
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def pump(a, b):
    """Deliver each side's output to the other until both are quiet; collect their events.

    `a` and `b` are sans-I/O sessions with `take_output()` and `feed(bytes) -> (out, events)`.
    """
    events = {id(a): [], id(b): []}
    out_a, out_b = a.take_output(), b.take_output()
    while out_a or out_b:
        out, ev = b.feed(out_a)
        events[id(b)] += ev
        out_a, out_b = b"", out_b + out
        out, ev = a.feed(out_b)
        events[id(a)] += ev
        out_b, out_a = b"", out_a + out
    return events[id(a)], events[id(b)]
