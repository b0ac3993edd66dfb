"""Progress fits where it goes: a redrawn bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io

import pytest
from p2pgossip._progress import Progress


def test_no_redraws_when_the_output_is_not_a_terminal() -> None:
    out = io.StringIO()
    with Progress(total=1000, desc="run", unit="msg", stream=out, interval=3600) as bar:
        for _ in range(1000):
            bar.update()
        bar.set_postfix("p50 1.0 ms")
    assert "\r" not in out.getvalue()
    assert out.getvalue() == "run: 1000/1000 msg p50 1.0 ms\n"  # only the final line


def test_a_bar_on_a_terminal() -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    with Progress(total=10, desc="run", stream=out, terminal=True) as bar:
        bar.update(10)
    assert out.getvalue().startswith("\rrun:")  # drawn, then redrawn in place


def test_the_demo_uses_it() -> None:
    from p2pgossip import demo

    assert isinstance(demo._progress(3, "x"), Progress)
