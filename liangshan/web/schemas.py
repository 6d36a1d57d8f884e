"""Response models of the JSON API (``/api/…``): what ``/api/openapi.json`` declares for every answer.

Each model describes the dict the page's data function returns (the HTML page and its JSON twin
call the same function), so the models are descriptions, not a second path: a route returns the
function's dict and FastAPI checks it against the model. Values that keep their type as stored
(a number or 是/否) are ``int | float | bool`` (an integer stays an integer). ``ErrorBody`` is what
the exception handlers of :mod:`liangshan.web.app` answer for a refused API request.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from liangshan.web.schemas_contributions import SharedItem

Value = int | float | bool | str | None


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# ---- errors ---------------------------------------------------------------------------------------
class ErrorBody(Model):
    """A refused API request: the reason in Chinese and a stable code."""

    detail: str = Field(description="原因（中文），如“无权访问地区 900001”")
    code: str = Field(
        description=(
            "错误类别：unauthenticated（401 未登录）、csrf / forbidden（403）、not_found（404）、"
            "conflict / closed / transition（409）、invalid（422 参数或数值有误）、locked（423）、"
            "rejected（400）、upload_rejected / too_large（413、415）、http_<状态码>"
        )
    )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录或登录已过期（code: unauthenticated）"},
    403: {
        "model": ErrorBody,
        "description": "无权访问该地区、单位或操作，或缺少 CSRF 令牌（forbidden / csrf）",
    },
    404: {"model": ErrorBody, "description": "对象不存在（not_found / http_404）"},
    409: {
        "model": ErrorBody,
        "description": "版本冲突、批次已关闭或状态不允许（conflict / closed / transition）",
    },
    422: {"model": ErrorBody, "description": "请求参数或填报数值有误（invalid）"},
}


# ---- shared pieces --------------------------------------------------------------------------------
class RoundOut(Model):
    id: int
    name: str = Field(description="评估批次名称")
    start_year: int
    end_year: int
    deadline: str | None = Field(description="截止日期 YYYY-MM-DD")
    state: str = Field(description="open 进行中 / closed 已关闭")


class RegionRef(Model):
    code: str = Field(description="地区代码（GB/T 2260）")
    name: str
    terrain_zone: str | None = Field(None, description="地形区：山区/丘陵区/平原区")


class EvidenceOut(Model):
    id: int
    filename: str
    content_type: str | None
    size: int
    sha256: str
    uploaded_by: str | None
    uploaded_at: str | None


class SubmissionOut(Model):
    """One version of an item-year."""

    id: int
    region: str
    item: str = Field(description="数据元素代码或 indicator:<序号>")
    year: int
    version: int
    value: Value = Field(description="数值或 true/false")
    value_text: str
    unit: str | None
    note: str | None
    status: str = Field(description="draft / submitted / returned / approved / reopened / superseded")
    status_label: str
    provenance: dict[str, Any] | None = Field(description="计算来源（标准、参数、输入文件 sha256…）")
    created_by: str
    created_at: str | None
    evidence: list[EvidenceOut]


class Actions(Model):
    allowed: list[str] = Field(description="现在可执行的操作")
    why_not: dict[str, str] = Field(description="不可执行的操作及原因")


class Check(Model):
    level: str = Field(description="error / warning / info")
    message: str


class UnitRef(Model):
    id: int
    name: str


# ---- account --------------------------------------------------------------------------------------
class Me(Model):
    username: str
    display_name: str | None
    role: str
    role_label: str
    region: str | None
    unit: str | None
    regions: list[str] = Field(description="可访问的地区代码")
    csrf_token: str


class LoginUser(Model):
    username: str
    role: str
    region: str | None


class LoginOut(Model):
    user: LoginUser
    csrf_token: str = Field(description="写操作须带 X-CSRF-Token 头")


class Ok(Model):
    ok: bool


class RegionOption(Model):
    code: str
    name: str
    has_round: bool = Field(description="是否已有评估批次")


# ---- entry ----------------------------------------------------------------------------------------
class WorkCell(Model):
    year: int
    status: str | None
    status_label: str
    version: int
    submission_id: int | None
    value_text: str
    evidence_count: int
    overdue: bool
    actions: list[str]


class WorkItem(Model):
    code: str
    name: str
    unit: str
    kind: str
    suppliers: list[str]
    indicators: list[str]
    years: list[WorkCell]


class Worklist(Model):
    """数据填报清单 (page ``/entry``)."""

    region: str
    round: RoundOut | None
    years: list[int]
    items: list[WorkItem]
    units: list[UnitRef]
    unit_filter: int | None


class ItemEvent(Model):
    at: str
    who: str
    action: str
    action_label: str
    from_: str | None = Field(alias="from")
    to: str | None
    reason: str | None
    submission_id: int


class IndicatorRef(Model):
    id: int
    name: str


class ItemDetail(Model):
    """An item-year: every version with evidence, the review history and the allowed actions."""

    region: str
    item: str
    name: str
    unit: str
    kind: str
    suppliers: list[str]
    indicators: list[IndicatorRef]
    year: int
    round: RoundOut | None
    current: SubmissionOut | None
    versions: list[SubmissionOut]
    events: list[ItemEvent]
    actions: Actions


class CalculatorRef(Model):
    key: str
    title: str


class ItemPage(Model):
    """一项数据的各年份 (page ``/entry/{item}``)."""

    region: str
    item: str
    years: list[int]
    details: list[ItemDetail]
    calculators: list[CalculatorRef] = Field(description="可上传原始数据计算的计算器")
    shared: SharedItem | None = Field(None, description="共同填报的数据：牵头单位、配合单位和分项数据")


class Checks(Model):
    """填报时的即时检查 (fragment ``/entry/{item}/{year}/check``); nothing is written."""

    checks: list[Check]


class SaveOut(Model):
    submission: SubmissionOut
    changed: bool
    message: str
    checks: list[Check]


class EvidenceStored(Model):
    id: int
    filename: str
    sha256: str
    size: int


class SubmissionView(SubmissionOut):
    is_newest: bool
    actions: Actions


# ---- review ---------------------------------------------------------------------------------------
class QueueRow(SubmissionOut):
    name: str
    suppliers: list[str]


class ReviewQueue(Model):
    """审核队列 (page ``/review``)."""

    region: str
    tab: str = Field(description="pending / returned / approved / draft")
    rows: list[QueueRow]
    units: list[UnitRef]
    unit_filter: int | None
    can_review: bool


# ---- completeness ---------------------------------------------------------------------------------
class ItemYearState(Model):
    year: int
    status: str | None
    status_label: str
    version: int
    overdue: bool


class ItemState(Model):
    code: str
    name: str
    years: list[ItemYearState]


class UnitCompleteness(Model):
    unit_id: int | None
    unit: str
    due: str | None = Field(description="截止日期（批次统一）")
    expected: int = Field(description="应报（数据项·年）")
    submitted: int
    approved: int
    returned: int
    draft: int
    missing: int
    overdue: int
    approved_pct: float
    items: list[ItemState] | None = Field(None, description="各数据项各年份状态（仅批次详情）")


class Completeness(Model):
    """各单位完成度."""

    round: RoundOut | None
    units: list[UnitCompleteness]


# ---- dashboard and indicators ---------------------------------------------------------------------
class IndicatorResult(Model):
    id: int
    name: str
    unit: str
    target: str = Field(description="目标值（文字）")
    rule: str
    values: dict[str, Value] = Field(description="年份 → 数值")
    verdict: str = Field(description="达标 / 基本达标 / 未达标 / 数据缺失 / 不适用")
    reason: str
    goal: str
    category: str
    responsible_units: list[str]
    threshold: int | float | None
    sources: dict[str, str | None]
    missing: dict[str, list[str]]
    components: dict[str, Any]
    css: str | None = None


class CategoryBlock(Model):
    code: str
    name: str
    indicators: list[IndicatorResult]


class GoalBlock(Model):
    code: str
    name: str
    categories: list[CategoryBlock]


class Risk(Model):
    id: int
    name: str
    verdict: str
    reason: str
    css: str


class Dashboard(Model):
    """两山指数总览 (page ``/dashboard``)."""

    region: RegionRef
    years: list[int]
    pending: bool = Field(description="是否含待审核数据（预览，非正式结果）")
    counts: dict[str, int] = Field(description="结论 → 指标数")
    goals: list[GoalBlock]
    indicators: list[IndicatorResult]
    risks: list[Risk]
    completeness: Completeness


class IndicatorInfo(Model):
    id: int
    name: str
    unit: str
    definition: str
    standards: list[str]
    formula: dict[str, Any]
    formula_text: str
    target: dict[str, Any]
    precision: int


class ElementYear(Model):
    year: int
    value_text: str
    status: str | None
    status_label: str
    version: int
    evidence: list[EvidenceOut]
    provenance: dict[str, Any] | None
    history: list[SubmissionOut]


class ElementValues(Model):
    code: str
    name: str
    unit: str
    suppliers: list[str]
    years: list[ElementYear]


class RegionName(Model):
    code: str
    name: str


class IndicatorPage(Model):
    """指标详情 (page ``/indicator/{id}``)."""

    region: RegionName
    years: list[int]
    pending: bool
    round: RoundOut | None
    indicator: IndicatorInfo
    result: IndicatorResult
    elements: list[ElementValues]


class IndicatorRow(Model):
    id: int
    name: str
    goal: str
    category: str
    unit: str
    target: str
    responsible_units: list[str]


class IndicatorList(Model):
    """评估指标 (page ``/indicators``); a unit user sees its own indicators."""

    region: str
    indicators: list[IndicatorRow]


# ---- excel, report --------------------------------------------------------------------------------
class ExcelUnit(Model):
    id: int
    name: str
    elements: int = Field(description="数据元素个数")


class ExcelPage(Model):
    """Excel 导入导出 (page ``/excel``): the units whose templates can be downloaded."""

    region: str
    units: list[ExcelUnit]


class ImportError_(Model):
    sheet: str | None = Field(None, description="工作表")
    row: int | None
    column: str | None = Field(description="列名（表头）")
    column_letter: str | None = Field(None, description="列（Excel 字母）")
    cell: str | None = Field(None, description="单元格，如 E5")
    message: str


class ImportRow(Model):
    row: int
    region: str
    item: str
    year: int
    value: Value
    value_text: str
    unit: str | None
    note: str | None
    current: str
    current_version: int
    change: str = Field(description="new / changed / unchanged")


class ImportPreview(Model):
    ok: bool
    errors: list[ImportError_]
    rows: list[ImportRow]
    token: str | None = Field(description="确认导入的一次性令牌（检查通过时）")
    to_write: int


class ImportDone(Model):
    written: int
    submission_ids: list[int]
    skipped: int


class ReportJob(Model):
    id: str
    region: str
    format: str
    kind: str = Field("technical", description="technical 技术报告、progress 进展报告、review 复核资料包")
    label: str = Field("", description="报告名称与格式，如 2025年度建设进展报告（Word）")
    state: str
    step: str
    percent: int
    error: str | None
    download: str | None


class ReportPage(Model):
    """情况说明技术报告 (page ``/report``): the formats and the user's jobs (newest first)."""

    region: str
    formats: dict[str, str] = Field(description="格式 → 名称")
    progress_formats: dict[str, str] = Field(default_factory=dict, description="进展报告的格式 → 名称")
    progress_year: int | None = Field(None, description="进展报告的默认年度（最新有审核通过数据的年份）")
    jobs: list[ReportJob]


