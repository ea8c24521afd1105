"""Benchmarks: each ``bench/<name>.py`` runs as ``python -m bench.<name>`` and prints its figures next to a
baseline measured in the same run. They never assert timings."""
