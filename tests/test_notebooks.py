"""Every notebook under notebooks/ runs top to bottom (at its small default sizes)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("P2PGOSSIP_SOCKETS_HONEST", "30")  # attacks.ipynb: 30 + 30, not 50 + 50
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for i, source in enumerate(code_cells(path)):
        exec(compile(source, f"{path.name}[cell {i}]", "exec"), namespace)
    import matplotlib.pyplot as plt

    plt.close("all")
