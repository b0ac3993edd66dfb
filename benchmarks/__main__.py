"""`python -m benchmarks NAME [args]` runs benchmarks/NAME.py's main(args); `all` runs each."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def _names() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = _names()
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: python -m benchmarks {{{','.join([*names, 'all'])}}} [args]")
        return 0 if argv else 2
    chosen = names if argv[0] == "all" else [argv[0]]
    for name in chosen:
        if name not in names:
            print(f"unknown benchmark {name!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
        importlib.import_module(f"benchmarks.{name}").main(argv[1:])
    return 0


raise SystemExit(main(sys.argv[1:]))
