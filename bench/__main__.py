"""``python -m bench [NAME …]``: run the named benchmarks (default: all listed in BENCHMARKS)."""
from __future__ import annotations

import importlib
import sys

#: module names under bench/, each with ``main() -> None``
BENCHMARKS = ["tickets", "ws_fanout", "tidal_policies", "guides_search", "ticket_render", "call_latency",
              "reviews_kpis", "reviews_http", "kiosk", "kiosk_departments", "tidal_tuning", "tidal_practice"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; one of: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
