"""Response models of the work-plan JSON API (``/api/workplan/…``), one per page it mirrors.

Each model describes the dict the matching :mod:`liangshan.workplan.views` function returns, which the
HTML page renders and the JSON twin returns unchanged. Fields are listed for OpenAPI; further keys the
domain functions add are kept (``extra="allow"``), so the JSON never loses what the page shows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CommitmentCounts",
    "CommitmentDeskPage",
    "CommitmentOut",
    "CommitmentReportIn",
    "CommitmentReviewIn",
    "CommitmentValueOut",
    "CommitmentYearOut",
    "DigestOut",
    "DigestUnit",
    "ItemsPage",
    "MeetingOut",
    "MeetingsPage",
    "OverviewPage",
    "PlanOut",
    "PublicAdminPage",
    "PublicSummary",
    "ReportsPage",
    "ScoresOut",
    "ScoresPage",
    "TaskPage",
    "TrackedItemOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class RegionRef(_Out):
    code: str
    name: str = Field(description="地区名称")


class PlanOut(_Out):
    """工作方案：组织机构、阶段（节点与状态）、主要任务（牵头/配合单位、关联指标、进展、量化承诺）、保障措施。"""

    region: RegionRef
    as_of: str = Field(description="状态计算日期 YYYY-MM-DD")
    plan: dict[str, Any] = Field(description="方案标题、文号、印发日期、印发机关")
    organisation: dict[str, Any] = Field(description="领导小组与办公室")
    phases: list[dict[str, Any]] = Field(description="阶段与节点（含状态）")
    tasks: list[dict[str, Any]] = Field(description="主要任务与子任务")
    safeguards: list[dict[str, Any]] = Field(description="保障措施")
    commitments: dict[str, Any] | None = Field(
        None,
        description="承诺：方案年度（years）、计数年度（count_year）与各牵头单位的达成计数（by_lead_unit）",
    )


class TrackedItemOut(_Out):
    """督办事项：阶段节点、会议督办事项、资料清单、进展报送、指标填报。"""

    kind: str
    id: int | str
    title: str
    unit_id: int | None
    unit: str | None
    due: str | None = Field(description="完成时限 YYYY-MM-DD")
    status: str
    done_on: str | None
    state: str = Field(description="overdue / due_soon / open / no_due / done / done_late / cancelled")
    source: str = ""
    kind_label: str
    state_label: str


class DigestUnit(_Out):
    unit: str | None
    unit_id: int
    overdue: list[TrackedItemOut]
    due_soon: list[TrackedItemOut]


class DigestOut(_Out):
    """每日提醒：各单位已逾期与即将到期事项。"""

    region: str
    date: str
    units: list[DigestUnit]


class OverviewPage(_Out):
    """工作方案首页：方案（data）与本账号的每日提醒（digest）。"""

    data: PlanOut
    digest: list[DigestUnit]
    region: str
    on: str


class TaskUnitOut(_Out):
    name: str
    role: str
    source: str | None


class ProgressOut(_Out):
    id: int
    unit: str | None
    on: str
    percent: float | None
    text: str | None
    by: str | None
    comment: str | None
    commented_by: str | None


class CommitmentYearOut(_Out):
    """一项承诺某一年的目标、实际值与状态。"""

    year: int
    target: float | bool | None = Field(description="该年目标值（无目标为 null）")
    target_text: str
    actual: float | bool | None = Field(description="审核通过的实际值（无则 null）")
    actual_text: str
    origin: str = Field(description="reported（牵头单位报送）/ element（取自“两山指数”数据）/ none")
    actual_evidence: str = Field(description="实际值的证明材料")
    pending: float | bool | None = Field(description="待审核或已退回的最新报送值")
    pending_status: str | None
    status: str = Field(description="met / not_met / not_reported / no_target")
    status_label: str


class CommitmentOut(_Out):
    """任务的量化承诺：计量单位、目标、比较方式、逐年目标、牵头单位、证明材料与方案原文。"""

    code: str
    name: str
    unit: str = Field(description="计量单位")
    comparator: str = Field(description=">= / <= / == / bool")
    target: float | bool
    target_text: str
    lead_unit: str = Field(description="牵头单位")
    evidence: str = Field(description="证明材料")
    source: str = Field(description="方案原文")
    basis: str = Field(description="逐年目标的取值依据")
    element: str | None = Field(description="关联的“两山指数”数据元素或指标")
    element_label: str | None = Field(None, description="关联数据的名称")
    years: list[CommitmentYearOut]


class CommitmentCounts(_Out):
    """某年度承诺的达成情况计数。"""

    year: int
    total: int
    met: int
    not_met: int
    not_reported: int


class TaskOut(_Out):
    id: int
    code: str | None
    title: str
    text: str | None
    indicators: Any
    region: str
    units: list[TaskUnitOut]
    reports: list[ProgressOut]
    commitments: list[CommitmentOut] = Field(default_factory=list)
    commitment_counts: CommitmentCounts | None = None


class TaskPage(_Out):
    """任务详情：责任单位、进展报告，本单位在任务中的角色及能否报送进展。"""

    task: TaskOut
    role: str | None
    can_report: bool
    today: str


class UnitOption(_Out):
    id: int
    name: str


class MeetingRow(_Out):
    id: int
    title: str
    held_on: str
    place: str | None


class MeetingsPage(_Out):
    """调度会议列表与本地区单位。"""

    meetings: list[MeetingRow]
    units: list[UnitOption]
    region: str
    today: date


class MeetingAction(_Out):
    id: int
    title: str
    unit: str | None
    unit_id: int | None
    due: str | None
    status: str
    done_on: str | None
    decision: int | None


class MeetingOut(_Out):
    """调度会议：议题、议定事项与督办事项。"""

    id: int
    region: str
    title: str
    held_on: str
    place: str | None
    chair: str | None
    attendees: list[str]
    topics: list[str]
    notes: str | None
    decisions: list[dict[str, Any]]
    actions: list[MeetingAction]
    region_name: str = ""


class ItemsPage(_Out):
    """督办事项列表（单位账号只看本单位），最紧急的在前。"""

    rows: list[TrackedItemOut]
    region: str
    on: str
    kind: str | None


class ScoresOut(_Out):
    """年度工作目标考核：各单位得分、各考核项分子分母与排名。"""

    region: str
    year: int
    as_of: str
    sheet: dict[str, Any]
    units: list[dict[str, Any]]


class ScoresPage(_Out):
    """年度考核页面：排名（data）与考核项名称。"""

    data: ScoresOut
    labels: dict[str, str]
    region: str


class ReportsPage(_Out):
    """群众监督举报（单位账号只看转交本单位的）与办理状态。"""

    rows: list[dict[str, Any]]
    units: list[UnitOption]
    region: str
    next_status: dict[str, list[str]]
    labels: dict[str, str]


class PublicAdminPage(_Out):
    """公开页面设置与本地区问卷。"""

    settings: dict[str, Any]
    surveys: list[dict[str, Any]]
    region: str
    year: int
    round_years: tuple[int, int] | None


class PublicSummary(_Out):
    """公开页面：地区公开的两山指数达标情况、指标结论与任务进展（仅已公开的部分）。"""

    region: RegionRef
    message: str
    survey_id: int | None
    supervision: bool
    as_of: str


# ------------------------------------------------------------------ commitments: reporting and review
class CommitmentFileOut(_Out):
    evidence_id: int = Field(
        description="证明材料文件编号（下载：/workplan/commitment-values/{id}/files/{evidence_id}）"
    )
    filename: str
    sha256: str
    size: int


class CommitmentVersionOut(_Out):
    id: int = Field(description="实际值记录号（审核用）")
    version: int
    value_text: str = Field(description="实际值（带计量单位）")
    evidence: str = Field(description="证明材料说明")
    note: str
    status: str = Field(
        description="submitted 待审核 / approved 已审核 / returned 已退回 / superseded 已取代"
    )
    status_label: str
    reported_by: str = Field(description="报送人（单位与角色）")
    reported_on: str
    review_note: str = Field(description="办公室意见；退回时为退回理由")
    reviewed_by: str | None
    reviewed_on: str | None
    files: list[CommitmentFileOut]


class CommitmentDeskItem(_Out):
    code: str = Field(description="承诺编号（报送用）")
    name: str
    task: str = Field(description="所属任务")
    task_id: int
    lead_unit: str
    unit: str = Field(description="计量单位")
    is_bool: bool = Field(description="实际值为 是/否")
    target_text: str = Field(description="该年目标")
    actual_text: str = Field(description="审核通过的实际值")
    status: str = Field(
        description="met 已达到 / not_met 未达到 / not_reported 未报送 / no_target 本年无目标"
    )
    status_label: str
    evidence_hint: str = Field(description="方案要求的证明材料")
    linked: str | None = Field(description="取自“两山指数”的数据（无需报送）")
    can_report: bool = Field(description="本账号现在能否报送该年实际值")
    review_id: int | None = Field(description="办公室：待审核的实际值记录号")
    versions: list[CommitmentVersionOut] = Field(description="该年各版本，最新在前")


class CommitmentDeskPage(_Out):
    """任务量化承诺实际值的报送与审核（页面 /workplan/commitments）。"""

    region: str
    region_name: str
    year: int | None = Field(description="所看的方案年度（缺省为最近结束的方案年度）")
    years: list[int]
    role: str
    items: list[CommitmentDeskItem] = Field(description="责任单位只列本单位牵头的承诺")
    counts: dict[str, int] = Field(description="total 承诺数 / to_report 可报送 / to_review 待审核")


class CommitmentReportIn(BaseModel):
    """报送某承诺某年的实际值（牵头单位或领导小组办公室）。证明材料文件请用网页表单上传。"""

    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=1900, le=2100)
    value: str = Field(min_length=1, max_length=200, description="实际值：数值，或 是/否")
    evidence: str = Field(max_length=2000, description="证明材料（如：2025年水质监测报告）")
    note: str = Field("", max_length=5000)


class CommitmentReviewIn(BaseModel):
    """审核实际值（领导小组办公室）：approve 通过 / return 退回（须写明理由）。"""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(pattern="^(approve|return)$", description="approve 通过 / return 退回")
    note: str = Field("", max_length=5000, description="意见；退回时必填")


class CommitmentValueOut(_Out):
    """报送或审核后的实际值记录。"""

    id: int
    code: str
    name: str
    year: int
    version: int
    status: str
    status_label: str
    files: int = Field(0, description="随本版上传的证明材料文件数")
