from p2pgossip.demo import run_demo


def test_demo_prints_a_row_per_run(capsys):
    code = run_demo(sim_nodes=200, net_nodes=6, messages=10)
    out = capsys.readouterr().out
    assert "simulation (virtual time)" in out
    assert "LocalNetwork (loopback TCP)" in out, out
    assert code == 0, out
