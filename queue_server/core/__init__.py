"""The seams every area uses: the injected clock, the hall file (config), the SQLite connection and its write
transaction, API errors, the event bus, hall time and the Chinese working-day calendar, privacy masking, and the
``--config``/``--db`` pair of every command. Nothing here knows any area."""
