"""Reports in the web app: the office starts a background job — the 情况说明技术报告 (Word/PDF/Excel/PPT),
the 年度建设进展报告 of a year (Word/PDF) or the 复核资料包 (ZIP), made by the functions
``liangshan report --kind`` calls — watches its progress and downloads the file. Only the office of the
region may start a job (server-side, :func:`~liangshan.services.permissions.check_office`); a job and its
file are its owner's (or the region's office's)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, Response

from liangshan.report.kinds import FORMAT_LABELS, KIND_FORMATS, KIND_LABELS
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
    """The report formats, the progress report's formats and default year (the newest year with approved
    values) and the user's report jobs of the region (newest first)."""
    from liangshan.report.review_package import newest_approved_year

    check_office(actor, "生成情况说明技术报告")
    code = pick_region(request, actor, region)
    mine = [j.to_dict() for j in jobs_of(request).all() if j.owner == actor.username and j.region == code]
    with ctx_of(request).read() as s:
        newest = newest_approved_year(s, code)
    return {
        "region": code,
        "formats": dict(FORMATS),
        "progress_formats": {f: FORMAT_LABELS[f] for f in KIND_FORMATS["progress"]},
        "progress_year": newest,
        "jobs": mine[::-1],
    }


@router.get("/report")
def report_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    return render(request, "report.html", report_context(request, actor, region))


@router.post("/report/jobs")
def report_start(
    request: Request,
    actor: ActorDep,
    fmt: Annotated[str, Form(max_length=200)],
    region: Annotated[str, Form(max_length=200)],
    kind: Annotated[str, Form(max_length=20)] = "technical",
    year: Annotated[int | None, Form(ge=1900, le=2100)] = None,
) -> Response:
    if kind not in KIND_LABELS:
        raise HTTPException(422, f"不支持的报告类型：{kind}（可选：{'、'.join(KIND_LABELS.values())}）")
    check_office(actor, f"生成{KIND_LABELS[kind]}")
    code = pick_region(request, actor, region)
    try:
        job = jobs_of(request).start(actor.username, code, fmt, kind, year)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    message = f"已开始生成{job.label()}（任务 {job.id[:8]}）"
    return redirect(request, f"/report?region={code}", ("ok", message))


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
