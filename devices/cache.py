"""Where the hall machines keep caches that must outlive a restart (the kiosk's and the device agent's start-up).

Two libraries parse a large data file when first used and cache the result in the temp folder: python-escpos its
printer capabilities (into a fresh ``mkdtemp()`` per process, so it parses them with PyYAML, ~1 s, at every start
and leaves a 100 KB pickle behind each time), and jieba its dictionary (``/tmp/jieba.cache``, which Debian clears at
every boot). Pointed at a folder under the user's cache, a restarted kiosk loads both in a fraction of the time.
"""
from __future__ import annotations

import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

_ESCPOS_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir(name: str) -> Path | None:
    """``$GOVHALL_CACHE_DIR/<name>``, else ``$XDG_CACHE_HOME/govhall/<name>``, else ``~/.cache/govhall/<name>``,
    created if needed; ``None`` when it cannot be (a read-only home): the caller then keeps the library's default."""
    root = os.environ.get("GOVHALL_CACHE_DIR")
    if not root:
        root = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "govhall")
    path = Path(root) / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


@contextmanager
def kept_escpos_capabilities() -> Iterator[None]:
    """Import ``escpos.capabilities`` inside this block: escpos then loads the capabilities it parsed at an earlier
    start (its own pickle, named by Python version, kept in a folder per escpos version so an upgrade parses once
    more) instead of parsing them again.

    When there is no kept pickle yet, escpos writes one into a private folder and it is moved in whole afterwards:
    escpos writes in place, and a process starting at the same moment must never read half a file. Nothing changes
    when the operator set ``ESCPOS_CAPABILITIES_PICKLE_DIR`` or there is no writable cache folder.
    """
    kept = None if os.environ.get(_ESCPOS_VARIABLE) else cache_dir(f"escpos-{version('python-escpos')}")
    if kept is None:
        yield
        return
    name = f"{platform.python_version()}.capabilities.pickle"
    private = None if (kept / name).exists() else Path(tempfile.mkdtemp(prefix="govhall-escpos-"))
    os.environ[_ESCPOS_VARIABLE] = str(private or kept)
    try:
        yield
    finally:
        del os.environ[_ESCPOS_VARIABLE]  # read once at import; child processes choose for themselves
    if private is None:
        return
    fd, staged = tempfile.mkstemp(dir=kept, suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(private / name, staged)
        os.replace(staged, kept / name)
    except OSError:
        Path(staged).unlink(missing_ok=True)  # not kept this time: the next start parses again
    shutil.rmtree(private, ignore_errors=True)
