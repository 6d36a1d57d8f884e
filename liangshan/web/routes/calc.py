"""上传原始数据计算: upload raw data for an item, preview what its calculator computes, confirm.

Pages ``/calc/{item}`` (form, and preview after the upload) and ``/calc/confirm``; the JSON API
``/api/calc/...`` runs the same services (:mod:`liangshan.web.calculators`). Who may: the users who may
enter the item (:func:`liangshan.services.permissions.check_edit` — a unit for its own items in its region,
the office, the technical analyst). The calculation runs in a worker thread.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from liangshan.services.catalogs import region_catalog
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, check_edit, edit_denial, item_name, resolve_item
from liangshan.services.uploads import CheckedUpload, UploadRejected, check_data_upload
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.web import calculators
from liangshan.web.deps import (
    ActorDep,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])


class CalcConfirmBody(BaseModel):
    token: str = Field(max_length=60, description="预览返回的 token")
    action: Literal["save", "submit"] = Field("save", description="save 保存为草稿；submit 提交审核")
    note: str = Field("", max_length=5000, description="备注；有变化幅度提示时提交须填写")


def _allowed(request: Request, actor: Actor, item: str, region: str | None) -> tuple[str, list[Any]]:
    """(region, calculators of the item) after the entry page's checks: known item, may enter it."""
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    cat = region_catalog(ctx, code)  # the region's indicator set
    try:
        resolve_item(cat, item)
    except KeyError:
        raise NotFoundError(f"未知数据元素或指标：{item}") from None
    check_edit(actor, cat, code, item)
    calcs = calculators.for_item(item)
    if not calcs:
        raise NotFoundError(f"“{item_name(cat, item)}”没有可用的原始数据计算器，请直接填报数值")
    return code, calcs


def form_context(
    request: Request, actor: Actor, item: str, region: str | None, key: str | None
) -> dict[str, Any]:
    ctx = ctx_of(request)
    code, calcs = _allowed(request, actor, item, region)
    calc = calculators.pick(item, key)
    defaults = calculators.defaults(ctx, code)
    return {
        "region": code,
        "item": item,
        "item_name": item_name(ctx.catalog, item),
        "calc": calculators.describe(calc, ctx.catalog, defaults),
        "others": [{"key": c.key, "title": c.title} for c in calcs if c.key != calc.key],
        "max_mb": ctx.max_upload / 1048576,
    }


async def _read(request: Request, actor: Actor, item: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the upload form (permission first, then the files); run the preview in a worker thread."""
    ctx = ctx_of(request)
    form = await request.form()
    region = form.get("region")
    key = form.get("calc")
    data = form_context(request, actor, item, region if isinstance(region, str) else None,
                        key if isinstance(key, str) and key else None)  # fmt: skip
    calc = calculators.get(data["calc"]["key"], item)
    uploads: dict[str, CheckedUpload] = {}
    for spec in calc.files:
        f = form.get(f"file_{spec.key}")
        if not isinstance(f, UploadFile) or (not f.filename and not f.size):
            continue  # an empty file input
        raw = await run_in_threadpool(f.file.read, ctx.max_upload + 1)
        uploads[spec.key] = check_data_upload(raw, f.filename, ctx.max_upload, spec.kinds)
    params = {p.key: v for p in calc.params if isinstance(v := form.get(p.key), str)}
    data["values"] = params
    plan = await run_in_threadpool(
        calculators.preview,
        ctx,
        actor,
        region=data["region"],
        item=item,
        calc_key=calc.key,
        uploads=uploads,
        raw_params=params,
    )
    return data, plan


@router.get("/calc/{item}", include_in_schema=False)
def calc_form(
    request: Request, actor: ActorDep, item: str, region: str | None = None, calc: str | None = None
) -> Response:
    data = form_context(request, actor, item, region, calc)
    return render(request, "calc_upload.html", {"data": data, "error": None})


@router.post("/calc/confirm", include_in_schema=False)
def calc_confirm(
    request: Request,
    actor: ActorDep,
    token: Annotated[str, Form(max_length=60)],
    action: Annotated[str, Form(max_length=10)] = "save",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    ctx = ctx_of(request)
    try:
        out = calculators.confirm(ctx, actor, token, action, note)
    except (StoreError, EntryError) as exc:
        plan = calculators.pending_plan(ctx, actor, token)
        if plan is None:
            raise
        data = {"region": plan["region"], "item": plan["item"], "item_name": plan["item_name"]}
        return render(
            request,
            "calc_preview.html",
            {"data": data, "plan": plan, "error": error_text(exc), "note": note},
            error_status(exc),
        )
    url = f"/entry/{quote(out['item'])}?region={quote(out['region'])}"
    return redirect(request, url, ("ok", out["message"]))


@router.post("/calc/{item}", include_in_schema=False)
async def calc_preview(request: Request, actor: ActorDep, item: str) -> Response:
    try:
        data, plan = await _read(request, actor, item)
    except (StoreError, EntryError, UploadRejected) as exc:
        if isinstance(exc, NotFoundError):
            raise
        form = await request.form()
        region = form.get("region")
        key = form.get("calc")
        data = form_context(request, actor, item, region if isinstance(region, str) else None,
                            key if isinstance(key, str) and key else None)  # fmt: skip
        data["values"] = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return render(
            request, "calc_upload.html", {"data": data, "error": error_text(exc)}, error_status(exc)
        )
    status = 422 if plan["errors"] else 200
    return render(
        request, "calc_preview.html", {"data": data, "plan": plan, "error": None, "note": ""}, status
    )


# JSON API (same services)
@router.get("/api/calc/{item}", tags=["原始数据计算"], summary="数据项可用的计算器：需要的文件、参数")
def api_calc(request: Request, actor: ActorDep, item: str, region: str | None = None) -> dict[str, Any]:
    ctx = ctx_of(request)
    code, calcs = _allowed(request, actor, item, region)
    defaults = calculators.defaults(ctx, code)
    return {
        "region": code,
        "item": item,
        "calculators": [calculators.describe(c, ctx.catalog, defaults) for c in calcs],
        "why_not": edit_denial(actor, ctx.catalog, code, item),
    }


@router.post(
    "/api/calc/confirm",
    tags=["原始数据计算"],
    status_code=201,
    summary="确认写入预览过的计算结果（草稿或提交；附原始文件为佐证；全部写入或全部不写）",
)
def api_calc_confirm(request: Request, actor: ActorDep, body: CalcConfirmBody) -> dict[str, Any]:
    return calculators.confirm(ctx_of(request), actor, body.token, body.action, body.note)


@router.post(
    "/api/calc/{item}",
    tags=["原始数据计算"],
    summary="上传原始数据（multipart：region、calc、file_<键>、参数），返回计算预览（不写入）",
)
async def api_calc_preview(request: Request, actor: ActorDep, item: str) -> Response:
    _, plan = await _read(request, actor, item)
    return JSONResponse(plan, status_code=422 if plan["errors"] else 200)
