"""govhall: kiosk."""
