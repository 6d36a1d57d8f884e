"""Excel round-trip pages: download a unit's template, upload filled templates, preview, confirm.

The office sees every unit of its region; a responsible unit sees and downloads its own template only
(another unit's: 403) and imports its own rows (:mod:`liangshan.web.excel`)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from liangshan.services.catalogs import region_catalog
from liangshan.services.permissions import Actor
from liangshan.services.queries import unit_elements
from liangshan.services.uploads import check_upload
from liangshan.store.errors import StoreError
from liangshan.web import excel
from liangshan.web.deps import (
    ActorDep,
    IdQuery,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(name: str, data: bytes) -> Response:
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(name)}"
        },
    )


def excel_context(request: Request, actor: Actor, region: str | None) -> dict[str, Any]:
    """The units of the region whose templates the user can download (with their element counts): every
    unit for the office, its own for a responsible unit."""
    excel.check_excel(actor, "使用 Excel 导入导出")
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with ctx.read() as s:
        units = [
            {"id": u.id, "name": u.name, "elements": len(els)}
            for u, els in unit_elements(s, region_catalog(ctx, code, s), code)
            if not actor.is_unit or u.id == actor.unit_id
        ]
    return {"region": code, "units": units}


@router.get("/excel")
def excel_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    data = excel_context(request, actor, region)
    return render(request, "excel.html", {**data, "plan": None, "error": None})


@router.get("/excel/template")
def excel_template(request: Request, actor: ActorDep, unit: IdQuery, region: str | None = None) -> Response:
    code = pick_region(request, actor, region)
    name, data = excel.template(ctx_of(request), actor, code, unit)
    return xlsx_response(name, data)


@router.post("/excel/preview")
def excel_preview(request: Request, actor: ActorDep, file: Annotated[UploadFile, File()]) -> Response:
    excel.check_excel(actor, "导入 Excel")
    ctx = ctx_of(request)
    code = pick_region(request, actor, None)
    try:
        up = check_upload(
            file.file.read(ctx.max_upload + 1), file.filename, ctx.max_upload, allowed=("xlsx",)
        )
        plan = excel.preview(ctx, actor, up.data, up.filename)
    except (StoreError, ValueError) as exc:
        return render(
            request,
            "excel.html",
            {"region": code, "units": [], "plan": None, "error": error_text(exc)},
            error_status(exc),
        )
    status = 200 if plan["ok"] else 422
    return render(request, "excel.html", {"region": code, "units": [], "plan": plan, "error": None}, status)


@router.post("/excel/confirm")
def excel_confirm(request: Request, actor: ActorDep, token: Annotated[str, Form(max_length=60)]) -> Response:
    ctx = ctx_of(request)
    out = excel.confirm(ctx, actor, token)
    msg = f"已导入 {out['written']} 项（新版本，待审核），{out['skipped']} 项无变化未写入"
    return redirect(request, "/entry" if actor.is_unit else "/review", ("ok", msg))
