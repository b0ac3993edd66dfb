"""Whether a large simulation would run faster with transparent huge pages, and how to ask.

A simulation of tens of thousands of nodes reads a random node's router at every event, so
most of its time goes to cache and TLB misses; with 4 KiB pages, the page tables of a few GB
of heap leave the caches too. Where the kernel's THP mode is ``madvise`` (the Debian and
Ubuntu default), glibc's malloc uses huge pages only when the process starts with
``GLIBC_TUNABLES=glibc.malloc.hugetlb=1``: measured 27% less run time at 100,000 nodes and 5-10%
at 10,000, for about 1.5% more memory (docs/memory.md). glibc reads the tunable once, at
process start, so a library cannot turn it on for the interpreter it runs in: it can say so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: From this many nodes the advice is given (below it the heap fits the caches better).
ADVISE_FROM_NODES = 10_000
THP_MODE = Path("/sys/kernel/mm/transparent_hugepage/enabled")
TUNABLE = "glibc.malloc.hugetlb"


def thp_mode(path: Path | None = None) -> str | None:
    """The kernel's THP mode (``always``, ``madvise`` or ``never``), None where unknown."""
    try:
        text = (path or THP_MODE).read_text()
    except OSError:
        return None
    for word in text.split():
        if word.startswith("[") and word.endswith("]"):
            return word[1:-1]
    return None


def malloc_uses_huge_pages(env: Mapping[str, str] | None = None) -> bool:
    """Whether this process was started with glibc's THP tunable on (1 or 2)."""
    for item in (os.environ if env is None else env).get("GLIBC_TUNABLES", "").split(":"):
        name, _, value = item.partition("=")
        if name == TUNABLE and value in ("1", "2"):
            return True
    return False


def advice(
    nodes: int, env: Mapping[str, str] | None = None, path: Path | None = None
) -> str | None:
    """A hint for a simulation of `nodes` nodes, or None when there is nothing to gain."""
    if nodes < ADVISE_FROM_NODES or thp_mode(path) != "madvise" or malloc_uses_huge_pages(env):
        return None
    return (
        f"a simulation of {nodes:,} nodes runs 5-27% faster with transparent huge pages: "
        f"start Python with GLIBC_TUNABLES={TUNABLE}=1 in its environment"
    )
