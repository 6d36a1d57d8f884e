"""Response model of ``/api/todo`` (the 待办 page's JSON twin): what :func:`liangshan.services.todo.todo`
returns, described field by field (see :mod:`liangshan.web.schemas` for the conventions)."""

from __future__ import annotations

from pydantic import Field

from liangshan.web.schemas import Model, RoundOut


class TodoItem(Model):
    item: str = Field(description="数据元素代码（链接用）")
    name: str = Field(description="数据元素名称")
    year: int
    status: str = Field(description="none 未填报 / draft 草稿 / returned 已退回 / reopened 已重新打开")
    status_label: str
    deadline: str | None = Field(description="评估批次截止日期 YYYY-MM-DD")
    overdue: bool = Field(description="已过截止日期仍未提交")
    days_left: int | None = Field(description="距截止日期的天数（负数为已逾期）")
    version: int | None = Field(None, description="被退回的版本号")
    reason: str | None = Field(None, description="办公室的退回理由")
    returned_by: str | None = Field(None, description="退回人（单位与角色）")
    returned_on: str | None = Field(None, description="退回日期")


class TodoCase(Model):
    kind: str = Field(description="milestone / action / checklist / report")
    kind_label: str = Field(description="阶段节点、督办事项、资料清单、群众监督")
    title: str
    due: str | None
    state: str
    state_label: str = Field(description="已逾期、即将到期、进行中、未定期限")
    source: str


class TodoMeeting(Model):
    id: int
    title: str
    held_on: str
    place: str
    days: int = Field(description="距会议的天数")


class WaitingItem(Model):
    item: str
    name: str
    year: int
    days: int = Field(description="已等待审核的天数")


class WaitingUnit(Model):
    unit: str
    count: int = Field(description="待审核条数")
    oldest_days: int = Field(description="最久已等待的天数")
    items: list[WaitingItem]


class OverdueUnit(Model):
    unit: str
    overdue: int = Field(description="逾期未提交的条数")
    missing: int = Field(description="未填报的条数")
    returned: int = Field(description="被退回待修改的条数")


class RiskOut(Model):
    id: int
    name: str
    verdict: str = Field(description="未达标 / 数据缺失")
    reason: str


class WarningOut(Model):
    kind: str = Field(description="below_target 低于目标 / trend_turn 由升转降 / consecutive_fall 连续下降")
    kind_label: str
    indicator_id: int
    indicator_name: str
    years: list[int]
    values: list[str]
    target: str
    lead_unit: str = Field(description="牵头单位（指标的第一责任单位）")
    units: list[str]
    text: str


class TitleRiskOut(Model):
    id: int
    kind: str
    title: str
    responsible_unit: str
    state: str = Field(description="整改中 / 逾期")
    due_on: str | None


class TodoCommitment(Model):
    code: str = Field(description="承诺编号（链接用）")
    name: str = Field(description="承诺名称")
    year: int = Field(description="考核年度（已结束的最近一个方案年度）")
    target_text: str = Field(description="该年目标")
    status: str = Field(description="not_reported 未报送 / returned 已退回")
    status_label: str
    version: int | None = Field(description="被退回的版本号")
    reason: str | None = Field(description="办公室的退回理由")
    returned_by: str | None = Field(description="退回人（单位与角色）")
    returned_on: str | None = Field(description="退回日期")


class TodoOut(Model):
    """待办：按角色列出下一步要做的事。"""

    region: str
    region_name: str
    role: str
    role_label: str
    unit: str | None = Field(description="责任单位账号的单位名称")
    today: str
    round: RoundOut | None
    due: list[TodoItem] = Field(description="责任单位：本批次尚未提交的数据")
    returned: list[TodoItem] = Field(description="责任单位：被退回的数据及退回理由")
    overdue: int = Field(
        description="逾期条数（单位：逾期未提交的数据与已逾期的督办事项；其他角色：各单位逾期未提交的数据）"
    )
    cases: list[TodoCase] = Field(description="责任单位：督办事项、群众监督等")
    waiting: list[WaitingUnit] = Field(description="办公室：按单位列出的待审核数据")
    overdue_units: list[OverdueUnit] = Field(description="有逾期未提交数据的单位")
    counts: dict[str, int] = Field(description="领导、专家、技术支持单位：各判定的指标数")
    risks: list[RiskOut] = Field(description="未达标或数据缺失的指标")
    meetings: list[TodoMeeting] = Field(description="30 天内的调度会议")
    warnings: list[WarningOut] = Field(
        description="评估批次末年的指标预警（责任单位只看本单位牵头的指标）", default_factory=list
    )
    title_risks: list[TitleRiskOut] = Field(
        description="对称号构成风险的未整改严重问题（责任单位不显示）", default_factory=list
    )
    commitments: list[TodoCommitment] = Field(
        default_factory=list, description="责任单位：本单位牵头、考核年度未报送或被退回的任务量化承诺"
    )
