"""``python -m bench [NAME …]``: run the named benchmarks (default: all listed in BENCHMARKS)."""
from __future__ import annotations

import subprocess
import sys

#: module names under bench/, each with ``main() -> None``
BENCHMARKS = [
    "tickets",
    "queue_length",
    "ws_fanout",
    "tidal_policies",
    "guides_search",
    "ticket_render",
    "call_latency",
    "reviews_kpis",
    "reviews_http",
    "kiosk",
    "kiosk_start",
    "kiosk_departments",
    "tidal_tuning",
    "tidal_practice",
    "outbox",
    "province",
    "replication",
    "booking",
    "city",
    "sms",
]


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all without names). Options after one name go to that benchmark:
    ``python -m bench city --scale 0.04 --part outbox``."""
    names = [a for a in argv if not a.startswith("-")][:1] if any(a.startswith("-") for a in argv) else argv
    options = argv[len(names):]
    names = names or BENCHMARKS
    if options and len(names) != 1:
        print("options go to one benchmark: python -m bench NAME --option …", file=sys.stderr)
        return 2
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; one of: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
    failed = []
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        # each in a fresh interpreter: a benchmark's global state (Kivy's window and clock, event loops, caches)
        # must not leak into the next one's figures or break it; its options arrive as its own command line
        code = f"import sys; sys.argv = {[f'bench.{name}', *options]!r}; import bench.{name} as b; b.main()"
        if subprocess.run([sys.executable, "-c", code]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
