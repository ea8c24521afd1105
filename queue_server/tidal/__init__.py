"""Tidal windows (潮汐窗口): the runner that applies the pure policy (``queue_server.policy.tidal``) to the live hall,
the day's support plan (每日兼办), the ``[tidal]`` settings, the openings and audit log tables, and the routes."""
