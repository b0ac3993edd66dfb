"""`mypy --strict` over the examples in docs/, the notebooks' code and the _core stubs:
the stubs must be complete enough for user code to type-check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mypy", reason="mypy is in the dev extra")


def notebook_code(path: Path) -> str:
    """The code cells of a notebook as one module (IPython magics left out)."""
    cells = json.loads(path.read_text())["cells"]
    out = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        out += [ln for ln in lines if not ln.lstrip().startswith(("%", "!"))]
    return "\n".join(out) + "\n"


def test_mypy_strict_on_examples_notebooks_and_stubs(tmp_path: Path) -> None:
    targets = [str(ROOT / "docs" / "examples"), str(ROOT / "python" / "p2pgossip" / "_core")]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        code = tmp_path / f"notebook_{nb.stem}.py"
        code.write_text(notebook_code(nb))
        targets.append(str(code))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir=/dev/null",
            *targets,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
