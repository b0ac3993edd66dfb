import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from p2pgossip import _core
from runtime_harness import Harness

# CI is reproducible: derandomized, fixed example counts. `dev` hunts for bugs.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Vectors from other implementations live beside the repository, in ../shared/vectors.
VECTORS = Path(__file__).resolve().parent.parent.parent / "shared" / "vectors"


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    if not VECTORS.is_dir():
        pytest.fail(f"test vectors not found at {VECTORS} (shared/ must sit beside the repo)")
    return VECTORS


@pytest.fixture
def h() -> Iterator[Harness]:
    """A started runtime in the real-socket test harness (the runtime_* tests)."""
    rt = _core.runtime.Runtime()
    rt.start()
    try:
        yield Harness(rt)
    finally:
        rt.close()
