"""Run a kiosk app offscreen in its own process and drive it by simulated touches.

Kivy creates one Window per process, so each scenario runs in a child process:
``python -m tests.kiosk.harness TEST_FILE FUNCTION CONTEXT.json``. The child sets Kivy's offscreen environment, sizes
the window for the app's device, loads the test file and calls ``FUNCTION(driver, ctx)``; whatever it returns
is written as JSON next to the screenshots. :func:`run_scenario` is the parent side used by the tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from kiosk.common.headless import without_screen

ROOT = Path(__file__).resolve().parents[2]

#: window sizes per app, half the real devices' pixels (the layouts scale with the window)
WINDOW_SIZES = {"ticket": (540, 960), "review": (640, 400), "staff": (640, 400), "display": (960, 540)}


class ScenarioRun:
    """A scenario running in its child process (see :func:`start_scenario`)."""

    def __init__(self, proc: subprocess.Popen, function: str, out_dir: Path, timeout: float) -> None:
        self.proc = proc
        self.function = function
        self.out_dir = out_dir
        self.deadline = time.monotonic() + timeout

    def wait_for(self, signal: str, timeout: float = 30) -> None:
        """Wait until the scenario called ``driver.signal(signal)`` (e.g. its app is online)."""
        path = self.out_dir / f"{self.function}.{signal}"
        end = time.monotonic() + timeout
        while not path.exists():
            if self.proc.poll() is not None:
                self.result()  # raises with the child's output
            if time.monotonic() > end:
                raise AssertionError(f"scenario {self.function} never signalled {signal!r}")
            time.sleep(0.05)

    def stop(self) -> None:
        """End the child if it still runs (a test that failed midway must not leave apps behind)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def go(self, name: str) -> None:
        """Let a scenario waiting in ``driver.wait_go(name)`` carry on."""
        (self.out_dir / f"{self.function}.{name}.go").write_text("1")

    def result(self) -> dict[str, Any]:
        """Wait for the child; return the scenario's result, or raise with its output."""
        log = self.out_dir / f"{self.function}.log"
        try:
            self.proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"scenario {self.function} hung:\n{log.read_text()[-6000:]}") from None
        result_file = self.out_dir / f"{self.function}.result.json"
        if self.proc.returncode != 0 or not result_file.exists():
            raise AssertionError(f"scenario {self.function} failed (rc={self.proc.returncode}):\n"
                                 f"{log.read_text()[-8000:]}")
        return json.loads(result_file.read_text())


