"""``govhall demo``: the whole demo hall on one machine — the queue server, the device agent with simulated
printers, screens, keypads and voice, and the kiosk apps where a screen exists; headless, a scripted busy morning
through the real APIs."""
