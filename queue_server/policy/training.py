"""Who is trained for what beyond their own counter: pure code, no I/O.

The tide's cross-window support (跨窗口支援, :func:`queue_server.policy.tidal.decide`) and the day's support plan
(每日兼办, :mod:`queue_server.policy.day_plan`) ask the same question of the hall's windows, and answer it here.
"""
from __future__ import annotations

from typing import Any, Mapping


def cross_trained(
    windows: Mapping[int, tuple[bool, tuple[str, ...], tuple[str, ...]]], department_of: Mapping[str, str],
) -> dict[int, tuple[str, ...]]:
    """The services each regular window's staff may take up as cross-window support (跨窗口支援).

    A counter's staff know their own department's items, and the hall trains them for the group a standby window
    gathers when that group includes one of their own items (e.g. 社保 staff for the 社保/医保/公积金 group). Items
    that every standby group includes (综合受理 and 咨询导办, which every 无差别 window does) say nothing about a
    family of items: sharing only those does not make a counter trained for a group, nor do they come with one.

    :param windows: ``number -> (standby, services, tidal_services)`` for every window.
    :param department_of: each service's department code.
    """
    groups = [set(tidal) for standby, _own, tidal in windows.values() if standby and tidal]
    generic = set.intersection(*groups) if len(groups) > 1 else set()
    out: dict[int, tuple[str, ...]] = {}
    for number, (standby, own, _tidal) in windows.items():
        if standby:
            continue
        departments = {department_of.get(s) for s in own}
        extra = [s for s in sorted(department_of) if department_of[s] in departments and s not in own]
        for group in groups:
            if (group - generic) & set(own):
                extra += [s for s in sorted(group - generic) if s not in own and s not in extra]
        out[number] = tuple(extra)
    return out


def hall_cross_training(config: Any) -> dict[int, tuple[str, ...]]:
    """:func:`cross_trained` for a hall configuration (its ``windows`` and ``services``).

    :param config: the hall configuration.
    """
    return cross_trained(
        {n: (w.standby, tuple(w.services), tuple(w.tidal_services)) for n, w in config.windows.items()},
        {code: s.department for code, s in config.services.items()},
    )
