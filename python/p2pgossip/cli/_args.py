"""Argument types with a range, for argparse: the rule is in the error message."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

__all__ = ["count", "non_negative", "port", "positive", "ratio"]

T = TypeVar("T", int, float)


def bounded(
    convert: Callable[[str], T], what: str, ok: Callable[[T], bool], rule: str
) -> Callable[[str], T]:
    def parse(text: str) -> T:
        try:
            v = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(rule.format(text))
        return v

    return parse


port = bounded(int, "a port number", lambda v: 0 <= v <= 65535, "port {} is outside 0..65535")
positive = bounded(float, "a number", lambda v: v > 0, "must be > 0: {}")
non_negative = bounded(float, "a number", lambda v: v >= 0, "must be >= 0: {}")
count = bounded(int, "a whole number", lambda v: v >= 2, "a cluster needs at least 2 nodes, not {}")
ratio = bounded(float, "a number", lambda v: 0 < v <= 1, "must be in (0, 1]: {}")