def start_scenario(test_file: str, function: str, ctx: dict[str, Any], out_dir: Path,
                   timeout: float = 90) -> ScenarioRun:
    """Start ``function(factory, ctx)`` of the module at ``test_file`` in a fresh process, without waiting."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = dict(ctx, out_dir=str(out_dir))
    ctx_file = out_dir / f"{function}.ctx.json"
    ctx_file.write_text(json.dumps(ctx, ensure_ascii=False))
    for stale in out_dir.glob(f"{function}.*"):
        if stale != ctx_file and stale.is_file():
            stale.unlink()
    env = without_screen(dict(os.environ), force=True)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # output goes to files, not pipes: a chatty child must never block on a full pipe while the test waits
    with open(out_dir / f"{function}.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "tests.kiosk.harness", test_file,
                                 function, str(ctx_file), str(timeout - 5)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, text=True)
    return ScenarioRun(proc, function, out_dir, timeout)


def run_scenario(test_file: str, function: str, ctx: dict[str, Any], out_dir: Path,
                 timeout: float = 90) -> dict[str, Any]:
    """Run a scenario to its end (see :func:`start_scenario`) and return its result."""
    return start_scenario(test_file, function, ctx, out_dir, timeout).result()


class Driver:
    """Taps, waits and screenshots inside the child process.

    :param app: a started :class:`~kiosk.common.app_base.KioskApp` (``start_embedded()`` already called)
    :param out_dir: where screenshots go
    """

    def __init__(self, app: Any, out_dir: Path, function: str = "") -> None:
        from kivy.base import EventLoop

        self.app = app
        self.out_dir = out_dir
        self.function = function
        self.loop = EventLoop
        self.shots: list[str] = []

    def pump(self, frames: int = 2) -> None:
        """Render ``frames`` frames (ticks the clock, dispatches input and callbacks)."""
        for _ in range(frames):
            self.loop.idle()

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        """Pump frames until ``predicate()`` is truthy; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(1)
            value = predicate()
            if value:
                return value
            time.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what or predicate} on screen {self.app.screens.current!r}")

    def wait_screen(self, name: str, timeout: float = 10.0) -> Any:
        """Wait until screen ``name`` shows; return it."""
        self.wait_until(lambda: self.app.screens.current == name, timeout, f"screen {name}")
        self.pump(2)
        return self.app.screen

    def widgets(self, root: Any = None) -> list[Any]:
        """All widgets of the current screen (or ``root``), depth first."""
        return list((root or self.app.screen).walk(restrict=True))

    def find_button(self, text: str, exact: bool = False) -> Any:
        """The visible, enabled button whose text is (or contains) ``text``."""
        from kivy.uix.button import Button

        for widget in self.widgets():
            if isinstance(widget, Button) and not widget.disabled and widget.opacity > 0:
                if (widget.text == text) if exact else (text in widget.text):
                    return widget
        raise AssertionError(f"no button {text!r} on screen {self.app.screens.current!r}: "
                             f"{[w.text for w in self.widgets() if isinstance(w, Button)]}")

    def texts(self) -> list[str]:
        """The texts of all labels and buttons on the current screen."""
        return [w.text for w in self.widgets() if hasattr(w, "text") and isinstance(w.text, str) and w.text]

    def tap(self, widget: Any) -> None:
        """A simulated finger press and release at the centre of ``widget``."""
        from kivy.tests.common import UnitTestTouch

        self._scroll_into_view(widget)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    def _scroll_into_view(self, widget: Any) -> None:
        """Scroll the enclosing ScrollView (if any) until ``widget`` is inside its visible area."""
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView):
            if parent.parent is parent:  # the Window is its own parent
                return
            parent = parent.parent
        if parent is None or self._visible_in(widget, parent):
            return
        parent.scroll_to(widget, padding=10, animate=False)
        self.pump(3)
        if not self._visible_in(widget, parent):
            raise AssertionError(f"cannot scroll {getattr(widget, 'text', widget)!r} into view")

    @staticmethod
    def _visible_in(widget: Any, view: Any) -> bool:
        x, y = widget.to_window(*widget.center)
        vx, vy = view.to_window(view.x, view.y)
        return vx <= x <= vx + view.width and vy <= y <= vy + view.height

    def tap_text(self, text: str, exact: bool = False) -> None:
        """Tap the button showing ``text``."""
        self.tap(self.find_button(text, exact))

    def signal(self, name: str) -> None:
        """Tell the parent test that this point was reached (see :meth:`ScenarioRun.wait_for`)."""
        (self.out_dir / f"{self.function}.{name}").write_text("1")

    def wait_go(self, name: str, timeout: float = 30) -> None:
        """Pump frames until the parent test calls :meth:`ScenarioRun.go` with ``name``."""
        path = self.out_dir / f"{self.function}.{name}.go"
        self.wait_until(path.exists, timeout, f"the test's go-ahead {name!r}")

    def shot(self, name: str) -> str:
        """Save a screenshot of the whole window as ``<out_dir>/<name>.png``; return its path."""
        from kivy.core.window import Window

        self.pump(2)
        saved = Window.screenshot(str(self.out_dir / f"{name}.png"))
        final = self.out_dir / f"{name}.png"
        os.replace(saved, final)  # Kivy appends a counter to the name
        self.shots.append(str(final))
        return str(final)


def _child(test_file: str, function: str, ctx_file: str, timeout: str = "60") -> None:
    import faulthandler
    import importlib.util

    faulthandler.dump_traceback_later(float(timeout), exit=True)  # a hung scenario shows where it hangs

    ctx = json.loads(Path(ctx_file).read_text())
    size = ctx.get("window_size") or WINDOW_SIZES[ctx["role"]]  # a scenario may ask for the device's full size
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    spec = importlib.util.spec_from_file_location("kiosk_scenario", test_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scenario = getattr(module, function)
    out_dir = Path(ctx["out_dir"])
    result = scenario(DriverFactory(out_dir, function), ctx) or {}
    (out_dir / f"{function}.result.json").write_text(json.dumps(result, ensure_ascii=False, default=str))


class DriverFactory:
    """Handed to a scenario: starts its app and returns a :class:`Driver` for it."""

    def __init__(self, out_dir: Path, function: str) -> None:
        self.out_dir = out_dir
        self.function = function

    def start(self, app: Any, *, words_ready: bool = True) -> Driver:
        """Start ``app`` embedded and return its driver; with ``words_ready``, once jieba's dictionary is in and the
        labels are broken by word (a scenario checking the first moments passes False)."""
        from kiosk.common import segmenter

        app.start_embedded()
        driver = Driver(app, self.out_dir, self.function)
        driver.pump(3)
        if words_ready:
            segmenter.wait_ready()
            driver.pump(3)
        return driver


if __name__ == "__main__":
    _child(*sys.argv[1:5])
    os._exit(0)  # skip Kivy's atexit handlers, which may touch the offscreen GL context
