"""Presenting simulated days: the text table and the PNG plot of queue length and staffed windows."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from queue_server.core.config import ASSETS
from queue_server.simulation.engine import DayResult
from queue_server.simulation.runner import Summary

FONT = ASSETS / "fonts" / "NotoSansSC-Regular.otf"
COLUMNS = (
    ("policy", "policy", "{}"),
    ("tickets", "tickets/day", "{:.0f}"),
    ("mean_wait_min", "mean wait", "{:.1f}"),
    ("p90_wait_min", "p90 wait", "{:.1f}"),
    ("max_wait_min", "max wait", "{:.1f}"),
    ("share_over_20_min", ">20 min", "{:.1%}"),
    ("staff_hours", "staff-h", "{:.1f}"),
    ("tidal_openings", "tidal opens", "{:.1f}"),
    ("estimate_mae_min", "est. MAE", "{:.1f}"),
    ("estimate_share_under", "est. under", "{:.0%}"),
    ("seconds", "s/day", "{:.3f}"),
)


def table(summaries: Sequence[Summary]) -> str:
    """A fixed-width table, one row per policy (waits in minutes, figures per day)."""
    rows = [[title for _, title, _ in COLUMNS]]
    for s in summaries:
        row = []
        for key, _, fmt in COLUMNS:
            value = getattr(s, key)
            row.append("-" if value is None else fmt.format(value))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def plot(days: dict[str, DayResult], path: Path, title: str) -> Path:
    """Write a PNG of tickets waiting and windows staffed over one day, one line per policy.

    :param days: one day's result per policy name.
    :param path: the PNG to write (its folder is created).
    :param title: the plot's title (the hall and the date).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = font_manager.FontProperties(fname=str(FONT)) if FONT.exists() else None
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    for name, result in days.items():
        hours = [t / 60 for t, _, _ in result.timeline]
        top.plot(hours, [w for _, w, _ in result.timeline], label=name, linewidth=1.4)
        bottom.step(hours, [s for _, _, s in result.timeline], where="post", label=name, linewidth=1.4)
    top.set_ylabel("排队人数 (waiting)", fontproperties=font)
    bottom.set_ylabel("在岗窗口 (staffed windows)", fontproperties=font)
    bottom.set_xlabel("时刻 (hour)", fontproperties=font)
    top.set_title(title, fontproperties=font)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(prop=font, loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
