"""The JSON API under ``/api/``: everything the pages do, on the same services.

Authentication is the session cookie (``POST /api/login``); every write needs the ``X-CSRF-Token``
header with the token ``/api/login`` or ``/api/me`` returns. Refusals answer ``{"detail", "code"}``
with 401/403/404/409/413/415/422/423 and a message that says why.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from liangshan.services.permissions import check_view
from liangshan.services.queries import evidence_of, item_detail, submission_dict
from liangshan.services.uploads import check_upload
from liangshan.services.values import review, save_entry, upload_evidence
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Submission
from liangshan.web import excel
from liangshan.web import schemas as sc
from liangshan.web.deps import (
    ActorDep,
    IdPath,
    IdQuery,
    ItemPath,
    OptIdQuery,
    YearPath,
    csrf_protect,
    ctx_of,
    pick_region,
    render,
    scope_regions,
)
from liangshan.web.routes.dashboard import dashboard_for
from liangshan.web.routes.entry import check_context, evidence_download, item_context, list_context
from liangshan.web.routes.excel import XLSX, excel_context, excel_template
from liangshan.web.routes.indicator import indicator_for, indicator_list_context
from liangshan.web.routes.report import report_context
from liangshan.web.routes.review import ReviewList, queue_context

router = APIRouter(prefix="/api", dependencies=[Depends(csrf_protect)])


class EntryBody(BaseModel):
    region: str = Field(max_length=12, description="地区代码")
    value: float | bool | str = Field(description="数值（数值型）或 true/false、是/否（是否型）")
    note: str = Field("", max_length=5000, description="备注；有变化幅度提示时提交须填写")
    action: Literal["save", "submit"] = Field("submit", description="save 保存草稿；submit 提交审核")
    expected_version: int = Field(ge=0, description="您编辑的版本号（尚无版本时为 0）；不是最新则 409")
    evidence_ids: list[int] = Field(default_factory=list, description="要附加的已上传佐证材料 id")
    keep_evidence: list[int] | None = Field(None, description="保留上一版本的哪些佐证（缺省全部保留）")


class ActionBody(BaseModel):
    action: Literal["approve", "return", "reopen", "submit", "comment"]
    reason: str = Field("", max_length=5000, description="退回、重新打开必须填写理由；评论内容")
    expected_version: int | None = Field(None, ge=1)


class ConfirmBody(BaseModel):
    token: str = Field(max_length=60)


@router.get(
    "/regions", tags=["地区"], summary="可访问的地区（地区切换）", response_model=list[sc.RegionOption]
)
def api_regions(request: Request, actor: ActorDep) -> list[dict[str, Any]]:
    return scope_regions(request, actor)


@router.get(
    "/worklist",
    tags=["填报"],
    summary="填报清单：数据元素 × 年份的状态、版本、截止日期和可执行操作（页面 /entry）",
    response_model=sc.Worklist,
)
def api_worklist(
    request: Request, actor: ActorDep, region: str | None = None, unit: OptIdQuery = None
) -> dict[str, Any]:
    return list_context(request, actor, region, unit)


@router.get(
    "/items/{item}",
    tags=["填报"],
    summary="一项数据评估批次各年份的版本、佐证、审核记录和可用计算器（页面 /entry/{item}）",
    response_model=sc.ItemPage,
)
def api_item_page(
    request: Request, actor: ActorDep, item: ItemPath, region: str | None = None
) -> dict[str, Any]:
    return item_context(request, actor, item, region)


@router.get(
    "/items/{item}/{year}/check",
    tags=["填报"],
    summary="填报时的即时检查（范围、变化幅度、备注要求），不写入（页面片段 /entry/{item}/{year}/check）",
    response_model=sc.Checks,
)
def api_item_check(
    request: Request,
    actor: ActorDep,
    item: ItemPath,
    year: YearPath,
    region: str,
    value: str = "",
    note: str = "",
) -> dict[str, Any]:
    return {"checks": check_context(request, actor, item, year, region, value, note)}


@router.get(
    "/items/{item}/{year}",
    tags=["填报"],
    summary="一项数据一年的全部版本、佐证、审核记录和可执行操作",
    response_model=sc.ItemDetail,
)
def api_item(
    request: Request, actor: ActorDep, item: ItemPath, year: YearPath, region: str | None = None
) -> dict[str, Any]:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    try:
        check_view(actor, ctx.catalog, code, item)
    except KeyError:
        raise NotFoundError(f"未知数据元素或指标：{item}") from None
    with ctx.read() as s:
        return item_detail(s, ctx.catalog, actor, code, item, year)


@router.post(
    "/items/{item}/{year}",
    tags=["填报"],
    status_code=201,
    summary="保存草稿或提交一个新版本",
    response_model=sc.SaveOut,
)
def api_save(
    request: Request, actor: ActorDep, item: ItemPath, year: YearPath, body: EntryBody
) -> dict[str, Any]:
    out = save_entry(
        ctx_of(request),
        actor,
        region=body.region,
        item=item,
        year=year,
        raw_value=body.value,
        note=body.note,
        action=body.action,
        expected_version=body.expected_version,
        keep_evidence=body.keep_evidence,
        attach_evidence=body.evidence_ids,
    )
    return {
        "submission": out.submission,
        "changed": out.changed,
        "message": out.message,
        "checks": [{"level": c.level, "message": c.message} for c in out.checks],
    }


@router.post(
    "/evidence",
    tags=["佐证材料"],
    status_code=201,
    summary="上传佐证材料（按内容判断类型，限大小）",
    response_model=sc.EvidenceStored,
)
def api_evidence(
    request: Request,
    actor: ActorDep,
    file: Annotated[UploadFile, File()],
    region: Annotated[str, Form(max_length=12)],
) -> dict[str, Any]:
    ctx = ctx_of(request)
    up = check_upload(file.file.read(ctx.max_upload + 1), file.filename, ctx.max_upload)
    return upload_evidence(ctx, actor, region, up)


@router.get(
    "/evidence/{evidence_id}",
    tags=["佐证材料"],
    summary="下载佐证材料（仅限有权查看的用户）",
    response_class=Response,
    responses={
        200: {"description": "文件内容（按上传时的类型）", "content": {"application/octet-stream": {}}}
    },
)
def api_evidence_download(request: Request, actor: ActorDep, evidence_id: IdPath) -> Response:
    return evidence_download(request, actor, evidence_id)


@router.get(
    "/submissions/{submission_id}",
    tags=["审核"],
    summary="一个版本及其所在数据项的可执行操作",
    response_model=sc.SubmissionView,
)
def api_submission(request: Request, actor: ActorDep, submission_id: IdPath) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.read() as s:
        sub = s.get(Submission, submission_id)
        if sub is None:
            raise NotFoundError(f"填报记录不存在：{submission_id}")
        check_view(actor, ctx.catalog, sub.region_code, sub.item_code)
        d = submission_dict(sub, evidence_of(s, [sub.id])[sub.id])
        detail = item_detail(s, ctx.catalog, actor, sub.region_code, sub.item_code, sub.year)
    newest = detail["current"]["id"] == sub.id if detail["current"] else False
    d["is_newest"] = newest
    d["actions"] = detail["actions"] if newest else {"allowed": [], "why_not": {"*": "不是最新版本"}}
    return d


@router.post(
    "/submissions/{submission_id}/actions",
    tags=["审核"],
    summary="审核通过 / 退回 / 重新打开 / 提交草稿 / 评论",
    response_model=sc.SubmissionOut,
)
def api_action(request: Request, actor: ActorDep, submission_id: IdPath, body: ActionBody) -> dict[str, Any]:
    return review(ctx_of(request), actor, submission_id, body.action, body.reason, body.expected_version)


@router.get(
    "/review",
    tags=["审核"],
    summary="审核队列（pending 待审、returned 已退回、approved 已通过、draft 草稿），含前三年数值、变化幅度、"
    "佐证、各标签条数；按单位、指标、等待天数筛选，每页 50 条（页面 /review）",
    response_model=ReviewList,
)
def api_review(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    unit: OptIdQuery = None,
    tab: str = "pending",
    indicator: int | None = None,
    age: int = 0,
    page: int = 1,
) -> dict[str, Any]:
    return queue_context(request, actor, region, unit, tab, indicator, age, page)


@router.get(
    "/dashboard",
    tags=["总览"],
    summary="两山指数总览：各指标达标情况、趋势、单位完成度、风险指标（页面 /dashboard）",
    response_model=sc.Dashboard,
    response_model_exclude_unset=True,
)
def api_dashboard(
    request: Request, actor: ActorDep, region: str | None = None, pending: bool = False
) -> dict[str, Any]:
    return dashboard_for(request, actor, region, pending)


@router.get(
    "/indicators",
    tags=["总览"],
    summary="评估指标列表；责任单位只见本单位负责的指标（页面 /indicators）",
    response_model=sc.IndicatorList,
)
def api_indicators(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return indicator_list_context(request, actor, region)


@router.get(
    "/indicators/{ind_id}",
    tags=["总览"],
    summary="指标详情：定义、目标、规则、数值、佐证、来源和历史（页面 /indicator/{ind_id}）",
    response_model=sc.IndicatorPage,
    response_model_exclude_unset=True,
)
def api_indicator(
    request: Request, actor: ActorDep, ind_id: IdPath, region: str | None = None, pending: bool = False
) -> dict[str, Any]:
    return indicator_for(request, actor, ind_id, region, pending)


@router.get(
    "/completeness",
    tags=["总览"],
    summary="各单位完成度：应报、已报、已通过、退回、逾期（责任单位只见本单位）",
    response_model=sc.Completeness,
    response_model_exclude_unset=True,
)
def api_completeness(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = dashboard_for(request, actor, region, False)["completeness"]
    return data


@router.get(
    "/excel/template",
    tags=["Excel"],
    summary="下载某单位的填报模板（办公室：各单位；责任单位：本单位）",
    response_class=Response,
    responses={200: {"description": "Excel 模板（.xlsx）", "content": {XLSX: {}}}},
)
def api_excel_template(
    request: Request, actor: ActorDep, unit: IdQuery, region: str | None = None
) -> Response:
    return excel_template(request, actor, unit, region)


@router.get(
    "/excel",
    tags=["Excel"],
    summary="可下载填报模板的单位及其数据元素个数（办公室：各单位；责任单位：本单位；页面 /excel）",
    response_model=sc.ExcelPage,
)
def api_excel(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return excel_context(request, actor, region)


@router.post(
    "/excel/preview",
    tags=["Excel"],
    summary="上传填好的模板，返回预览和全部逐格错误（工作表、行、列；不写入）",
    response_model=sc.ImportPreview,
)
def api_excel_preview(
    request: Request, actor: ActorDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    ctx = ctx_of(request)
    excel.check_excel(actor, "导入 Excel")
    up = check_upload(file.file.read(ctx.max_upload + 1), file.filename, ctx.max_upload, allowed=("xlsx",))
    return excel.preview(ctx, actor, up.data, up.filename)


@router.post(
    "/excel/confirm",
    tags=["Excel"],
    summary="确认写入预览过的导入（全部写入或全部不写）",
    response_model=sc.ImportDone,
)
def api_excel_confirm(request: Request, actor: ActorDep, body: ConfirmBody) -> dict[str, Any]:
    return excel.confirm(ctx_of(request), actor, body.token)


@router.get(
    "/report",
    tags=["报告"],
    summary="情况说明技术报告：可选格式和本人发起的生成任务（办公室，页面 /report）",
    response_model=sc.ReportPage,
)
def api_report(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return report_context(request, actor, region)


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """A local, script-free rendering of the OpenAPI document (the stock pages need a CDN)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "tag": (op.get("tags") or [""])[0],
                    "params": [p["name"] for p in op.get("parameters", [])],
                    "body": ", ".join(body),
                }
            )
    return render(request, "api_docs.html", {"ops": ops, "title": spec["info"]["title"]})
