"""The hall display (综合屏): latest calls, each window's number, waiting counts, tidal notices, a notice line."""
