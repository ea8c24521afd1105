"""Fixtures for the kiosk app tests: a folder for screenshots and printer output, tokens, scenario runner."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where this test's screenshots go (kept under GOVHALL_SHOTS when set, for a person to look at)."""
    keep = os.environ.get("GOVHALL_SHOTS")
    return Path(keep) if keep else tmp_path / "shots"
