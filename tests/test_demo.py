from p2pgossip.demo import run_demo


def test_demo_signs_encodes_and_verifies(capsys):
    assert run_demo(count=20) == 0
    out = capsys.readouterr().out
    assert "verified 20/20" in out and "forged copy verifies: False" in out
