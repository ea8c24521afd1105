"""Variants of the demo hall's configuration for tests whose figures assume a different ``[tidal]`` rule."""
from __future__ import annotations

from dataclasses import replace

from queue_server.core.config import HallConfig


def with_tidal(config: HallConfig, **changes: object) -> HallConfig:
    """``config`` with some ``[tidal]`` keys changed, e.g. ``with_tidal(config, day_plan=False)``."""
    tidal = dict(config.sections.get("tidal", {}))
    tidal.update(changes)
    return replace(config, sections={**config.sections, "tidal": tidal})
