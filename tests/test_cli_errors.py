"""Each way the shell can fail says so in one line on stderr, exits non-zero, and never
shows a traceback."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import p2pgossip as pg
import pytest
from cli_harness import Cli, free_port, run
from p2pgossip.cli import main


def fails(code: int, *args: str, contains: str) -> str:
    r = run(*args)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, r.stdout + r.stderr
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    # argparse reports an unknown flag for the whole command, not for the verb.
    assert re.match(rf"p2pgossip( {args[0]})?: error: ", lines[0]), lines[0]
    assert contains in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "contains"),
    [
        (["node", "--port", "x"], "argument --port: not a port number"),
        (["node", "--port", "70000"], "outside 0..65535"),
        (["node", "--period", "0"], "must be > 0"),
        (["node", "--connect", "/ip4/127.0.0.1/tcp/4001"], "/p2p/<peer id>"),
        (["node", "--connect", "/ip4/127.0.0.1/tcp/4001/p2p/nonsense"], "bad peer id"),
        (["cluster", "1"], "at least 2 nodes"),
        (["cluster", "3", "--ratio", "0.5", "--topology", "ring"], "not allowed with"),
        (["cluster", "3", "--topology", "random-regular:5"], "--topology random-regular:5"),
        (["node", "--no-such-flag"], "unrecognized arguments"),
    ],
)
def test_bad_arguments(args: list[str], contains: str, capsys: pytest.CaptureFixture[str]) -> None:
    # In this process (argument checks start nothing): the same main() the script runs.
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own exit
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert re.match(rf"p2pgossip( {args[0]})?: error: ", err) and contains in err, err


def test_malformed_key(tmp_path: Path) -> None:
    key = tmp_path / "bad.key"
    key.write_bytes(b"not a key at all")
    fails(1, "node", "--key", str(key), contains="is not a libp2p Ed25519 private key")
    fails(1, "keygen", "--show", str(key), contains="is not a libp2p Ed25519 private key")


def test_unreadable_key(tmp_path: Path) -> None:
    # A directory: unreadable as a file even for root, which ignores mode bits.
    fails(1, "node", "--key", str(tmp_path), contains=f"cannot read key file {tmp_path}")
    fails(1, "keygen", "--show", str(tmp_path / "absent.key"), contains="No such file")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_port_in_use(busy_port: int) -> None:
    fails(1, "node", "--port", str(busy_port), contains=f"port {busy_port} is in use")
    fails(1, "node", "--web-port", str(busy_port), contains=f"--web-port {busy_port}")
    fails(1, "node", "--metrics-port", str(busy_port), contains=f"--metrics-port {busy_port}")
    fails(1, "cluster", "2", "--web-port", str(busy_port), contains=f"--web-port {busy_port}")


def test_unwritable_known_peers_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    target = blocker / "peers.json"  # under a file: no one can create it, root included
    fails(1, "node", "--known-peers", str(target), contains="cannot write known-peers file")


def test_unreachable_connect_gives_up_after_the_timeout() -> None:
    nobody = pg.Identity.generate().peer_id
    addr = f"/ip4/127.0.0.1/tcp/{free_port()}/p2p/{nobody}"
    line = fails(1, "node", "--quiet", "--connect", addr, "--connect-timeout", "1", contains=addr)
    assert "no answer after" in line


def test_connect_to_the_wrong_peer_id_is_an_error_at_once(tmp_path: Path) -> None:
    listener = Cli("node", "--json")
    try:
        started = listener.wait_event(lambda e: e["event"] == "started", "the listener")
        real = started["addrs"][0]
        wrong = real.rsplit("/p2p/", 1)[0] + f"/p2p/{pg.Identity.generate().peer_id}"
        # --connect-timeout 0 (never give up on silence): only the mismatch can end it.
        line = fails(
            1, "node", "--quiet", "--connect", wrong, "--connect-timeout", "0", contains=wrong
        )
        assert "is not" in line
    finally:
        listener.stop()


def test_missing_web_extra_names_the_pip_extra(tmp_path: Path) -> None:
    shadow = tmp_path / "starlette"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('starlette is not installed')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    r = run("node", "--web-port", "0", env=env)
    assert r.returncode == 1, r.stderr
    assert "pip install 'p2pgossip[web]'" in r.stderr and "Traceback" not in r.stderr
