"""``python -m queue_server`` is the ``govhall`` command."""
import sys

from queue_server.cli import main

sys.exit(main())
