"""The work-plan JSON API (``/api/workplan/…``): the JSON twin of every work-plan page.

Each endpoint returns what its page renders, from the same :mod:`liangshan.workplan.views` function,
typed by a model of :mod:`liangshan.web.schemas_workplan`. Same permissions as the pages: a region
outside the user's scope is refused, a unit account sees its own unit's rows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from liangshan.store.errors import NotFoundError
from liangshan.web.deps import IdPath, YearQuery, csrf_protect, ctx_of
from liangshan.web.routes.workplan_common import ActorDep, parse_date, today
from liangshan.web.schemas_workplan import (
    DigestOut,
    ItemsPage,
    MeetingOut,
    MeetingsPage,
    OverviewPage,
    PlanOut,
    PublicAdminPage,
    PublicSummary,
    ReportsPage,
    ScoresOut,
    TaskPage,
)
from liangshan.workplan import public_site, views

router = APIRouter(dependencies=[Depends(csrf_protect)])
TAGS: list[Any] = ["工作方案"]


@router.get("/api/workplan/tasks/{task_id}", tags=TAGS, response_model=TaskPage)
def api_task(request: Request, actor: ActorDep, task_id: IdPath) -> dict[str, Any]:
    """任务详情（页面 /workplan/tasks/{task_id}）：责任单位、进展报告、本单位角色与能否报送。"""
    with ctx_of(request).read() as s:
        return views.task_view(s, actor, task_id, today())


@router.get("/api/workplan/meetings/{meeting_id}", tags=TAGS, response_model=MeetingOut)
def api_meeting(request: Request, actor: ActorDep, meeting_id: IdPath) -> dict[str, Any]:
    """调度会议：议题、议定事项与督办事项。"""
    with ctx_of(request).read() as s:
        return views.meeting_view(s, actor, meeting_id)


@router.get("/api/workplan/{region}", tags=TAGS, response_model=PlanOut)
def api_plan(request: Request, actor: ActorDep, region: str, on: str | None = None) -> dict[str, Any]:
    """工作方案：organisation、phases（节点与状态）、tasks（牵头/配合单位、关联指标、进展）、safeguards。"""
    with ctx_of(request).read() as s:
        return views.plan_view(s, actor, region, parse_date(on, "日期") or today())


@router.get("/api/workplan/{region}/overview", tags=TAGS, response_model=OverviewPage)
def api_overview(request: Request, actor: ActorDep, region: str, on: str | None = None) -> dict[str, Any]:
    """工作方案首页（页面 /workplan）：方案与本账号的每日提醒。"""
    ctx = ctx_of(request)
    with ctx.read() as s:
        return views.overview(s, ctx.catalog, actor, region, parse_date(on, "日期") or today())


@router.get("/api/workplan/{region}/digest", tags=TAGS, response_model=DigestOut)
def api_digest(request: Request, actor: ActorDep, region: str, on: str | None = None) -> dict[str, Any]:
    """每日提醒：各单位（单位账号只看本单位）已逾期与即将到期事项。"""
    ctx = ctx_of(request)
    day = parse_date(on, "日期") or today()
    with ctx.read() as s:
        rows = views.unit_digest(s, ctx.catalog, actor, region, day)
    return {"region": region, "date": day.isoformat(), "units": rows}


@router.get("/api/workplan/{region}/scores", tags=TAGS, response_model=ScoresOut)
def api_scores(
    request: Request, actor: ActorDep, region: str, year: YearQuery, on: str | None = None
) -> dict[str, Any]:
    """年度工作目标考核：各单位得分、各考核项分子分母与排名（on：统计截止日期，默认为该年年底；
    页面 /workplan/scores 取今天与年底中较早者）。"""
    ctx = ctx_of(request)
    with ctx.read() as s:
        return views.scores_view(s, ctx.catalog, actor, region, year, parse_date(on, "日期"))["data"]


@router.get("/api/workplan/{region}/meetings", tags=TAGS, response_model=MeetingsPage)
def api_meetings(request: Request, actor: ActorDep, region: str) -> dict[str, Any]:
    """调度会议列表（页面 /workplan/meetings）与本地区单位。"""
    with ctx_of(request).read() as s:
        return views.meetings_view(s, actor, region, today())


@router.get("/api/workplan/{region}/items", tags=TAGS, response_model=ItemsPage)
def api_items(
    request: Request, actor: ActorDep, region: str, on: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    """督办事项（页面 /workplan/items）：单位账号只看本单位，最紧急的在前；kind 按类型筛选。"""
    ctx = ctx_of(request)
    with ctx.read() as s:
        return views.items_view(s, ctx.catalog, actor, region, parse_date(on, "日期") or today(), kind)


@router.get("/api/workplan/{region}/reports", tags=TAGS, response_model=ReportsPage)
def api_reports(request: Request, actor: ActorDep, region: str) -> dict[str, Any]:
    """群众监督举报（页面 /workplan/reports）：单位账号只看转交本单位的。"""
    with ctx_of(request).read() as s:
        return views.reports_view(s, actor, region)


@router.get("/api/workplan/{region}/public-admin", tags=TAGS, response_model=PublicAdminPage)
def api_public_admin(request: Request, actor: ActorDep, region: str) -> dict[str, Any]:
    """公开页面设置与问卷（页面 /workplan/public-admin，仅领导小组办公室）。"""
    with ctx_of(request).read() as s:
        return views.public_admin_view(s, actor, region, today())


@router.get("/api/workplan/{region}/public", tags=TAGS, response_model=PublicSummary)
def api_public(request: Request, region: str) -> dict[str, Any]:
    """公开页面（页面 /public/{region}，无需登录）：仅地区已公开的内容；未公开时 404。"""
    ctx = ctx_of(request)
    with ctx.read() as s:
        view = public_site.public_summary(s, ctx.catalog, region, today())
    if view is None:
        raise NotFoundError(f"地区 {region} 未公开工作进展")
    return view
