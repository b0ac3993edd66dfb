"""The net benchmark's raw cost floor: what a copy's bytes cost to seal, open and move through
loopback TCP with nothing of ours around them, and the network row it is the floor of."""

from __future__ import annotations

import math

import pytest
from p2pgossip import _core

from benchmarks import net as bench


@pytest.mark.parametrize("size", [1, 430, 16 << 10])
def test_the_floor_loops_move_every_byte(size: int) -> None:
    # Each returns the sum of one byte of every frame it opened or read (0x5a each): a frame
    # not sealed, opened, written or read whole would not count.
    assert _core._bench.raw_chacha_seal_open(size, 50) == 50 * 0x5A
    assert _core._bench.loopback_write_read(size, 50) == 50 * 0x5A


@pytest.mark.parametrize("size", [0, (16 << 10) + 1])
def test_a_frame_one_thread_cannot_write_and_read_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="1 byte to 16 KiB"):
        _core._bench.loopback_write_read(size, 1)


def test_a_network_row_counts_its_copies_and_their_floor() -> None:
    # The benchmark's own comparison row: long enough for /proc to count its CPU in ticks.
    row = bench._network(10, 1000, math.inf)
    assert row["delivered_fraction"] == 1.0
    assert row["cpu_s"] > 0
    # Every delivery at another node is a copy received; duplicates are copies too.
    assert row["copies"] >= 1000 * 9
    assert row["bytes_per_copy"] > 256  # a signed 256 B message and its framing
    assert 0 < row["cores_busy"] == pytest.approx(row["cpu_s"] / row["wall_s"])
    floor = bench._floor(row, 0.01)
    assert floor["floor_us_per_copy"] == floor["seal_open_us"] + floor["loopback_write_read_us"]
    assert floor["floor_cpu_s"] == pytest.approx(row["copies"] * floor["floor_us_per_copy"] / 1e6)
    assert floor["cpu_vs_floor"] == pytest.approx(row["cpu_s"] / floor["floor_cpu_s"])
