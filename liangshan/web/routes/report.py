"""情况说明技术报告 in the web app: the office starts a background job, watches its progress and downloads."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, Response

from liangshan.services.permissions import Actor, PermissionDenied, check_office, check_region
from liangshan.web.deps import ActorDep, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.web.report_jobs import FORMATS, MEDIA, Job, ReportJobs

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def jobs_of(request: Request) -> ReportJobs:
    state = request.app.state
    if getattr(state, "report_jobs", None) is None:
        ctx = ctx_of(request)
        state.report_jobs = ReportJobs(ctx.db_url, ctx.files_dir / "_reports")
    jobs: ReportJobs = state.report_jobs
    return jobs


def own_job(request: Request, actor: Actor, job_id: str) -> Job:
    """The job, if it exists and the user may see it (its owner, or the office of its region)."""
    job = jobs_of(request).get(job_id)
    if job is None:
        raise HTTPException(404, f"报告任务不存在：{job_id}")
    check_region(actor, job.region)
    if job.owner != actor.username and actor.role != "office":
        raise PermissionDenied("只能查看自己发起的报告任务")
    return job


def report_context(request: Request, actor: Actor, region: str | None) -> dict[str, Any]:
    """The report formats and the user's report jobs of the region (newest first)."""
    check_office(actor, "生成情况说明技术报告")
    code = pick_region(request, actor, region)
    mine = [j.to_dict() for j in jobs_of(request).all() if j.owner == actor.username and j.region == code]
    return {"region": code, "formats": dict(FORMATS), "jobs": mine[::-1]}


@router.get("/report")
def report_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    return render(request, "report.html", report_context(request, actor, region))


@router.post("/report/jobs")
def report_start(
    request: Request,
    actor: ActorDep,
    fmt: Annotated[str, Form(max_length=200)],
    region: Annotated[str, Form(max_length=200)],
) -> Response:
    check_office(actor, "生成情况说明技术报告")
    code = pick_region(request, actor, region)
    if fmt not in FORMATS:
        raise HTTPException(422, f"不支持的报告格式：{fmt}（可选：{'、'.join(FORMATS)}）")
    job = jobs_of(request).start(actor.username, code, fmt)
    return redirect(
        request, f"/report?region={code}", ("ok", f"已开始生成{FORMATS[fmt]}（任务 {job.id[:8]}）")
    )


@router.get("/report/jobs/{job_id}")
def report_status(request: Request, actor: ActorDep, job_id: str) -> dict[str, Any]:
    return own_job(request, actor, job_id).to_dict()


@router.get("/report/jobs/{job_id}/download")
def report_download(request: Request, actor: ActorDep, job_id: str) -> Response:
    job = own_job(request, actor, job_id)
    if job.state != "done" or job.path is None:
        raise HTTPException(409, f"报告尚未生成完成（{job.step}）")
    disposition = f"attachment; filename=\"report.{job.fmt}\"; filename*=UTF-8''{quote(job.path.name)}"
    return FileResponse(job.path, media_type=MEDIA[job.fmt], headers={"Content-Disposition": disposition})
