"""What the ticket kiosk says on each screen in 适老模式 (see :mod:`kiosk.common.voice`).

Run ``python -m kiosk.ticketing.prompts`` to synthesise ``assets/sounds/prompts/<screen>.wav`` again after
changing a sentence; a hall's own recordings of the same names replace them.
"""
from __future__ import annotations

import sys

#: screen name → the sentence spoken when it comes up (short: one instruction, what to press)
PROMPTS: dict[str, str] = {
    "home": "您好！请点屏幕上的大按钮。取号请点取号，老年人、残疾人、孕妇请点绿色通道。",
    "priority": "请选择您的类别。办理时请出示相关证件。",
    "departments": "请选择办理部门。没有您要的部门，请点下一页。",
    "services": "请选择要办理的业务。",
    "confirm": "请核对要办理的业务，然后点确认取号。",
    "ticket": "请取走号票，留意大厅屏幕和语音叫号。",
    "error": "暂时无法取号，请到咨询台，工作人员会帮您取号。",
    "offline": "本机暂时不能取号，请到咨询台，工作人员会帮您取号。",
    "checkin": "请输入预约短信里的六位预约号，然后点确认签到。",
    "progress": "请输入号票上的号码，然后点查询。",
    "phone": "需要短信提醒，请用数字键输入手机号码，然后点确认。不需要，请点跳过。",
    "guides": "请选择部门，查看办事指南。",
}


def main() -> int:
    """Synthesise the prompts into ``assets/sounds/prompts/``."""
    from kiosk.common.voice import PROMPTS_DIR, make_prompts

    files = make_prompts(PROMPTS)
    print(f"wrote {len(files)} prompts ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB) to {PROMPTS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
