"""Shared parts of the kiosk apps: server client, WebSocket feed, fonts, theme, widgets, idle timer, settings."""
