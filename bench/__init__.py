"""Benchmarks: `make bench` (`python -m bench`). Each backend runs in its own process."""
