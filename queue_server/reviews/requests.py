"""What the reviews area's routes accept: one pydantic model per body, query string and path, each field with its
Chinese title (the 422 message names it) and its limits. The routes declare them (:mod:`queue_server.web.api`), and
``/api/openapi.json`` prints them.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from queue_server.reviews import complaints, exports, followups, kpis, rectification
from queue_server.reviews.levels import CHANNELS, LEVELS
from queue_server.web.types import Code, Day, Line, RowId, Text, Token, WindowNumber

Level = Literal[tuple(LEVELS)]
Channel = Literal[tuple(CHANNELS)]
#: blank reasons are allowed here and dropped by the review rules (a bad level then lacks a reason: named there)
Reasons = list[Line(100, min_length=0)]


class DaysQuery(BaseModel):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (each defaults per route)."""

    from_: Day | None = Field(None, alias="from", title="起始日期")
    to: Day | None = Field(None, title="结束日期")


class ReviewRequest(BaseModel):
    ticket_token: Token | None = Field(None, title="号票凭证")
    level: Level = Field(title="评价等级")
    reasons: Reasons = Field([], title="差评原因", max_length=10)
    comment: Text(500, min_length=0) | None = Field(None, title="评价内容")
    channel: Channel = Field(title="评价渠道")
    rater: Line(50, min_length=0) | None = Field(None, title="评价人")


class ReviewListQuery(DaysQuery):
    level: Level | None = Field(None, title="评价等级")
    channel: Channel | None = Field(None, title="评价渠道")
    window: WindowNumber | None = Field(None, title="窗口号")
    flagged: bool | None = Field(None, title="只看被标记的")
    limit: int = Field(1000, ge=1, le=10000, title="条数上限")


class VoidRequest(BaseModel):
    reason: Text(500) = Field(title="作废理由")
    approver: Line(50) = Field(title="审批人工号")
    approver_password: str = Field(title="审批人密码", min_length=1, max_length=200)


class InvitationRequest(BaseModel):
    ticket_id: RowId = Field(title="号票编号")
    method: Literal["phone", "sms", "qr"] = Field("phone", title="邀评方式")
    outcome: Literal["rated", "declined", "unreachable", "sent"] = Field(title="邀评结果")
    note: Text(500, min_length=0) | None = Field(None, title="备注")
    level: Level | None = Field(None, title="评价等级")
    reasons: Reasons = Field([], title="差评原因", max_length=10)
    comment: Text(500, min_length=0) | None = Field(None, title="评价内容")


class CaseListQuery(DaysQuery):
    state: Literal[("open", *rectification.STATES)] | None = Field(None, title="整改状态")
    window: WindowNumber | None = Field(None, title="窗口号")
    overdue: bool | None = Field(None, title="只看逾期")


class ReviewTokenPath(BaseModel):
    token: Token = Field(title="号票凭证")


class IdPath(BaseModel):
    id: RowId = Field(title="编号")


class CaseActionPath(IdPath):
    action: Literal[(*rectification.TRANSITIONS, "assign")] = Field(title="整改操作")


class CaseActionRequest(BaseModel):
    note: Text(1000, min_length=0) | None = Field(None, title="说明")
    responsible: Line(50) | None = Field(None, title="责任人")
    measures: Text(2000) | None = Field(None, title="整改措施")
    verdict: Literal[tuple(rectification.VERDICTS)] | None = Field(None, title="群众对整改的评价")


class ComplaintListQuery(DaysQuery):
    state: Literal[("open", *complaints.STATES)] | None = Field(None, title="诉求状态")
    kind: Literal[tuple(complaints.KINDS)] | None = Field(None, title="诉求类型")
    overdue: bool | None = Field(None, title="只看逾期")


class ComplaintRequest(BaseModel):
    kind: Literal[tuple(complaints.KINDS)] = Field("complaint", title="诉求类型")
    channel: Literal[tuple(complaints.CHANNELS)] = Field("desk", title="来源渠道")
    complainant: Line(50) = Field(title="诉求人")
    phone: Line(20, min_length=0) | None = Field(None, title="联系电话")
    content: Text(2000) = Field(title="诉求内容")
    service: Code | None = Field(None, title="事项类别")
    window: WindowNumber | None = Field(None, title="窗口号")
    department: Code | None = Field(None, title="部门")
    ticket_number: Line(10, min_length=0) | None = Field(None, title="号码")
    responsible: Line(50) = Field(title="责任人")


class ComplaintActionPath(IdPath):
    action: Literal["handle", "resolve", "confirm", "assign"] = Field(title="诉求操作")


class ComplaintActionRequest(BaseModel):
    answer: Text(2000) | None = Field(None, title="答复内容")
    confirmation: Literal["satisfied", "dissatisfied"] | None = Field(None, title="群众确认结果")
    responsible: Line(50) | None = Field(None, title="责任人")
    note: Text(1000, min_length=0) | None = Field(None, title="说明")


class FollowupQuery(BaseModel):
    category: Literal[tuple(followups.CATEGORIES)] | None = Field(None, title="企业类别")


class EnterpriseRequest(BaseModel):
    name: Line(100) = Field(title="企业名称")
    credit_code: Line(18) = Field(title="统一社会信用代码")
    category: Literal[tuple(followups.CATEGORIES)] = Field(title="企业类别")
    contact: Line(50, min_length=0) | None = Field(None, title="联系人")
    phone: Line(20, min_length=0) | None = Field(None, title="联系电话")
    service: Code | None = Field(None, title="事项类别")
    served_on: Day | None = Field(None, title="办理日期")
    ticket_number: Line(10, min_length=0) | None = Field(None, title="号码")


class FollowupRequest(BaseModel):
    reached: bool = Field(True, title="是否接通")
    conduct: Level | None = Field(None, title="工作人员态度")
    experience: Level | None = Field(None, title="办事体验")
    satisfaction: Level | None = Field(None, title="总体满意度")
    notes: Text(1000, min_length=0) | None = Field(None, title="回访记录")


class SampleRequest(BaseModel):
    consistent: bool = Field(title="是否一致")
    note: Text(1000, min_length=0) | None = Field(None, title="说明")


class DrawRequest(BaseModel):
    count: int = Field(5, ge=1, le=100, title="抽查数量")


class BreakdownQuery(DaysQuery):
    by: Literal[(*kpis.PERIODS, *kpis.DIMENSIONS)] = Field("day", title="分组")


class ExportPath(BaseModel):
    ledger: Literal[tuple(exports.LEDGERS)] = Field(title="台账")
    fmt: Literal["csv", "xlsx"] = Field(title="文件格式")
