"""Optional dependencies: imported where a feature needs them, never by ``import p2pgossip``
(which needs only numpy), and named with their extra when missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def needs(extra: str) -> Iterator[None]:
    """Wraps a feature's imports: a missing module raises ModuleNotFoundError saying
    ``pip install 'p2pgossip[<extra>]'``."""
    try:
        yield
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(
            f"{e.name} is not installed: pip install 'p2pgossip[{extra}]'", name=e.name
        ) from e
