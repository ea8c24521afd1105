"""Benchmarks: each a module runnable as `python -m bench.<name>`, printing its figures next to a baseline
measured in the same run.  They never assert timings."""
