from p2pgossip.demo import run_demo


def test_demo_prints_a_row_per_run(capsys):
    code = run_demo(sim_nodes=200, net_nodes=6, messages=10)
    out = capsys.readouterr().out
    assert "simulation (virtual time)" in out
    assert "LocalNetwork (loopback TCP)" in out, out
    assert code == 0, out


def test_demo_quick_from_the_command_line():
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "p2pgossip", "demo", "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "simulation (virtual time)" in r.stdout and "LocalNetwork (loopback TCP)" in r.stdout
    # Piped, as in `make demo > log`: plain progress lines, never a bar redrawn with \r.
    assert "\r" not in r.stdout + r.stderr
