"""Benchmarks: run as scripts, print figures (``--json`` for machines); never timed tests."""
