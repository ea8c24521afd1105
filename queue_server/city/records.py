"""What a hall ships to the city: records, each the hall's latest state of one of its rows (a ticket after its
call, a rectification case after its call-back…) or a heartbeat of the hall's live state, numbered by the hall's
outbox sequence.

The city keeps the state with the highest sequence per (hall, kind, id), so a record sent again after an outage
changes nothing, and counts are taken from the rows, never from the messages. No personal data travels: no
names, phones, ID numbers, comments, complaint texts, consultation questions, training topics or questionnaire
texts typed by citizens — the city's reports need none of them.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import AwareDatetime, BaseModel, Field, create_model

from queue_server.web.types import Code, Day, Line, WindowNumber

Id = Annotated[int, Field(ge=1, le=2**53, title="记录编号")]
Seq = Annotated[int, Field(ge=1, le=2**62, title="序号")]
#: a unit (department) code; '' when the hall names none
Unit = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_.\-]*$", title="单位")]
Count = Annotated[int, Field(ge=0, le=10**7, title="数量")]
Minutes = Annotated[float, Field(ge=0, le=10**6, title="分钟")]
Status = Literal["waiting", "called", "serving", "finished", "no_show", "transferred", "held", "expired"]
Level = Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]


class TicketData(BaseModel):
    id: Id
    business_day: Day = Field(title="业务日")
    number: Line(16) = Field(title="号码")
    service: Code = Field(title="业务")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    status: Status = Field(title="状态")
    priority: Line(32) | None = Field(None, title="优先类别")
    issued_at: AwareDatetime = Field(title="取号时间")
    called_at: AwareDatetime | None = Field(None, title="首次叫号时间")
    finished_at: AwareDatetime | None = Field(None, title="办结时间")
    wait_min: Minutes | None = Field(None, title="等候分钟")
    skipped: bool = Field(False, title="曾过号")


class ReviewData(BaseModel):
    id: Id
    ticket_id: Id
    business_day: Day = Field(title="业务日")
    service: Code | None = Field(None, title="业务")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    level: Level = Field(title="评价等级")
    channel: Line(16) = Field(title="评价渠道")
    invited: bool = Field(False, title="邀请评价")
    voided: bool = Field(False, title="已作废")
    created_at: AwareDatetime = Field(title="评价时间")


class RectificationData(BaseModel):
    id: Id
    review_id: Id
    business_day: Day = Field(title="业务日")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    level: Level = Field(title="评价等级")
    state: Line(16) = Field(title="状态")
    callback_due: AwareDatetime = Field(title="回访时限")
    called_back_at: AwareDatetime | None = Field(None, title="回访时间")
    rectify_due: AwareDatetime = Field(title="整改时限")
    rectified_at: AwareDatetime | None = Field(None, title="整改时间")
    verdict: Line(16) | None = Field(None, title="整改评价")


class ComplaintData(BaseModel):
    id: Id
    business_day: Day = Field(title="业务日")
    kind: Line(32) = Field(title="类别")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    state: Line(16) = Field(title="状态")
    due_at: AwareDatetime = Field(title="办理时限")
    resolved_at: AwareDatetime | None = Field(None, title="办结时间")


class PracticeData(BaseModel):
    id: Id
    business_day: Day = Field(title="业务日")
    kind: Line(32) = Field(title="举措")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    count: Count = 1


class PromisedCaseData(BaseModel):
    id: Id
    business_day: Day = Field(title="业务日")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    guide_name: Line(200) = Field(title="事项")
    state: Line(16) = Field(title="状态")
    accepted_at: AwareDatetime = Field(title="受理时间")
    deadline: AwareDatetime = Field(title="承诺时限")
    issued_at: AwareDatetime | None = Field(None, title="出件时间")


class TrainingData(BaseModel):
    id: Id
    business_day: Day = Field(title="培训日期")
    kind: Line(32) = Field(title="培训类型")
    units: list[Unit] = Field(default_factory=list, max_length=100, title="参训单位")
    attendees: Count = Field(0, title="参训人数")


class ConsultationData(BaseModel):
    id: Id
    business_day: Day = Field(title="业务日")
    service: Code = Field(title="业务")
    department: Unit = ""
    outcome: Line(16) = Field(title="处理结果")
    to_window: WindowNumber | None = Field(None, title="引导窗口")


class SurveyAnswerData(BaseModel):
    id: Id
    business_day: Day = Field(title="业务日")
    survey: Code = Field(title="问卷")
    department: Unit = ""
    window: WindowNumber | None = Field(None, title="窗口")
    ratings: dict[Code, Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict, max_length=100,
                                                                   title="评分")
    good: dict[Code, bool] = Field(default_factory=dict, max_length=100, title="是否满意选项")


class SurveyDefinition(BaseModel):
    """A questionnaire as the hall file defines it: what the city needs to name its weak points."""

    title: Line(100) = Field(title="问卷名称")
    weak_rating: float = Field(4.0, ge=1, le=5, title="评分薄弱线")
    weak_share: float = Field(0.8, ge=0, le=1, title="满意占比薄弱线")
    min_answers: Count = Field(3, title="最少答卷数")
    questions: dict[Code, Line(100)] = Field(default_factory=dict, max_length=100, title="问题")


class HeartbeatData(BaseModel):
    """The hall's live state for the city's board."""

    at: AwareDatetime = Field(title="时间")
    waiting: Count = Field(title="等候人数")
    longest_wait_min: Minutes | None = Field(None, title="最长已等分钟")
    tidal_open: Count = Field(0, title="开启的潮汐窗口")
    devices_down: Count = Field(0, title="故障设备")
    units: dict[Code, Line(64)] = Field(default_factory=dict, max_length=500, title="单位名称")
    surveys: dict[Code, SurveyDefinition] = Field(default_factory=dict, max_length=100, title="问卷")


def _record(kind: str, data: type[BaseModel]) -> type[BaseModel]:
    return create_model(f"{data.__name__[:-4]}Record", __doc__=f"One ``{kind}`` record.", seq=(Seq, ...),
                        kind=(Literal[kind], Field(title="类别")), data=(data, Field(title="内容")))


#: kind → (its record model, its table in the city's database); the heartbeat has no table (the halls row)
KINDS: dict[str, tuple[type[BaseModel], str | None]] = {
    "ticket": (_record("ticket", TicketData), "tickets"),
    "review": (_record("review", ReviewData), "reviews"),
    "rectification": (_record("rectification", RectificationData), "rectifications"),
    "complaint": (_record("complaint", ComplaintData), "complaints"),
    "practice": (_record("practice", PracticeData), "practices"),
    "promised_case": (_record("promised_case", PromisedCaseData), "promised_cases"),
    "training": (_record("training", TrainingData), "training_sessions"),
    "consultation": (_record("consultation", ConsultationData), "consultations"),
    "survey_answer": (_record("survey_answer", SurveyAnswerData), "survey_answers"),
    "heartbeat": (_record("heartbeat", HeartbeatData), None),
}
AnyRecord = Annotated[Union[tuple(model for model, _ in KINDS.values())], Field(discriminator="kind")]  # noqa: UP007


class Batch(BaseModel):
    """``POST /api/city/records``: a hall's records in sequence order."""

    hall: Code | None = Field(None, title="大厅代码")
    records: list[AnyRecord] = Field(max_length=5000, title="记录")
