"""Data entry pages: the unit's list, an item's years with forms, inline checks, evidence download."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from liangshan.catalog.models import DataElement
from liangshan.services.catalogs import region_catalog
from liangshan.services.checks import EntryError, check_value, parse_value
from liangshan.services.contributions import contribute_denial, contributions_in
from liangshan.services.permissions import (
    Actor,
    PermissionDenied,
    check_view,
    edit_denial,
    leads,
    resolve_item,
    visible_elements,
)
from liangshan.services.queries import current_round, item_detail, round_years, unit_elements, worklist
from liangshan.services.uploads import CheckedUpload, UploadRejected, check_upload
from liangshan.services.values import evidence_for_download, save_entry
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.store.evidence import blob_path
from liangshan.store.models import Unit
from liangshan.web import calculators
from liangshan.web.deps import (
    MAX_ID,
    ActorDep,
    IdPath,
    ItemPath,
    OptIdQuery,
    YearPath,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def list_context(request: Request, actor: Actor, region: str | None, unit: int | None) -> dict[str, Any]:
    """The worklist of the user's unit, or (office and read roles) of all or one unit."""
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with ctx.read() as s:
        cat = region_catalog(ctx, code, s)  # the region's indicator set (a variant adds elements)
        units = [(u.id, u.name) for u, _ in unit_elements(s, cat, code)]
        if actor.is_unit:
            elements = visible_elements(actor, cat)
            chosen = actor.unit_id
        elif unit is not None:
            u = s.get(Unit, unit)
            if u is None or u.region_code != code:
                raise PermissionDenied(f"单位 {unit} 不属于地区 {code}")
            names = {u.name, *(u.aliases or [])}
            elements = [e for e in cat.data_elements if names.intersection(e.suppliers)]
            chosen = u.id
        else:
            elements, chosen = list(cat.data_elements), None
        data = worklist(s, cat, actor, code, elements)
    data["units"] = [{"id": i, "name": n} for i, n in units]
    data["unit_filter"] = chosen
    return data


@router.get("/entry")
def entry_list(
    request: Request, actor: ActorDep, region: str | None = None, unit: OptIdQuery = None
) -> Response:
    return render(request, "entry_list.html", {"data": list_context(request, actor, region, unit)})


def item_context(request: Request, actor: Actor, item: str, region: str | None) -> dict[str, Any]:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    cat = region_catalog(ctx, code)
    try:
        resolve_item(cat, item)
    except KeyError:
        raise NotFoundError(f"未知数据元素或指标：{item}") from None
    check_view(actor, cat, code, item)
    el, _ind = resolve_item(cat, item)
    with ctx.read() as s:
        years = round_years(current_round(s, code))
        details = [item_detail(s, cat, actor, code, item, y) for y in years]
        shared = shared_context(s, actor, el, code, years) if el is not None and el.shared else None
    # 上传原始数据计算: offered to those who may enter the item
    calcs = [] if edit_denial(actor, cat, code, item) else calculators.for_item(item)
    return {
        "region": code,
        "item": item,
        "details": details,
        "years": years,
        "calculators": [{"key": c.key, "title": c.title} for c in calcs],
        "shared": shared,
    }


def shared_context(
    s: Session, actor: Actor, el: DataElement, region: str, years: list[int]
) -> dict[str, Any]:
    """A shared element's lead and cooperating units, whether the user contributes (a cooperating
    unit: the contribution form replaces the value input) and the contributions of ``years``."""
    why = contribute_denial(actor, el)
    return {
        "lead": el.lead,
        "cooperating": list(el.cooperating),
        "can_contribute": why is None,
        "why_not": why,
        "is_lead": actor.is_unit and leads(actor.unit_names, el),
        "contributions": contributions_in(s, region, el.code, years),
    }


@router.get("/entry/{item}")
def entry_item(request: Request, actor: ActorDep, item: ItemPath, region: str | None = None) -> Response:
    data = item_context(request, actor, item, region)
    return render(request, "entry_item.html", {"data": data, "form": {}, "errors": {}})


