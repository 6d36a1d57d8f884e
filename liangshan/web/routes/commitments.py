"""Task commitments on the web (任务量化承诺): the lead unit reports a year's actual value with its
evidence files, the office approves it or returns it with a reason; pages and their JSON twins.

Handlers parse the request, call :mod:`liangshan.workplan.commitment_desk` (which calls the rules of
:mod:`liangshan.workplan.commitments` the command line uses: ``report_actual``, ``review_actual``) and
render. Permissions are checked there, server-side: only the commitment's lead unit or the office may
report, only the office reviews."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, Response

from liangshan.services.uploads import CheckedUpload, check_upload
from liangshan.web.deps import IdPath, OptYearQuery, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.web.routes.workplan_common import ActorDep, today
from liangshan.web.schemas_workplan import (
    CommitmentDeskPage,
    CommitmentReportIn,
    CommitmentReviewIn,
    CommitmentValueOut,
)
from liangshan.workplan import commitment_desk as desk
from liangshan.workplan.commitments import review_actual

router = APIRouter(dependencies=[Depends(csrf_protect)])
TAGS: list[Any] = ["工作方案"]
CodePath = Annotated[
    str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$", description="承诺编号")
]
RegionPath = Annotated[str, Path(min_length=6, max_length=12, pattern=r"^\d+$", description="地区代码")]


def _page_url(region: str, year: int | None, code: str | None = None) -> str:
    url = f"/workplan/commitments?region={region}"
    if year is not None:
        url += f"&year={year}"
    return url + (f"#c-{code}" if code else "")


def _uploads(request: Request, files: list[UploadFile] | None) -> list[CheckedUpload]:
    """Every file of the form checked (size, type from the content, name) before anything is written."""
    out = []
    limit = ctx_of(request).max_upload
    for f in files or []:
        if not f.filename and (f.size or 0) == 0:
            continue  # an empty file input
        out.append(check_upload(f.file.read(limit + 1), f.filename, limit))
    return out


# ------------------------------------------------------------------------------------------ pages
@router.get("/workplan/commitments", include_in_schema=False)
def commitments_page(
    request: Request, actor: ActorDep, region: str | None = None, year: OptYearQuery = None
) -> Response:
    code = pick_region(request, actor, region)
    with ctx_of(request).read() as s:
        data = desk.desk(s, actor, code, year, today())
    return render(request, "workplan/commitments.html", {"data": data, "current_region": code})


@router.post("/workplan/commitments/{code}/report", include_in_schema=False)
def commitment_report(
    request: Request,
    actor: ActorDep,
    code: CodePath,
    region: Annotated[str, Form(max_length=12)],
    year: Annotated[int, Form(ge=1900, le=2100)],
    value: Annotated[str, Form(max_length=200)],
    evidence: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    ctx = ctx_of(request)
    uploads = _uploads(request, files)
    with ctx.write() as s:
        row = desk.report_with_files(
            s, actor, ctx.files_dir, region, code, year, value, evidence=evidence, note=note, uploads=uploads
        )
        out = desk.value_out(s, row)
    message = f"已报送“{out['name']}”{year}年实际值（第 {out['version']} 版），待领导小组办公室审核"
    return redirect(request, _page_url(region, year, code), ("ok", message))


@router.post("/workplan/commitment-values/{value_id}/review", include_in_schema=False)
def commitment_review(
    request: Request,
    actor: ActorDep,
    value_id: IdPath,
    action: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    with ctx_of(request).write() as s:
        row = review_actual(s, actor, value_id, action, note=note)
        out = desk.value_out(s, row)
    verb = "已通过" if out["status"] == "approved" else "已退回"
    message = f"“{out['name']}”{out['year']}年实际值（第 {out['version']} 版）{verb}"
    return redirect(request, _page_url(out["region"], out["year"], out["code"]), ("ok", message))


@router.get("/workplan/commitment-values/{value_id}/files/{evidence_id}", include_in_schema=False)
def commitment_file(request: Request, actor: ActorDep, value_id: IdPath, evidence_id: IdPath) -> Response:
    """An evidence file of a reported value (office, read roles, the commitment's lead unit)."""
    ctx = ctx_of(request)
    with ctx.read() as s:
        path, name, ctype = desk.evidence_file(s, actor, ctx.files_dir, value_id, evidence_id)
    return FileResponse(
        path,
        media_type=ctype or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{evidence_id}"; '
            f"filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


# ------------------------------------------------------------------------------------ JSON twins
@router.get("/api/workplan/{region}/commitments", tags=TAGS, response_model=CommitmentDeskPage)
def api_commitments(
    request: Request, actor: ActorDep, region: RegionPath, year: OptYearQuery = None
) -> dict[str, Any]:
    """任务量化承诺的实际值（页面 /workplan/commitments）：各版本、证明材料、能否报送、待审核记录号。"""
    with ctx_of(request).read() as s:
        return desk.desk(s, actor, region, year, today())


@router.post(
    "/api/workplan/{region}/commitments/{code}/values",
    tags=TAGS,
    response_model=CommitmentValueOut,
    status_code=201,
)
def api_commitment_report(
    request: Request, actor: ActorDep, region: RegionPath, code: CodePath, body: CommitmentReportIn
) -> dict[str, Any]:
    """报送承诺某年的实际值（牵头单位或领导小组办公室；与命令行 workplan commitment-report 同一规则）。"""
    ctx = ctx_of(request)
    with ctx.write() as s:
        row = desk.report_with_files(
            s, actor, ctx.files_dir, region, code, body.year, body.value,
            evidence=body.evidence, note=body.note,
        )  # fmt: skip
        return desk.value_out(s, row)


@router.post(
    "/api/workplan/commitment-values/{value_id}/review", tags=TAGS, response_model=CommitmentValueOut
)
def api_commitment_review(
    request: Request, actor: ActorDep, value_id: IdPath, body: CommitmentReviewIn
) -> dict[str, Any]:
    """审核实际值（领导小组办公室）：approve 通过，return 退回（须写明理由）。"""
    with ctx_of(request).write() as s:
        row = review_actual(s, actor, value_id, body.action, note=body.note)
        return desk.value_out(s, row)