# ---- rounds ---------------------------------------------------------------------------------------
class RoundWithRegion(RoundOut):
    region: str


class RoundSummary(RoundWithRegion):
    current: bool = Field(description="填报是否进入此批次")
    expected: int
    submitted: int
    approved: int
    returned: int
    draft: int
    missing: int
    overdue: int


class RoundList(Model):
    """评估批次管理 (page ``/rounds``)."""

    region: str
    region_name: str
    rounds: list[RoundSummary]
    today: str


class RoundState(RoundWithRegion):
    current: bool


class RoundEvent(Model):
    at: str
    who: str
    action: str
    label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class RoundTotals(Model):
    expected: int
    submitted: int
    approved: int
    returned: int
    draft: int
    missing: int
    overdue: int


class RoundDetail(Model):
    """一个评估批次 (page ``/rounds/{id}``)."""

    round: RoundState
    units: list[UnitCompleteness]
    total: RoundTotals
    history: list[RoundEvent]
    years: list[int]


# ---- roll-up --------------------------------------------------------------------------------------
class RollupRegion(Model):
    code: str
    name: str
    level: str
    level_label: str
    parent: str | None


class RollupMap(Model):
    region: str
    mode: str = Field(description="verdict 按结论设色 / value 按数值设色")
    label: str
    max: int | float
    items: list[dict[str, Any]]


