"""Fixtures of the guides tests: the demo catalogue, read fresh for each test that may change it."""
from __future__ import annotations

import pytest

from queue_server.guides.exchange import read_catalogue
from queue_server.guides.model import Catalogue
from queue_server.guides.store import DEMO_GUIDES_PATH


@pytest.fixture
def demo_catalogue() -> Catalogue:
    return read_catalogue(DEMO_GUIDES_PATH)
