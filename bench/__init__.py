"""Benchmarks of jwtsite (``make bench``); see bench/run.py and bench/results.md."""
