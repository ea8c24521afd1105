"""What a county-hall engineer meets following docs/deployment.md: each error is a clear Chinese message.

The commands run as real ``python -m queue_server`` processes, on real pseudo-terminals and SQLite files.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from devices.announcer.clips import CLIP_FORMAT, SOUNDS_DIR, ClipLibrary
from devices.registry import printer_from_config
from devices.sim_bus import SimSerialEnd
from queue_server.core.config import DEMO_CONFIG_PATH, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def govhall(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``govhall`` command from this checkout."""
    return subprocess.run([sys.executable, "-m", "queue_server", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def hall_with_devices(tmp_path: Path, devices: str) -> Path:
    """The demo hall with its own ``[devices]`` section, as an engineer writes /etc/govhall/hall.toml."""
    demo = DEMO_CONFIG_PATH.read_text(encoding="utf-8").split("\n[devices]\n")[0]
    path = tmp_path / "hall.toml"
    path.write_text(demo + "\n[devices]\n" + devices, encoding="utf-8")
    return path


def test_rs485_mode_on_an_adapter_without_it_says_to_turn_it_off(tmp_path: Path) -> None:
    """GIVEN a bus with rs485 = true on a port whose driver has no kernel RS-485 mode (a pty, like a CH340)
    WHEN the device agent starts THEN it exits 2 naming devices.buses[0].rs485 and what to write instead."""
    end = SimSerialEnd(tmp_path / "ttyUSB0")
    end.plug()
    try:
        config = hall_with_devices(tmp_path, f"""
[[devices.buses]]
name = "hall-a"
port = "{end.path}"
rs485 = true

[[devices.screens]]
window = 1
bus = "hall-a"

[devices.voice]
type = "none"
""")
        run = govhall("devices", "--config", str(config), "--server", "http://127.0.0.1:9", "--token", "x")
    finally:
        end.pull()
    assert run.returncode == 2, run.stderr
    assert "devices.buses[0].rs485" in run.stderr and "rs485 = false" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_missing_port_still_names_the_port(tmp_path: Path) -> None:
    """GIVEN rs485 = true on a port that does not exist THEN the error is about the port, not the mode."""
    config = hall_with_devices(tmp_path, f"""
[[devices.buses]]
name = "hall-a"
port = "{tmp_path / 'ttyNOPE'}"
rs485 = true
""")
    run = govhall("devices", "--config", str(config), "--server", "http://127.0.0.1:9", "--token", "x")
    assert run.returncode == 2
    assert "devices.buses[0].port" in run.stderr and "ttyNOPE" in run.stderr


def test_staff_add_explains_a_short_password_in_chinese(tmp_path: Path) -> None:
    db = tmp_path / "govhall.db"
    short = govhall("staff", "add", "--db", str(db), "--staff-no", "1001", "--name", "张晓明", "--password", "123")
    assert short.returncode == 2
    assert "密码至少 6 位" in short.stderr and "Traceback" not in short.stderr
    ok = govhall("staff", "add", "--db", str(db), "--staff-no", "1001", "--name", "张晓明", "--password", "******")
    assert ok.returncode == 0 and "工号 1001" in ok.stdout


def test_usb_printer_without_pyusb_names_the_pip_to_use(tmp_path: Path) -> None:
    """The guide's `pip install pyusb` must go into the project's environment: the error says which pip."""
    try:
        import usb  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pyusb is installed here")
    config = hall_with_devices(tmp_path, """
[devices.printer]
type = "escpos"
connection = "usb"
usb_vendor_id = 0x0416
usb_product_id = 0x5011
""")
    with pytest.raises(ConfigError) as caught:
        printer_from_config(load_config(config))
    assert caught.value.field == "devices.printer"
    assert f"{sys.executable} -m pip install pyusb" in str(caught.value)


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs (refuses new files even to root)")
@pytest.mark.parametrize("command", [
    ("serve", "--port", "0"),
    ("token", "create", "--role", "kiosk"),
    ("staff", "add", "--staff-no", "1001", "--name", "张晓明", "--password", "******"),
])
def test_a_database_folder_the_user_cannot_write_is_a_message_not_a_traceback(command: tuple[str, ...]) -> None:
    """GIVEN a database where the user may not write (as when root made /var/lib/govhall/govhall.db and the
    govhall user serves it; sysfs refuses new files even to root) THEN exit 1 with what to do."""
    run = govhall(*command, "--db", "/sys/govhall-install-qa/govhall.db")
    assert run.returncode == 1, run.stderr
    assert "没有权限" in run.stderr and "chown -R govhall:govhall" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.skipif(not Path("/sys/kernel/notes").exists(), reason="needs Linux sysfs (read-only even to root)")
def test_a_serial_port_the_agent_may_not_open_names_the_dialout_group(tmp_path: Path) -> None:
    """GIVEN a bus port the agent's user may not open (a /dev/ttyUSB0 of group dialout; here a read-only sysfs
    file, refused even to root) THEN the start-up error says which group the user needs."""
    config = hall_with_devices(tmp_path, """
[[devices.buses]]
name = "hall-a"
port = "/sys/kernel/notes"
""")
    run = govhall("devices", "--config", str(config), "--server", "http://127.0.0.1:9", "--token", "x")
    assert run.returncode == 2
    assert "devices.buses[0].port" in run.stderr and "dialout" in run.stderr


def test_a_recorded_clip_in_the_wrong_format_stops_the_agent_naming_the_file(tmp_path: Path) -> None:
    """GIVEN the guide's §8: the shipped clips copied to a folder and one replaced by a 44.1 kHz recording
    WHEN the device agent restarts THEN it refuses to start, naming devices.voice.clips and the clip's file."""
    sounds = tmp_path / "sounds"
    shutil.copytree(SOUNDS_DIR, sounds)
    with wave.open(str(sounds / "请.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x00\x00" * 4410)
    config = hall_with_devices(tmp_path, f"""
[devices.voice]
type = "command"
clips = "{sounds}"
""")
    run = govhall("devices", "--config", str(config), "--server", "http://127.0.0.1:9", "--token", "x")
    assert run.returncode == 2, run.stderr
    assert "devices.voice.clips" in run.stderr and "请.wav" in run.stderr and "44100" in run.stderr
    shutil.copy(SOUNDS_DIR / "请.wav", sounds / "请.wav")  # the right format again: the check passes
    build = ClipLibrary(sounds)
    build.check()
    assert build.clip("请").params == CLIP_FORMAT
