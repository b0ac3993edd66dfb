"""The packaging promise (issue 15): `pip install p2pgossip` works on a machine that has never
heard of libsodium, Asio or xxHash, and the sdist says in one line what is missing.

The session builds the release wheel once, as the release job does (tools/build_wheel.py:
sdist, wheel from the sdist with libsodium built from source and linked statically,
`auditwheel repair`), in build/wheel, which persists: a second run is incremental.

Isolation achieved: each check runs in new mount and network namespaces
(tests/_without_packages.py, `unshare --mount --net`, root only) in which every file of the
Debian packages libsodium-dev, libsodium23, libasio-dev, libxxhash-dev and libxxhash0 is absent
from the filesystem (not emptied: the directories holding them are rebuilt without them), the
dynamic linker's cache is rebuilt without them, and the only network interface is loopback.
There, a fresh virtual environment of the base interpreter gets the wheel and numpy with
`pip --no-index` from a local folder, with pip's configuration files ignored, so nothing is
reachable but that folder. What is not isolated: the rest of this machine's filesystem (its
compiler, its Python, other libraries), which a clean machine would not have; the extension's
dependencies are therefore also checked by name with ldd and auditwheel.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_wheel  # noqa: E402

HIDDEN_PACKAGES = ["libsodium-dev", "libsodium23", "libasio-dev", "libxxhash-dev", "libxxhash0"]
WITHOUT_PACKAGES = Path(__file__).resolve().parent / "_without_packages.py"
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
# What the extension may link to: the C and C++ runtimes every manylinux system has.
ALLOWED_LIBRARIES = re.compile(
    r"(linux-vdso|linux-gate|ld-linux[-\w]*|libc|libm|libstdc\+\+|libgcc_s|libpthread)\.so"
)


def _isolation_unavailable() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the packaging test builds a manylinux wheel: Linux only"
    if os.geteuid() != 0:
        return "mount namespaces need root"
    for tool in ("unshare", "dpkg", "ldconfig", "nm"):
        if shutil.which(tool, path=_clean_env()["PATH"]) is None:
            return f"{tool} not found"
    return None


@pytest.fixture(scope="session", autouse=True)
def _isolation() -> None:
    reason = _isolation_unavailable()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must check the packaging promise, but {reason}")
    if reason:
        pytest.skip(reason)


def _clean_env() -> dict[str, str]:
    """No PYTHONPATH, no pip configuration (find-links, extra indexes), no proxies."""
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def without_packages(*command: str | Path, cwd: Path | None = None) -> str:
    """Runs `command` where HIDDEN_PACKAGES are absent and the network is loopback only;
    stdout and stderr together."""
    args = ["unshare", "--mount", "--net", "--fork", "--", BASE_PYTHON, WITHOUT_PACKAGES]
    done = subprocess.run(
        [str(a) for a in [*args, *HIDDEN_PACKAGES, "--", *command]],
        cwd=cwd,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return f"exit {done.returncode}\n{done.stdout}"


def _ok(output: str) -> str:
    assert output.startswith("exit 0\n"), output
    return output.split("\n", 1)[1]


@pytest.fixture(scope="session")
def wheel() -> Path:
    return build_wheel.build()


@pytest.fixture(scope="session")
def wheelhouse(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the one dependency it needs (numpy, as a wheel kept in build/wheel)."""
    numpy = f"numpy=={importlib.metadata.version('numpy')}"
    deps = build_wheel.OUT / "deps" / "wheels"
    if not list(deps.glob(f"numpy-{importlib.metadata.version('numpy')}-*.whl")):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--only-binary", ":all:"]
            + ["--no-deps", "-d", str(deps), numpy],
            check=True,
        )
    house = tmp_path_factory.mktemp("wheelhouse")
    for w in [wheel, *deps.glob("numpy-*.whl")]:
        shutil.copy(w, house)
    return house


