"""Every Chinese string that staff, managers and citizens read is typeset as Chinese: full-width punctuation
(，；：（）！？) between Chinese words, never the ASCII ``,;:()!?`` of code.

The check reads the sources themselves (string literals via :mod:`ast`, and the admin pages' HTML/JS and Kivy ``.kv``
files as text), so a new message written the ASCII way fails here instead of reaching a screen. Docstrings and other
bare string statements are documentation, not messages, and are not checked. ``kiosk/ticketing/`` is another
engineer's area and has its own citizen-text checks.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("queue_server", "devices", "kiosk")
EXCLUDED: tuple[Path, ...] = ()  # nothing is left out
TEXT_SUFFIXES = (".html", ".js", ".kv")
COMMENT_STARTS = ("//", "/*", "*", "<!--", "#")  # comment lines of those files are not messages

#: Chinese text: CJK ideographs, CJK punctuation, full-width forms and the Chinese curly quotes “”.
CJK = "[\u3400-\u9fff\u3000-\u303f\uff00-\uffef\u201c\u201d]"
#: ASCII punctuation directly next to Chinese, or one space away: 分钟,超过 · 分钟 (约 · 错误: 数据库
HALF_WIDTH = re.compile(rf"{CJK} ?[,;:()!?]|[,;:()!?] ?{CJK}")

#: Parts of a string that legitimately keep ASCII punctuation next to Chinese; they are cut out before checking.
ALLOWED_PARTS = (
    # The English half of a bilingual config or CLI error, kept in ASCII parentheses:
    # "应为整数 (must be an integer)", "配置错误 (config error): ", "类型错误 (must be str/int)".
    # The parenthesis may close in the next literal part of an f-string: "类型错误 (must be {kinds})".
    re.compile(r" \([^()\u3400-\u9fff]*[A-Za-z]{3,}[^()\u3400-\u9fff]*(?:\)|$)"),
)

#: Whole literals that keep ASCII punctuation, by file: they are code, or English text quoting a Chinese term.
ALLOWED_LITERALS: dict[str, tuple[str, ...]] = {
    # regular expressions over Chinese guide text
    "queue_server/guides/lint.py": (
        r"(相关|有关|其他|其它|其余)(的)?(相关|有关)?(证明|材料|文件|资料|证件|手续)",
        r"(法律|法规|规章|规范性文件|政策)[^。;；]{0,12}(规定|要求)的?(其他|其它)[^。;；]{0,4}(条件|材料|情形|要求)",
        r"(其他|其它)(条件|情形)$",
        r"等(相关|有关)?(材料|证明)$",
    ),
    "queue_server/guides/exchange.py": (r" (材料|问题|表单)\d+$",),
    # the words that introduce a name in free text, for masking it
    "queue_server/core/privacy.py": (r"(我叫|名叫|姓名[是为]?[:：]?\s*|名字[是叫]?[:：]?\s*|联系人[:：]?\s*)([\u4e00-\u9fff]{2,4})",),
    # a date as ledgers write it: 2026-12-31, 2026/12/31, 2026年12月31日
    "queue_server/tasks/excel.py": (r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$",),
    "queue_server/guides/search.py": (r"[\s,、;。.·/()【】\[\]\-—_:\"'“”]+",),
    # English help and API summaries that name a Chinese term
    "queue_server/web/cli.py": ("manage staff accounts (工号)",),
    "queue_server/reviews/cli.py": ("好差评: export ledgers, list overdue cases",),
    "queue_server/queue/window_routes.py": ("工作人员登录 Staff login (工号 + password, window for counter staff)",),
    "queue_server/queue/ticket_routes.py": ("priority category code (绿色通道)",),
    "queue_server/admin/routes.py": ("管理后台 Admin pages (HTML): 概览、实时大厅、潮汐窗口、评价台账、差评整改、有诉即办、企业回访、统计、导出、"
                                     "预约、短信留号、服务举措、承诺件、培训、任务台账、季度通报、操作日志、外发",),
    # a warning marker at the start of a CLI line, like a bullet
    "queue_server/demo/summary.py": ("  ! 设备代理 30 秒内没有连上服务：窗口屏和语音可能漏掉前面的叫号",),
}


def _documentation(tree: ast.AST) -> set[int]:
    """The ids of string constants that stand alone as statements: docstrings and attribute docs."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def _python_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every message-like string literal in a Python file; f-strings give their literal parts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _documentation(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]


def _offences_in(text: str) -> list[str]:
    for part in ALLOWED_PARTS:
        text = part.sub("\0", text)  # a stand-in that is not Chinese
    return [text[max(0, m.start() - 8):m.end() + 8] for m in HALF_WIDTH.finditer(text)]


def _sources() -> list[Path]:
    files = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*")):
            rel = path.relative_to(ROOT)
            if path.suffix in (".py", *TEXT_SUFFIXES) and not any(rel.is_relative_to(x) for x in EXCLUDED):
                files.append(path)
    return files


def test_chinese_messages_use_full_width_punctuation() -> None:
    offences = []
    unused = {(file, literal) for file, literals in ALLOWED_LITERALS.items() for literal in literals}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if path.suffix == ".py":
            strings = _python_strings(path)
        else:
            strings = [(n, line.strip()) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                       if not line.strip().startswith(COMMENT_STARTS)]
        for line, text in strings:
            if text in ALLOWED_LITERALS.get(rel, ()):
                unused.discard((rel, text))
                continue
            offences += [f"{rel}:{line}: …{bad}…" for bad in _offences_in(text)]
    assert not offences, "ASCII punctuation in Chinese text (use ，；：（）！？):\n" + "\n".join(offences)
    # an allow-list entry whose literal is gone would silently allow the next string written that way
    assert not unused, f"allow-list entries that match no literal any more: {sorted(unused)}"
    # and the check itself sees what it is for, and lets the bilingual errors and field prefixes be
    assert _offences_in("预计等候 25 分钟,超过 20 分钟;等候 3 人") and _offences_in("每日兼办 (约 435 分钟)")
    assert _offences_in("错误: 数据库不存在") and _offences_in("请重试!") and _offences_in("“是”或“否”, 而不是")
    assert not _offences_in("应为整数 (must be an integer), got 'x'")
    # an API message is Chinese alone (the English field name travels in its own "field" key)
    assert _offences_in("window: 请选择窗口")
    assert not _offences_in("预计等候 25 分钟，超过 20 分钟；A001, 3 号窗口 tidal.open_wait_min: 1.5")
