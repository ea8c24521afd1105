"""Review tablet (评价器) against a real server at its real size (1280×800): idle shows who serves (photo, name,
工号) and 3号窗口-style window name; a finish opens the review and says so aloud; a bad level needs a reason chip;
no choice within the timeout leaves the ticket unrated (nothing is posted)."""
from __future__ import annotations

import os
import wave
from array import array
from pathlib import Path
from typing import Any

from tests.kiosk.harness import start_scenario
from tests.kiosk.layout import inside, overlap, rect, region_colours, region_contrast, screenshot_size

WINDOW = 1
SERVICE = "bdc_transfer"
TABLET = (1280, 800)
#: the smallest touch target docs/kiosk.md allows on the 10-inch tablet (12 mm at its ~150 ppi)
MIN_TARGET_PX = 72


def scenario_review(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    # SDL's disk audio driver writes what the tablet plays to a file (set before Kivy's audio is first imported)
    os.environ["SDL_AUDIODRIVER"] = "disk"
    os.environ["SDL_DISKAUDIOFILE"] = ctx["audio_file"]
    from kiosk.common.settings import KioskSettings
    from kiosk.review.app import ReviewTabletApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    settings = KioskSettings(server=ctx["url"], token=ctx["token"], window=WINDOW, review_timeout_seconds=5)
    app = ReviewTabletApp(settings, load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    idle = d.wait_screen("idle")
    d.wait_until(lambda: idle.current.text == ctx["first"] and "1001" in idle.staff_no.text, what="idle filled in")
    d.wait_until(lambda: idle.avatar.showing_photo, what="the staff photo")
    seen: dict[str, Any] = {"shots": {}, "staff": idle.staff, "current": idle.current.text, "window": idle.window.text,
                            "photo_size": list(idle.avatar.photo.texture.size), "initial": idle.avatar.initial.text}
    seen["shots"]["idle"] = d.shot("review-idle")
    seen["idle_rects"] = {name: rect(w) for name, w in (("avatar", idle.avatar), ("name", idle.staff_name),
                                                        ("staff_no", idle.staff_no), ("window", idle.window),
                                                        ("current", idle.current))}
    d.signal("idle")
    levels = d.wait_screen("levels", timeout=20)
    seen["shots"]["levels"] = d.shot("review-levels")
    seen["served_by"], seen["levels_heading"] = levels.served_by.text, levels.heading.text
    seen["level_buttons"] = [b.text for b in levels.buttons]
    seen["level_rects"] = [rect(b) for b in levels.buttons]
    seen["prompts"] = list(app.prompt.played)
    d.tap_text("不满意", exact=True)
    reasons = d.wait_screen("reasons")
    d.pump(3)
    seen["shots"]["reasons_waiting"] = d.shot("review-reasons-none-chosen")
    seen["submit_disabled_without_reason"] = reasons.submit.disabled
    seen["submit_rect"] = rect(reasons.submit)
    seen["countdown"] = reasons.countdown.text
    seen["countdown_rect"] = rect(reasons.countdown)
    seen["chip_rects"] = [rect(c) for c in reasons.chips.children]
    seen["more"] = reasons.more.text
    seen["text_inputs"] = [type(w).__name__ for w in d.widgets() if type(w).__name__ == "TextInput"]
    d.tap_text("等候时间过长")
    chip = next(c for c in reasons.chips.children if c.reason == "等候时间过长")
    seen["chip_rect"] = rect(chip)
    seen["shots"]["reasons_chosen"] = d.shot("review-reasons")
    d.tap_text("提交评价")
    thanks = d.wait_screen("thanks")
    seen["shots"]["thanks"] = d.shot("review-thanks")
    seen["thanks"] = thanks.heading.text
    d.wait_screen("idle", timeout=10)
    d.signal("rated")
    d.wait_screen("levels", timeout=20)
    d.wait_screen("idle", timeout=15)  # review_timeout_seconds without a choice
    seen["unrated"] = list(app.unrated)
    seen["submitted"] = app.submitted
    seen["prompt_count"] = len(app.prompt.played)
    return seen


def scenario_no_photo(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.review.app import ReviewTabletApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = ReviewTabletApp(KioskSettings(server=ctx["url"], token=ctx["token"], window=ctx["window"]),
                          load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    idle = d.wait_screen("idle")
    d.wait_until(lambda: "1002" in idle.staff_no.text, what="staff on duty")
    d.pump(5)
    return {"shot": d.shot("review-idle-no-photo"), "initial": idle.avatar.initial.text, "avatar": rect(idle.avatar),
            "photo": idle.avatar.showing_photo, "window": idle.window.text, "staff": idle.staff}


def _photo(path: Path) -> Path:
    """A 3:4 portrait test photo (head and shoulders in flat colours)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (70, 120, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 60, 205, 190), fill=(240, 205, 170))
    draw.rectangle((60, 220, 240, 400), fill=(30, 40, 60))
    image.save(path)
    return path


def _disk_audio_rms(path: Path) -> float:
    """Loudness of what SDL's disk driver wrote (signed 16-bit, as SDL_mixer opens it by default)."""
    samples = array("h", path.read_bytes()[: len(path.read_bytes()) // 2 * 2])
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


def test_review_after_finish_and_unrated_on_timeout(kiosk_server, shots: Path, tmp_path: Path) -> None:
    """GIVEN 张三 (1001, with a photo) logged in at window 1 serving a ticket WHEN staff finish it THEN the tablet
    (at 1280×800) shows his photo, name and 工号 under 1号窗口, speaks the prompt, asks for the five levels, takes
    不满意 only with a reason chip, and the server has that one review; the next ticket, left without a choice,
    stays unrated. Layout: nothing overlaps, every target is at least MIN_TARGET_PX, the waiting 提交 reads at
    4.5 : 1, a chosen chip is not red, the reasons screen shows the countdown."""
    kiosk_server.add_staff("1001", "张三", "secret-1001", photo=_photo(tmp_path / "zhangsan.png"))
    status, login = kiosk_server.post("/api/login", {"staff_no": "1001", "password": "secret-1001", "window": WINDOW})
    assert status == 200, login
    staff, kiosk, admin = login["token"], kiosk_server.token("kiosk"), kiosk_server.token("admin")
    issued = [kiosk_server.post("/api/tickets", {"service": SERVICE, "request_id": f"review-{i}"}, kiosk)[1]
              for i in range(2)]
    status, called = kiosk_server.post(f"/api/windows/{WINDOW}/call", {}, staff)
    assert status == 200 and called["number"] == issued[0]["number"]
    audio = tmp_path / "tablet-audio.raw"
    run = start_scenario(__file__, "scenario_review", {
        "role": "review", "url": kiosk_server.url, "token": kiosk_server.token("tablet", WINDOW),
        "first": called["number"], "window_size": TABLET, "audio_file": str(audio)}, shots)
    run.wait_for("idle")
    assert kiosk_server.post(f"/api/windows/{WINDOW}/finish", {}, staff)[0] == 200
    run.wait_for("rated")
    assert kiosk_server.post(f"/api/windows/{WINDOW}/call", {}, staff)[1]["number"] == issued[1]["number"]
    assert kiosk_server.post(f"/api/windows/{WINDOW}/finish", {}, staff)[0] == 200
    seen = run.result()

    assert seen["window"] == "1号窗口"  # the sign over the counter, not the internal name 不动产登记1
    assert seen["staff"] == "张三　工号：1001" and seen["current"] == issued[0]["number"]
    assert seen["photo_size"] == [300, 400] and seen["initial"] == ""  # the recorded photo, from the server
    assert seen["served_by"] == f"{issued[0]['number']}号已办结　1号窗口 张三（工号 1001）"
    assert seen["levels_heading"] == "请您对本次服务进行评价"
    assert seen["level_buttons"] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert seen["submit_disabled_without_reason"] is True
    assert seen["thanks"] == "感谢您的评价！"
    assert seen["unrated"] == [issued[1]["number"]]
    reviews = kiosk_server.get(f"/api/reviews?window={WINDOW}", admin)
    assert [(r["ticket_number"], r["level"], r["reasons"], r["comment"], r["channel"]) for r in reviews] == [
        (issued[0]["number"], "dissatisfied", ["等候时间过长"], "", "tablet")]

    # the prompt was played on each opening, and SDL really put sound out
    assert seen["prompt_count"] == 2 and seen["prompts"][0].endswith("请您对本次服务进行评价.wav")
    with wave.open(seen["prompts"][0]) as clip:
        assert clip.getnframes() / clip.getframerate() > 1.5
    assert audio.exists() and _disk_audio_rms(audio) > 100

    # layout at the device's size
    screen = (0, 0, *TABLET)
    for path in seen["shots"].values():
        assert screenshot_size(path) == TABLET
    boxes = seen["idle_rects"]
    for name, box in boxes.items():
        assert inside(box, screen), name
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not overlap(boxes[a], boxes[b]), (a, b)
    for box in seen["level_rects"] + seen["chip_rects"] + [seen["submit_rect"]]:
        assert box[2] >= MIN_TARGET_PX and box[3] >= MIN_TARGET_PX and inside(box, screen), box
    assert seen["countdown"].endswith("秒后自动关闭（不计评价）") and seen["countdown_rect"][3] > 0
    assert inside(seen["countdown_rect"], screen)
    assert not seen["text_inputs"] and "监督电话" in seen["more"]  # chips only (docs/kiosk.md, 其他意见)
    assert region_contrast(seen["shots"]["reasons_waiting"], seen["submit_rect"]) >= 4.5
    background, text = region_colours(seen["shots"]["reasons_chosen"], seen["chip_rect"])
    assert min(background) >= 230, f"a chosen chip is drawn inverted (white), not {background}"
    assert region_contrast(seen["shots"]["reasons_chosen"], seen["chip_rect"]) >= 7


def test_staff_without_photo_get_their_initial(kiosk_server, shots: Path) -> None:
    """GIVEN 李娜 (1002) without a photo at window 2 THEN the tablet shows a round avatar with 李, not a blank."""
    kiosk_server.add_staff("1002", "李娜", "secret-1002")
    status, _ = kiosk_server.post("/api/login", {"staff_no": "1002", "password": "secret-1002", "window": 2})
    assert status == 200
    hall = kiosk_server.get("/api/hall")
    assert next(w for w in hall["windows"] if w["number"] == 2)["staff_photo"] is None
    seen = start_scenario(__file__, "scenario_no_photo", {
        "role": "review", "url": kiosk_server.url, "token": kiosk_server.token("tablet", 2), "window": 2,
        "window_size": TABLET}, shots).result()
    assert seen["initial"] == "李" and not seen["photo"]
    assert seen["window"] == "2号窗口" and seen["staff"] == "李娜　工号：1002"
    # the placeholder is drawn: left of the initial, inside the circle, the pixel is the circle's blue
    from PIL import Image

    from kiosk.common import theme

    x, y, w, h = seen["avatar"]
    with Image.open(seen["shot"]) as image:
        assert screenshot_size(seen["shot"]) == TABLET
        pixel = image.convert("RGB").getpixel((round(x + w / 2 - min(w, h) * 0.35), round(y + h / 2)))
    assert all(abs(p - round(c * 255)) <= 3 for p, c in zip(pixel, theme.PRIMARY)), pixel
