"""好差评 end to end: reviews, bad-review rectification, complaints and enterprise follow-up ledgers, KPIs, exports.

The rules and records are in the modules named after them; ``routes`` (citizen and tablet) and ``ledger_routes``
(admin) are the HTTP side, ``cli`` the commands. Everything that depends on time takes the injected clock.
"""
from __future__ import annotations
