"""``python -m bench [name ...]``: run the named benchmarks (default: all modules in this package)."""
from __future__ import annotations

import importlib
import pkgutil
import runpy
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    for name in names:
        print(f"== bench.{name} ==", flush=True)
        importlib.invalidate_caches()
        runpy.run_module(f"bench.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
