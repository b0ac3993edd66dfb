"""The README's demo."""

from __future__ import annotations


def run_demo() -> int:
    print("p2pgossip demo")
    return 0
