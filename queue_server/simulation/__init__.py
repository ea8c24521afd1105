"""The hall simulator: synthetic busy days run through the same policies as the server (static, tidal, day plan,
the clairvoyant bound), for ``govhall simulate`` and the benchmarks."""
