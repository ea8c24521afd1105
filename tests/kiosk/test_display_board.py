"""The hall display's model (``kiosk.display.board.HallBoard``): snapshot, events in order, offline blanking."""
from __future__ import annotations

from kiosk.display.board import MAX_CALLS, Call, HallBoard, call_where, cell_title

SNAPSHOT = {
    "services": [{"code": "bdc_transfer", "waiting": 4}, {"code": "si_card", "waiting": 0}],
    "windows": [{"number": 1, "name": "不动产登记1", "state": "open", "current": "A001", "tidal": None},
                {"number": 31, "name": "潮汐窗口1", "state": "closed", "current": None, "tidal": None}],
    "recent_calls": [{"number": "A001", "window": 1}, {"number": "A001", "window": 1},
                     {"number": "C002", "window": 7}],
}


def test_snapshot_then_events() -> None:
    board = HallBoard()
    board.load_snapshot(SNAPSHOT)
    assert board.online and board.waiting == {"bdc_transfer": 4, "si_card": 0}
    assert [(c.number, c.window) for c in board.calls] == [("A001", 1), ("C002", 7)]  # a recall is listed once

    call = board.apply("ticket.called", {"number": "A002", "window": 1, "window_name": "不动产登记1"})
    assert call is not None and (call.number, call.window_name) == ("A002", "不动产登记1")
    assert board.windows[1]["current"] == "A002" and board.calls[0].number == "A002"
    assert board.apply("ticket.finished", {"number": "A002", "window": 1}) is None
    assert board.windows[1]["current"] is None
    board.apply("window.paused", {"window": 1, "state": "paused", "reason": "午间休息"})
    assert board.windows[1]["state"] == "paused"
    board.apply("ticket.issued", {"service": "si_card", "waiting": 1})
    assert board.waiting["si_card"] == 1
    board.apply("tidal.opened", {"window": 31, "service": "bdc_transfer"})
    assert board.tidal == {31: "bdc_transfer"}
    board.apply("tidal.closed", {"window": 31, "service": "bdc_transfer"})
    assert board.tidal == {}


def test_calls_are_capped_and_recall_moves_to_top() -> None:
    board = HallBoard()
    board.load_snapshot(SNAPSHOT)
    for i in range(10):
        board.apply("ticket.called", {"number": f"B{i:03d}", "window": 4})
    board.apply("ticket.recalled", {"number": "B005", "window": 4})
    assert len(board.calls) == MAX_CALLS and board.calls[0].number == "B005"
    assert len({c.number for c in board.calls}) == MAX_CALLS


def test_offline_forgets_everything() -> None:
    board = HallBoard()
    board.load_snapshot(SNAPSHOT)
    board.go_offline()
    assert not board.online and not board.calls and not board.windows and not board.waiting


def test_calls_and_cells_name_the_window_by_its_number() -> None:
    """Citizens look for the number over the counter; the voice says 请A001号到2号窗口办理."""
    assert call_where(Call("A001", 2, "不动产登记2")) == "到 2号窗口 办理"
    assert cell_title(2, "不动产登记2") == "2号 不动产登记2"
    assert cell_title(5, "") == cell_title(5, "5号窗口") == "5号窗口"


def test_staffed_windows_only_in_pages() -> None:
    """A window is listed when someone works there: logged-in staff or a number being served; closed never."""
    from kiosk.display.board import is_staffed, paginate, window_rows

    windows = {1: {"name": "不动产登记1", "state": "open", "staff_name": "张三", "current": None},
               2: {"name": "不动产登记2", "state": "open", "staff_name": None, "current": None},
               3: {"name": "企业开办1", "state": "open", "staff_name": None, "current": "B004"},
               4: {"name": "企业开办2", "state": "paused", "staff_name": "李四", "current": None},
               31: {"name": "潮汐窗口1", "state": "closed", "staff_name": "王五", "current": None}}
    assert [n for n, w in windows.items() if is_staffed(w)] == [1, 3, 4]
    assert window_rows(windows) == [("1号 不动产登记1", "—", "open"), ("3号 企业开办1", "B004", "open"),
                                    ("4号 企业开办2", "暂停服务", "paused")]
    assert paginate(list(range(17)), 8) == [list(range(8)), list(range(8, 16)), [16]] and paginate([], 8) == []
