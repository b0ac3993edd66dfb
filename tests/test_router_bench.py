"""The router benchmark's C++ loop runs every kind and rejects unknown ones."""

import pytest
from p2pgossip import _core


@pytest.mark.parametrize("kind", ["baseline", "unique", "duplicate"])
def test_bench_router_kinds(kind):
    assert _core._bench.router(kind, 50) > 0


def test_bench_router_unknown_kind():
    with pytest.raises(ValueError):
        _core._bench.router("nope", 1)
