"""govhall: devices."""
