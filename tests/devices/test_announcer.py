"""The Mandarin voice: spoken forms, joined clips, one call at a time, failures reported, not blocking."""
from __future__ import annotations

import asyncio
import shutil
import wave
from pathlib import Path

import pytest

from devices.announcer.clips import SOUNDS_DIR, ClipLibrary
from devices.announcer.make_clips import clip_names, make_clips, write
from devices.announcer.player import CommandAnnouncer
from devices.announcer.sim import SimAnnouncer
from devices.announcer.speech import call_text, spoken_number, spoken_ticket, tokenize

TEMPLATE = "请{number}号到{window}号窗口办理"


def wav_frames(data_or_path: bytes | Path) -> tuple[bytes, int]:
    import io

    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
    with wave.open(source, "rb") as w:
        return w.readframes(w.getnframes()), w.getframerate()


def test_spoken_forms() -> None:
    assert spoken_ticket("A001") == "A零零一"
    assert spoken_ticket("b120") == "B一二零"
    assert [spoken_number(n) for n in (3, 10, 12, 20, 45, 100, 105, 110, 1010)] == [
        "三", "十", "十二", "二十", "四十五", "一百", "一百零五", "一百一十", "一千零一十"]
    assert call_text(TEMPLATE, "A001", 3) == "请A零零一号到三号窗口办理"
    with pytest.raises(KeyError, match="㑇"):
        tokenize("请㑇", {"请"})


def test_joined_call_has_the_clips_in_order_and_the_right_duration() -> None:
    """GIVEN the shipped clips WHEN A001 is called to window 12 THEN the WAV is chime, 请, A, 零, 零, 一, 号, 到, 十二,
    号窗口办理 joined with 40 ms gaps, and its length is the sum."""
    library = ClipLibrary(gap_ms=40)
    call = library.call(TEMPLATE, "A001", 12)
    assert call.tokens == ("chime", "请", "A", "零", "零", "一", "号", "到", "十二", "号窗口办理")
    frames, rate = wav_frames(call.wav)
    gap = b"\x00" * (rate * 40 // 1000) * 2
    expected = gap.join(wav_frames(SOUNDS_DIR / f"{t}.wav")[0] for t in call.tokens)
    assert frames == expected
    clip_seconds = sum(len(wav_frames(SOUNDS_DIR / f"{t}.wav")[0]) / 2 / rate for t in call.tokens)
    assert call.duration_s == pytest.approx(clip_seconds + 0.04 * (len(call.tokens) - 1), abs=1e-3)
    assert 2.0 < call.duration_s < 10.0


def test_a_human_recording_replaces_a_clip_without_code_changes(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    shutil.copytree(SOUNDS_DIR, sounds)
    import array

    write(sounds / "请.wav", array.array("h", [1000, -1000] * 11025))  # one second "recording"
    call = ClipLibrary(sounds, chime=False).call(TEMPLATE, "A001", 3)
    frames, rate = wav_frames(call.wav)
    assert frames.startswith(array.array("h", [1000, -1000] * 11025).tobytes())
    with wave.open(str(sounds / "到.wav"), "wb") as w:  # wrong format: a clear error naming the clip
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x00\x00" * 100)
    with pytest.raises(ValueError, match="到.wav"):
        ClipLibrary(sounds).call(TEMPLATE, "A001", 3)


def test_make_clips_reproduces_the_shipped_set(tmp_path: Path) -> None:
    """The shipped clips are exactly the script's set, and a sample re-made by the script is byte-identical."""
    assert {f"{n}.wav" for n in clip_names()} == {p.name for p in SOUNDS_DIR.glob("*.wav")}
    sample = {"请", "A", "零", "十二", "号窗口办理", "chime"}
    written = make_clips(tmp_path, only=sample)
    assert {p.stem for p in written} == sample
    for path in written:
        assert path.read_bytes() == (SOUNDS_DIR / path.name).read_bytes(), path.name


async def test_two_quick_calls_play_one_after_the_other(tmp_path: Path) -> None:
    """GIVEN a simulated voice WHEN two calls come 1 ms apart THEN the second starts only after the first ended,
    both WAVs are saved, and a recall repeats the same call."""
    voice = SimAnnouncer(ClipLibrary(), TEMPLATE, output_dir=tmp_path, time_scale=0.02)
    voice.announce("A001", 3)
    await asyncio.sleep(0.001)
    voice.announce("B002", 5)
    voice.announce("A001", 3, recall=True)
    await asyncio.wait_for(voice.wait_idle(), 5)
    first, second, recall = voice.history
    assert [h.number for h in voice.history] == ["A001", "B002", "A001"]
    assert second.started >= first.ended and recall.started >= second.ended
    assert first.ended - first.started >= first.utterance.duration_s * 0.02 * 0.9
    assert recall.recall and recall.utterance.tokens == first.utterance.tokens
    assert [p.name for p in voice.files] == ["call-0001-A001-w3.wav", "call-0002-B002-w5.wav",
                                              "call-0003-A001-w3.wav"]
    assert voice.status() == {"ok": True, "problem": None}
    await voice.close()


async def test_failing_sound_device_is_reported_and_never_blocks(tmp_path: Path) -> None:
    voice = SimAnnouncer(ClipLibrary(), TEMPLATE, time_scale=0.01)
    voice.inject_fault()
    voice.announce("A001", 3)
    voice.announce("A002", 3)
    await asyncio.wait_for(voice.wait_idle(), 5)
    assert all(h.error for h in voice.history)
    assert voice.status()["ok"] is False and "语音播报失败" in str(voice.status()["problem"])
    voice.clear_fault()
    voice.announce("A003", 3)
    await asyncio.wait_for(voice.wait_idle(), 5)
    assert voice.history[-1].error is None and voice.status()["ok"] is True
    await voice.close()


async def test_command_player_plays_through_a_real_program(tmp_path: Path) -> None:
    """GIVEN sox as the player (copying what it plays) WHEN a call plays THEN sox received the joined audio;
    GIVEN a player that fails THEN the error is recorded and the next call still plays."""
    played = tmp_path / "played.wav"
    voice = CommandAnnouncer(ClipLibrary(), TEMPLATE, command=["sox", "-q", "{file}", str(played)])
    item = voice.announce("C010", 7)
    await asyncio.wait_for(voice.wait_idle(), 10)
    assert item.error is None
    assert wav_frames(played)[0] == wav_frames(item.utterance.wav)[0]
    broken = CommandAnnouncer(ClipLibrary(), TEMPLATE, command=["sox", "-q", "{file}", "/nonexistent/dir/x.wav"])
    bad = broken.announce("C011", 7)
    await asyncio.wait_for(broken.wait_idle(), 10)
    assert bad.error and "sox exited" in bad.error
    assert broken.status()["ok"] is False
    await voice.close()
    await broken.close()
