"""Kivy's environment for running without a screen (tests, benchmarks, child processes). Import this before Kivy:
Kivy reads these variables when it is first imported."""
from __future__ import annotations

import tempfile
from collections.abc import MutableMapping

#: Kivy must not parse the caller's argv, write config or log files, or log to the console on its own
_QUIET_KIVY = {"KIVY_NO_ARGS": "1", "KIVY_LOG_MODE": "PYTHON", "KIVY_NO_CONFIG": "1", "KIVY_NO_FILELOG": "1",
               "KIVY_NO_CONSOLELOG": "1", "SDL_AUDIODRIVER": "dummy"}


def without_screen(env: MutableMapping[str, str], *, force: bool = False) -> MutableMapping[str, str]:
    """Set the variables in ``env`` (``os.environ`` or a child's environment) and return it.

    :param force: a child that must run offscreen whatever this machine has: drop ``DISPLAY``, override existing
        values and give it a fresh ``KIVY_HOME``. Without it, values already set win and SDL renders offscreen only
        when there is no ``DISPLAY``.
    """
    if force:
        env.pop("DISPLAY", None)
        env.update(_QUIET_KIVY, KIVY_HOME=tempfile.mkdtemp(prefix="govhall-kivy-"), SDL_VIDEODRIVER="offscreen")
        return env
    for key, value in _QUIET_KIVY.items():
        env.setdefault(key, value)
    if "KIVY_HOME" not in env:
        env["KIVY_HOME"] = tempfile.mkdtemp(prefix="govhall-kivy-")
    if not env.get("DISPLAY"):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
    return env
