"""Pure rules, with no aiohttp, no SQL and no wall clock: call order, wait estimates (and Erlang C), tidal windows,
the day's support plan and cross-training. The server and the simulator both apply them."""
