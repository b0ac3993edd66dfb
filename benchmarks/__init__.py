"""Runnable benchmarks: `python -m benchmarks <name>` (or `all`). Each writes JSON."""
