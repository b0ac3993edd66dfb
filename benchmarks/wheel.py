"""The installed release wheel against the editable build, in the same run.

    python -m benchmarks wheel [--repeat 2]      (make bench-wheel)

Builds the release wheel (tools/build_wheel.py: libsodium static, incremental in build/wheel),
installs it with its [analysis] extra into build/wheel/bench-venv (pip; numpy, pandas and
networkx from pip's cache or PyPI), then runs `crypto` and `sim --quick` with the editable
build's interpreter and with the wheel's, alternating (editable, wheel, editable, wheel...)
so that both see the same machine. Each row reports each side's best run and the wheel's speed
relative to the editable build's: 1.00 means as fast, above 1 faster. The load average before
and after goes into the results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import _report

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / "build" / "wheel" / "bench-venv"
# (benchmark, its arguments, the row fields that name a row, the figure compared, higher is better)
RUNS: list[tuple[str, list[str], tuple[str, ...], str, bool]] = [
    ("crypto", [], ("op", "path"), "per_s", True),
    ("sim", ["--quick"], ("nodes", "strategy", "publishing"), "wall_s", False),
]


def wheel_python() -> Path:
    """The bench venv's interpreter, with the freshly built wheel installed."""
    sys.path.insert(0, str(ROOT / "tools"))
    import build_wheel

    wheel = build_wheel.build()
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, f"p2pgossip[analysis] @ {wheel.as_uri()}"], check=True)
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(wheel)], check=True)
    return python


def core_file(python: Path | str) -> str:
    code = "import p2pgossip._core as c; print(c.__file__)"
    return subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout


def run(python: Path | str, name: str, args: list[str]) -> list[dict[str, Any]]:
    """One run of benchmarks/<name>.py from the repository with `python`; its result rows."""
    subprocess.run([python, "-m", "benchmarks", name, *args], cwd=ROOT, check=True)
    results = json.loads((_report.RESULTS_DIR / f"{name}.json").read_text())
    return list(results["rows"])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks wheel")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each side, alternating")
    args = ap.parse_args(argv)
    sides = {"editable": sys.executable, "wheel": str(wheel_python())}
    where = {side: core_file(python).strip() for side, python in sides.items()}
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    for name, bench_args, key_fields, figure, higher_is_better in RUNS:
        best: dict[str, dict[tuple[Any, ...], float]] = {side: {} for side in sides}
        for _ in range(args.repeat):
            for side, python in sides.items():
                for row in run(python, name, bench_args):
                    key = tuple(row[f] for f in key_fields)
                    pick = max if higher_is_better else min
                    value = float(row[figure])
                    best[side][key] = pick(best[side].get(key, value), value)
        for key, editable in best["editable"].items():
            wheel = best["wheel"][key]
            speed = wheel / editable if higher_is_better else editable / wheel
            rows.append(
                {
                    "benchmark": f"{name} {' '.join(bench_args)}".strip(),
                    "row": " / ".join(map(str, key)),
                    "figure": figure,
                    "editable": editable,
                    "wheel": wheel,
                    "wheel speed": speed,
                }
            )
    _report.write(
        "wheel",
        rows,
        {
            "extension": where,
            "repeat": args.repeat,
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
    )
