"""Progress that fits where the output goes.

On a terminal, a tqdm bar redrawn in place. Anywhere else (a pipe, a file, CI) a redraw
would write one line per update into the log, so the bar is replaced by a plain line at
most every ``interval`` seconds, and one at the end.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from ._extras import needs

__all__ = ["Progress", "is_terminal"]


def is_terminal(stream: TextIO | None = None) -> bool:
    s = sys.stderr if stream is None else stream
    try:
        return s.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False


class Progress:
    """A counter towards ``total`` (None: open-ended) shown as ``desc``.

    ``update(n)`` advances it, ``set_postfix(text)`` sets a status text shown beside it.
    Use as a context manager; ``close()`` prints the final line when not on a terminal.
    ``rate=False`` leaves tqdm's rate out (for a count of seconds).
    """

    def __init__(
        self,
        total: int | None,
        desc: str,
        unit: str = "it",
        *,
        stream: TextIO | None = None,
        interval: float = 5.0,
        terminal: bool | None = None,
        rate: bool = True,
    ) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.n = 0
        self.postfix = ""
        self._stream = sys.stderr if stream is None else stream
        self._interval = interval
        self._last = time.monotonic()
        self._bar: Any = None
        if is_terminal(self._stream) if terminal is None else terminal:
            with needs("analysis"):
                from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            fmt = None
            if not rate:  # a count of seconds has no useful rate ("1.00s/s")
                fmt = "{desc}: {n_fmt} {unit}{postfix}"
                if total is not None:
                    fmt = "{l_bar}{bar}| {n_fmt}/{total_fmt} {unit}{postfix}"
            self._bar = tqdm(
                total=total, desc=desc, unit=unit, leave=False, file=self._stream, bar_format=fmt
            )

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)
        else:
            self._maybe_line()

    def set_postfix(self, text: str) -> None:
        self.postfix = text
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=True)
        else:
            self._maybe_line()

    def line(self) -> str:
        count = f"{self.n}/{self.total}" if self.total is not None else str(self.n)
        tail = f" {self.postfix}" if self.postfix else ""
        return f"{self.desc}: {count} {self.unit}{tail}"

    def _maybe_line(self) -> None:
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            print(self.line(), file=self._stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        else:
            print(self.line(), file=self._stream, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
