"""好差评 end to end: reviews, bad-review rectification, complaints and enterprise follow-up ledgers, KPIs, exports.

The HTTP side lives in ``queue_server/views/reviews.py`` and ``queue_server/views/admin.py``; this package holds
the rules and the records. Everything that depends on time takes the injected clock.
"""
from __future__ import annotations