class RollupIndicator(Model):
    id: int
    name: str
    unit: str


class Rollup(Model):
    """多地区汇总 (page ``/regions``)."""

    model_config = ConfigDict(extra="allow")

    region: RollupRegion
    year: int
    years: list[int]
    previous_year: int | None
    catalog_version: str
    counties: int
    rank_by: str
    totals: dict[str, int] = Field(description="结论 → 县·指标数")
    passes: dict[str, Any] = Field(description="县均达标指标数及分布")
    indicators: list[dict[str, Any]] = Field(description="各指标汇总（比值指标为分子之和÷分母之和）")
    children: list[dict[str, Any]] = Field(description="下级地区及排名")
    available_years: list[int]
    indicator: RollupIndicator | None = Field(description="排名所依据的指标（空 = 达标指标数）")
    map: RollupMap
    has_boundaries: bool


# ------------------------------------------------------------------------------------------ 对账
class OfficialFigureOut(Model):
    value: float
    publisher: str
    document: str
    published_on: str
    explanation: str = ""
    evidence_count: int = 0


class ReconcileYearOut(Model):
    year: int
    official: OfficialFigureOut | None = None
    recomputed: float | None = None
    difference: float | None = None
    difference_unit: str = ""
    used: str | None = None
    used_label: str = ""
    explanation: list[str] = Field(default_factory=list)
    unit_note: str = ""


class ReconcileIndicatorOut(Model):
    id: int
    name: str
    unit: str
    responsible_units: list[str]
    value_source: str
    value_source_label: str
    verdict: str
    reason: str
    years: list[ReconcileYearOut]


class ReconcileRegionOut(Model):
    code: str
    name: str


class ReconcileOut(Model):
    """官方发布值与复算值对账（与 /reconcile 页面相同的数据）。"""

    region: ReconcileRegionOut
    years: list[int]
    indicators: list[ReconcileIndicatorOut]