def read_uploads(request: Request, files: list[UploadFile] | None) -> list[CheckedUpload]:
    out = []
    limit = ctx_of(request).max_upload
    for f in files or []:
        if not f.filename and (f.size or 0) == 0:
            continue  # an empty file input
        data = f.file.read(limit + 1)
        out.append(check_upload(data, f.filename, limit))
    return out


@router.post("/entry/{item}/{year}")
def entry_save(
    request: Request,
    actor: ActorDep,
    item: ItemPath,
    year: YearPath,
    region: Annotated[str, Form(max_length=12)],
    value: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
    version: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
    keep_evidence: Annotated[list[int] | None, Form()] = None,
    keep_marker: Annotated[str, Form(max_length=2)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    ctx = ctx_of(request)
    try:
        uploads = read_uploads(request, files)
        out = save_entry(
            ctx,
            actor,
            region=region,
            item=item,
            year=year,
            raw_value=value,
            note=note,
            action=action,
            expected_version=version,
            uploads=uploads,
            keep_evidence=(keep_evidence or []) if keep_marker else None,
        )
    except (StoreError, PermissionDenied, UploadRejected, EntryError) as exc:
        if isinstance(exc, PermissionDenied | NotFoundError):
            raise
        data = item_context(request, actor, item, region)
        form = {"year": year, "value": value, "note": note}
        errors = {year: error_text(exc)}
        return render(
            request, "entry_item.html", {"data": data, "form": form, "errors": errors}, error_status(exc)
        )
    kind = "ok" if out.changed else "info"
    warn = [c.message for c in out.checks if c.level == "warning"]
    msg = out.message + ("（提示：" + "；".join(warn) + "）" if warn else "")
    return redirect(request, f"/entry/{quote(item)}?region={quote(region)}#y{year}", (kind, msg))


def check_context(
    request: Request, actor: Actor, item: str, year: int, region: str, value: str, note: str
) -> list[dict[str, str]]:
    """The checks of a value being typed (range, change from last year, note required); writes nothing."""
    ctx = ctx_of(request)
    cat = region_catalog(ctx, region)
    try:
        el, ind = resolve_item(cat, item)
    except KeyError:
        raise NotFoundError(f"未知数据元素或指标：{item}") from None
    check_view(actor, cat, region, item)
    checks: list[dict[str, str]] = []
    if value.strip():
        try:
            v = parse_value(value, el, ind)
            with ctx.read() as s:
                found = check_value(s, cat, region, item, year, v, el, ind)
            checks = [{"level": c.level, "message": c.message} for c in found]
            if any(c.level == "warning" for c in found) and not note.strip():
                checks.append({"level": "warning", "message": "有提示时，提交前须填写备注说明原因"})
        except EntryError as e:
            checks = [{"level": "error", "message": str(e)}]
    return checks


@router.get("/entry/{item}/{year}/check")
def entry_check(
    request: Request,
    actor: ActorDep,
    item: ItemPath,
    year: YearPath,
    region: str,
    value: str = "",
    note: str = "",
) -> Response:
    """Inline checks while typing (HTMX fragment); writes nothing."""
    checks = check_context(request, actor, item, year, region, value, note)
    return render(request, "_checks.html", {"checks": checks})


@router.get("/evidence/{evidence_id}")
def evidence_download(request: Request, actor: ActorDep, evidence_id: IdPath) -> Response:
    ctx = ctx_of(request)
    ev = evidence_for_download(ctx, actor, evidence_id)
    path = blob_path(ctx.files_dir, ev.sha256)
    if not path.exists():
        raise NotFoundError(f"佐证材料 {evidence_id} 的文件不在存储中（sha256 {ev.sha256[:12]}…）")
    return FileResponse(
        path,
        media_type=ev.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"evidence-{ev.id}\"; filename*=UTF-8''{quote(ev.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )
