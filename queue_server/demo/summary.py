"""The headless demo: play the morning, wait for the voice to finish speaking, and say what happened and where the
pictures and sounds are."""
from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.request
from pathlib import Path

from queue_server.core.config import HallConfig
from queue_server.demo.morning import MorningReport, run_morning
from queue_server.demo.supervisor import DemoTokens, Processes
from queue_server.reviews.rectification import STATES as RECTIFICATION_STATES

LEVEL_NAMES = {"very_satisfied": "非常满意", "satisfied": "满意", "basically_satisfied": "基本满意",
               "dissatisfied": "不满意", "very_dissatisfied": "非常不满意"}


def play_and_report(config: HallConfig, url: str, tokens: DemoTokens, processes: Processes, args: argparse.Namespace) -> int:
    """Run the scripted morning and print the summary; exit code 0 when everything went through."""
    from devices.config import parse_devices
    from devices.registry import printer_from_config

    sim_dir = Path(parse_devices(config).sim_dir)
    printer = printer_from_config(config, simulate=True)
    voice_dir = sim_dir / "voice"
    earlier = _wav_files(voice_dir)  # an earlier demo in the same folder left its calls: count only this morning's
    if not _wait_for_agent(url, processes):
        print("  ! 设备代理 30 秒内没有连上服务：窗口屏和语音可能漏掉前面的叫号", flush=True)
    print(f"脚本演示：{args.citizens} 位群众的繁忙上午 …", flush=True)
    report = asyncio.run(run_morning(url, config, tokens, printer, citizens=args.citizens, out_dir=args.dir))
    spoken = _wait_for_voice(voice_dir, report.calls, processes, earlier)
    _print_summary(config, report, args.dir, sim_dir, spoken)
    problem = processes.check()
    if problem:
        report.problems.append(problem)
    for line in report.problems:
        print(f"  ! {line}")
    return 1 if report.problems or not report.tickets else 0


def _wait_for_agent(url: str, processes: Processes, limit_s: float = 30) -> bool:
    """Calls made before the device agent follows the server would never be shown or spoken: wait until the agent
    reports its link to the server (``GET /api/health``, device kind ``link``) as up."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and not processes.check():
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as answer:
                devices = json.load(answer).get("devices", [])
        except (OSError, ValueError):
            devices = []
        if any(d.get("kind") == "link" and d.get("ok") and str(d.get("source", "")).startswith("agent:") for d in devices):
            return True
        time.sleep(0.2)
    return False


def _wav_files(voice_dir: Path) -> set[Path]:
    return set(voice_dir.glob("*.wav")) if voice_dir.exists() else set()


def _wait_for_voice(voice_dir: Path, calls: int, processes: Processes, earlier: set[Path], limit_s: float = 120) -> int:
    """Calls play one at a time in real time: wait (bounded) until the agent has spoken every call of this run."""
    deadline = time.monotonic() + limit_s
    count = 0
    while time.monotonic() < deadline and not processes.check():
        count = len(_wav_files(voice_dir) - earlier)
        if count >= calls:
            break
        time.sleep(0.5)
    return count


def _print_summary(config: HallConfig, report: MorningReport, workdir: Path, sim_dir: Path, spoken: int) -> None:
    kpis = report.kpis or {}
    print()
    print(f"===== {config.hall.name} 演示上午小结 =====")
    print(f"取号 {len(report.tickets)} 张（打印 {report.printed} 张），叫号 {report.calls} 次，办结 {report.finished} 件，"
          f"过号 {report.no_shows} 个，评价 {report.reviews} 条")
    booked = "、".join(f"{b['service_name']} {b['date'][5:]} {b['slot']}" for b in report.booked_online)
    print(f"预约：网上预约 {len(report.booked_online)} 个（/book：{booked or '无'}），电话代约并在取号机签到 "
          f"{report.checked_in} 个")

    def name(code: str | None) -> str:
        service = config.services.get(code)
        return service.name if service else str(code)

    plan = [f"{e.get('window')}号窗口兼办{name(e.get('service'))}" for e in report.tidal if e["action"] == "plan"]
    if plan:
        print(f"每日兼办（按预计工作量，开门前排定）：{'、'.join(plan)}")
    actions = {"open": "开设", "close": "关闭", "ack": "确认", "escalate": "上报"}
    for entry in report.tidal:
        if entry["action"] != "plan":
            print(f"潮汐窗口{actions.get(entry['action'], entry['action'])}：{entry.get('window')}号窗口 "
                  f"{name(entry.get('service'))} — {entry.get('reason') or ''} ({entry.get('actor')})")
    if report.bad_review:
        print(f"差评：{report.bad_review.get('ticket')} {LEVEL_NAMES.get(report.bad_review.get('level'), '')}，"
              f"整改单 #{report.bad_review.get('rectification_id')}")
    if report.rectification:
        case = report.rectification
        state = RECTIFICATION_STATES.get(case.get("state"), case.get("state"))
        print(f"整改：状态 {state}，回访期限 {str(case.get('callback_due'))[:10]}，"
              f"整改期限 {str(case.get('rectify_due'))[:10]}（工作日计）")
    if kpis:
        def pct(value):
            return "-" if value is None else f"{value * 100:.0f}%"

        print(f"指标：平均等候 {kpis.get('mean_wait_min')} 分钟，好评率 {pct(kpis.get('good_rate'))}，"
              f"差评率 {pct(kpis.get('bad_rate'))}，主动评价率 {pct(kpis.get('active_review_rate'))}")
        # the tidal lines above speak of 20-30 minute waits: say why the measured ones are so short
        print("     （演示把一个上午压缩到几十秒：平均等候按真实经过的时间统计，所以很短；"
              "潮汐窗口依据的是预计等候）")
    duties = report.duties
    if duties is not None:
        done = "、".join(f"{name} {n}" for name, n in duties.practices.items())
        print(f"服务举措：{done or '无'}" + (f"；承诺件 {duties.case['ticket_number']} {duties.case['guide_name']}，"
                                          f"{duties.case['state_name']}，办结时限 {duties.case['deadline'][:10]}（工作日计）"
                                          if duties.case else ""))
        print(f"培训与走流程：{'已登记 1 次（' + duties.training['topic'] + '）' if duties.training else '无'}；"
              f"工作任务台账 {duties.tasks} 项，逾期 {duties.overdue_tasks} 项")
        print(f"咨询导办：登记 {duties.consultations} 次（/desk）；问卷调查：收到 {duties.survey_answers} 份答卷（/s/号票凭证）")
    print()
    print("看一看、听一听：")
    print(f"  号票（ESC/POS 原始字节 .bin 与预览 .png）：{sim_dir / 'tickets'}")
    print(f"  叫号语音（WAV，已播报 {spoken}/{report.calls}）：        {sim_dir / 'voice'}")
    print(f"  窗口屏与设备日志：                         {workdir / 'logs' / 'devices.log'}")
    print(f"  服务日志与数据库：                         {workdir / 'logs' / 'server.log'}, {workdir / 'govhall.db'}")
    if duties is not None and duties.bulletin is not None:
        print(f"  本季度通报（Word）：                       {duties.bulletin}")
