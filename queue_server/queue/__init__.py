"""The queue core: the hall's state machine (tickets, windows, appointments) and its read side (snapshot, positions,
wait estimates), its tables, the routes of kiosks, counters and the hall snapshot, and the citizen's status page."""
