"""Log records from the native side, emitted under the ``p2pgossip`` logger.

The I/O threads queue Log events (level, node, message, fields such as peer, topic and
reason); the event pump hands them here in batches on the asyncio loop's thread. Fields
become attributes of the LogRecord (``extra``), so a handler or formatter can use
``%(peer)s`` or structured output. The library configures no handlers and no levels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger("p2pgossip")

# LogRecord attributes a field must not overwrite (logging raises KeyError on them).
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def field_name(key: str) -> str:
    """The LogRecord attribute for a native field: its own name unless that is taken."""
    return f"field_{key}" if key in _RESERVED else key


def emit(level: int, node: Any, message: str, fields: Iterable[tuple[str, str]]) -> None:
    """Log one native event; ``node`` (the node's peer id or label) is the ``node`` field."""
    if not logger.isEnabledFor(level):
        return
    extra = {field_name(k): v for k, v in fields}
    extra["node"] = str(node)
    logger.log(level, message, extra=extra)


def native_level() -> int:
    """The lowest level the native side needs to produce: what the logger would emit."""
    return logger.getEffectiveLevel()
