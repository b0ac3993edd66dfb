"""Run a command in a mount and network namespace where some Debian packages are absent.

    unshare --mount --net --fork -- python tests/_without_packages.py PKG... -- COMMAND...

Inside the new namespaces (root only): every file that `dpkg -L` lists for the packages is
gone, not emptied. Each directory holding such files is rebuilt on a tmpfs from symlinks to
everything else it held (the originals stay reachable through a private bind mount), and a
directory all of whose files belong to the packages disappears whole. The dynamic linker's
cache is rebuilt from what is left, so `ldconfig -p`, `ctypes.util.find_library`, CMake's
find_path and pkg-config see the same machine without the packages. The network namespace has
only the loopback interface, brought up here: nothing outside the machine is reachable. The
host's mounts, files and network are untouched; all of it ends with the command.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import subprocess
import sys
import tempfile


def package_files(packages: list[str]) -> set[str]:
    """The non-directory paths the installed packages among `packages` own."""
    files: set[str] = set()
    for package in packages:
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
        if listing.returncode != 0:  # not installed: nothing to hide
            continue
        for path in listing.stdout.splitlines():
            if path.startswith("/") and os.path.lexists(path) and not os.path.isdir(path):
                files.add(os.path.normpath(path))
    return files


def hidden_paths(files: set[str]) -> set[str]:
    """`files`, plus each directory whose whole content is among them (bottom up)."""
    hidden = set(files)
    directories = sorted({os.path.dirname(f) for f in files}, key=len, reverse=True)
    while directories:
        directory = directories.pop(0)
        if directory == "/" or directory in hidden:
            continue
        if all(os.path.join(directory, e) in hidden for e in os.listdir(directory)):
            hidden.add(directory)
            directories.append(os.path.dirname(directory))
            directories.sort(key=len, reverse=True)
    return hidden


def tops(paths: set[str]) -> set[str]:
    """The paths of `paths` that are not below another of them."""
    return {p for p in paths if not any(p.startswith(q + "/") for q in paths if q != p)}


def rebuild(original: str, view: str, path: str, hidden: set[str]) -> None:
    """Fills `view` (the directory `path` on a tmpfs) with links to `original`'s entries."""
    for entry in sorted(os.listdir(original)):
        full = os.path.join(path, entry)
        if full in hidden:
            continue
        source, target = os.path.join(original, entry), os.path.join(view, entry)
        if (
            os.path.isdir(source)
            and not os.path.islink(source)
            and any(h.startswith(full + "/") for h in hidden)
        ):
            os.mkdir(target, os.stat(source).st_mode & 0o7777)
            rebuild(source, target, full, hidden)
        else:
            os.symlink(source, target)


def loopback_up() -> None:
    """`ip link set lo up`, without needing iproute2: SIOCGIFFLAGS, then SIOCSIFFLAGS | IFF_UP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, request)[:18])[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 0x1))


def run(*args: str) -> None:
    subprocess.run(args, check=True)


def main(argv: list[str]) -> int:
    split = argv.index("--")
    packages, command = argv[:split], argv[split + 1 :]
    hidden = hidden_paths(package_files(packages))
    run("mount", "--make-rprivate", "/")
    # A tmpfs of this namespace's own holds the originals and the new linker cache.
    stash = tempfile.mkdtemp(prefix="p2pgossip-without-packages-")
    run("mount", "-t", "tmpfs", "tmpfs", stash)
    for number, root in enumerate(sorted(tops({os.path.dirname(h) for h in tops(hidden)}))):
        original = os.path.join(stash, str(number))
        os.mkdir(original)
        run("mount", "--bind", root, original)
        run("mount", "-t", "tmpfs", "-o", f"mode={os.stat(root).st_mode & 0o7777:o}", "tmpfs", root)
        rebuild(original, root, root, hidden)
    cache = os.path.join(stash, "ld.so.cache")
    run("ldconfig", "-X", "-C", cache)
    run("mount", "--bind", cache, "/etc/ld.so.cache")
    loopback_up()
    os.execvp(command[0], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
