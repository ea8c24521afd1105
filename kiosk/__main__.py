"""``python -m kiosk --role ticket|review|staff|display``: start a kiosk app (same as ``govhall kiosk``)."""
from __future__ import annotations

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
