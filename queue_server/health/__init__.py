"""The hall's health: what the device agent and kiosks report about their printers, screens, keypads and voice
(each report also a heartbeat), and ``GET /api/health`` over it and the database."""
