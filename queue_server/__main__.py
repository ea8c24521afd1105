"""``python -m queue_server`` is the ``govhall`` command."""
import sys

from .cli import main

sys.exit(main())