@pytest.fixture(scope="session")
def venv(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed, made where the packages are
    absent and the network is not reachable."""
    env = tmp_path_factory.mktemp("fresh") / "venv"
    install = f"'{BASE_PYTHON}' -m venv '{env}' && '{env}/bin/pip' install -q --no-index "
    install += f"--find-links '{wheelhouse}' p2pgossip"
    _ok(without_packages("bash", "-c", install))
    return env


def in_venv(venv: Path, code: str) -> str:
    return _ok(without_packages(venv / "bin" / "python", "-c", code, cwd=venv))


def test_the_isolation_hides_the_packages_and_the_network(venv: Path) -> None:
    out = in_venv(
        venv,
        "import ctypes.util, os, socket, subprocess\n"
        "print(ctypes.util.find_library('sodium'), ctypes.util.find_library('xxhash'))\n"
        "print([p for p in ('/usr/include/sodium.h', '/usr/include/asio.hpp',"
        " '/usr/include/xxhash.h') if os.path.exists(p)])\n"
        "print(subprocess.run(['pkg-config', '--exists', 'libsodium']).returncode)\n"
        "print(sorted(n for _, n in socket.if_nameindex()))\n",
    )
    assert out.split("\n")[:4] == ["None None", "[]", "1", "['lo']"], out


def test_the_wheel_tag_is_the_policy_auditwheel_reports(wheel: Path) -> None:
    report = " ".join(build_wheel.show(wheel).split())
    policy = re.search(r'consistent with the following platform tag: "([^"]+)"', report)
    assert policy, report
    assert wheel.name.endswith(f"-{policy.group(1)}.whl"), (wheel.name, report)
    assert policy.group(1).startswith("manylinux_")


def test_the_extension_needs_only_the_c_and_cpp_runtimes(venv: Path) -> None:
    (core,) = venv.glob("lib/python*/site-packages/p2pgossip/_core*.so")
    linked = _ok(without_packages("ldd", core))
    assert "not found" not in linked, linked
    names = [line.split()[0] for line in linked.strip().splitlines()]
    assert names and all(ALLOWED_LIBRARIES.match(Path(n).name) for n in names), linked
    assert not [n for n in (venv / "lib").rglob("*.so*") if "sodium" in n.name]


def test_libsodium_is_inside_with_its_symbols_hidden(venv: Path) -> None:
    (core,) = venv.glob("lib/python*/site-packages/p2pgossip/_core*.so")
    exported = subprocess.run(["nm", "-D", "--defined-only", core], capture_output=True, text=True)
    names = {line.split()[-1] for line in exported.stdout.splitlines()}
    assert "PyInit__core" in names
    assert not [n for n in names if n.startswith(("sodium_", "crypto_", "randombytes_"))]
    undefined = subprocess.run(
        ["nm", "-D", "--undefined-only", core], capture_output=True, text=True
    )
    assert "crypto_sign_verify_detached" not in undefined.stdout  # linked in, not imported


def test_version_comes_from_one_place(venv: Path, wheel: Path) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = re.search(r'^version = "([^"]+)"', pyproject, re.M)
    assert declared
    out = in_venv(
        venv,
        "import importlib.metadata as m, p2pgossip\n"
        "print(p2pgossip.__version__, m.version('p2pgossip'), p2pgossip.__file__)\n",
    )
    version, metadata, location = out.split()
    assert version == metadata == declared.group(1)
    assert wheel.name.startswith(f"p2pgossip-{version}-")
    assert location.startswith(str(venv))


def test_p2pgossip_version_prints_it(venv: Path) -> None:
    out = without_packages(venv / "bin" / "p2pgossip", "--version")
    assert _ok(out).strip().endswith(importlib.metadata.version("p2pgossip")), out


def test_import_needs_only_numpy_and_analysis_names_its_extra(venv: Path) -> None:
    out = in_venv(
        venv,
        "import sys, p2pgossip as pg\n"
        "optional = ('pandas', 'networkx', 'tqdm', 'matplotlib', 'prometheus_client')\n"
        "print([m for m in optional if m in sys.modules])\n"
        "sim = pg.Simulation([(0, 1)], seed=1, topics=['t'])\n"
        "for call in (sim.deliveries, lambda: pg.topology.ring(4)):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as e:\n"
        "        print(e)\n",
    )
    lines = out.strip().split("\n")
    assert lines[0] == "[]", out
    assert lines[1:] == [
        "pandas is not installed: pip install 'p2pgossip[analysis]'",
        "networkx is not installed: pip install 'p2pgossip[analysis]'",
    ], out


def test_two_nodes_exchange_messages_over_tcp_loopback(venv: Path) -> None:
    example = ROOT / "docs" / "examples" / "two_nodes.py"
    out = _ok(without_packages(venv / "bin" / "python", example, cwd=venv))
    assert out.split() == ["hello", "0", "hello", "1", "hello", "2", "hello", "3", "hello", "4"]


def test_a_100_node_simulation_delivers_everywhere(venv: Path) -> None:
    out = in_venv(
        venv,
        "import numpy as np, p2pgossip as pg\n"
        "n = 100\n"
        "ring = [(i, (i + k) % n) for i in range(n) for k in (1, 7, 31)]\n"
        "sim = pg.Simulation(ring, seed=1, topics=['blocks'],\n"
        "                    latency=pg.Latency.lognormal(median_ms=40, sigma=0.5))\n"
        "for i in range(10):\n"
        "    sim.publish(node=i, topic='blocks', data=i.to_bytes(4, 'big') * 64, at_s=2 + i / 10)\n"
        "sim.run(until_s=10)\n"
        "nodes = sim._core.deliveries_columns()['node']\n"  # the columns behind deliveries()
        "print(len(nodes), len(np.unique(nodes)), sim.trace_digest())\n",
    )
    deliveries, nodes, digest = out.split()
    assert (int(deliveries), int(nodes)) == (1000, 100)
    assert len(digest) == 32


def test_the_sdist_names_the_missing_packages_in_one_line(wheel: Path, tmp_path: Path) -> None:
    (sdist,) = (build_wheel.OUT / "sdist").glob("p2pgossip-*.tar.gz")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation"]  # its scikit-build
    out = without_packages(*pip, "--no-deps", "-w", tmp_path, sdist)
    assert not out.startswith("exit 0\n"), out
    (line,) = [line for line in out.splitlines() if "p2pgossip: missing" in line]
    for install in (
        "apt-get install libsodium-dev pkg-config libasio-dev libxxhash-dev (Debian/Ubuntu)",
        "dnf install libsodium-devel pkgconf-pkg-config asio-devel xxhash-devel (Fedora)",
        "brew install libsodium pkg-config asio xxhash (macOS)",
    ):
        assert install in line, line


def test_the_sdist_configures_against_the_system_libraries(wheel: Path, tmp_path: Path) -> None:
    """Where the -dev packages are installed the sdist takes the system's shared libsodium
    (the wheel, built from the same sdist, shows that it compiles)."""
    import pybind11

    src = build_wheel.OUT / "src"  # the sdist as tools/build_wheel.py unpacked it
    tools = Path(sys.executable).parent  # the venv's cmake and ninja, as the wheel build's
    configure = [tools / "cmake", "-S", src, "-B", tmp_path, "-G", "Ninja"]
    configure += [
        f"-DCMAKE_MAKE_PROGRAM={tools / 'ninja'}",
        f"-DPython_EXECUTABLE={sys.executable}",
    ]
    configure += [f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"]
    subprocess.run([str(a) for a in configure], check=True, capture_output=True)
    assert re.search(r"libsodium\.so\b", (tmp_path / "build.ninja").read_text())
