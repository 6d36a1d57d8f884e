"""官方发布值与复算值对账: ``/reconcile`` (page, entry form) and ``/api/reconcile`` (JSON twin).

Office, analyst, leader and reviewer see every indicator; a unit sees only its own (asking for
another unit's indicator is refused with 403). Entering a published figure (office and the
responsible unit) goes through :func:`liangshan.services.reconcile.save_official` and is then
reviewed on the ordinary review page like any value.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from liangshan.services import reconcile as svc
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, edit_denial, visible_indicators
from liangshan.services.uploads import CheckedUpload, UploadRejected, check_upload
from liangshan.store.errors import StoreError
from liangshan.store.service import parse_years
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
from liangshan.web.schemas import ReconcileOut

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _years(request: Request, region: str, years: str | None) -> list[int]:
    if years:
        return parse_years(years, (0, 0))
    return svc.default_years(ctx_of(request), region)


def reconcile_data(
    request: Request, actor: Actor, region: str | None, years: str | None, indicator: int | None
) -> dict[str, Any]:
    code = pick_region(request, actor, region)
    return svc.reconcile(ctx_of(request), actor, code, _years(request, code, years), indicator)


@router.get("/api/reconcile", tags=["对账"], summary="官方发布值与复算值对账", response_model=ReconcileOut)
def api_reconcile(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    years: str | None = None,
    indicator: int | None = None,
) -> dict[str, Any]:
    """每个指标、每年的官方发布值（发布单位、文件、日期）、复算值、差值、采用哪一个及差异说明。"""
    return reconcile_data(request, actor, region, years, indicator)


@router.get("/reconcile", include_in_schema=False)
def reconcile_page(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    years: str | None = None,
    indicator: int | None = None,
) -> Response:
    data = reconcile_data(request, actor, region, years, indicator)
    return render(request, "reconcile.html", _page(request, actor, data))


def _page(request: Request, actor: Actor, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    ctx = ctx_of(request)
    code = data["region"]["code"]
    editable = [
        {"id": i.id, "name": i.name, "unit": i.unit}
        for i in visible_indicators(actor, ctx.catalog)
        if i.formula.kind in ("ratio", "value")
        and edit_denial(actor, ctx.catalog, code, f"official:{i.id}") is None
        and (i.value_source == "official_first" or any(x["id"] == i.id for x in data["indicators"]))
    ]
    return {"data": data, "editable": editable, "form": {}, **extra}


@router.post("/reconcile/official", include_in_schema=False)
async def official_post(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    indicator: Annotated[int, Form()],
    year: Annotated[int, Form()],
    value: Annotated[str, Form(max_length=50)],
    publisher: Annotated[str, Form(max_length=500)] = "",
    document: Annotated[str, Form(max_length=500)] = "",
    published_on: Annotated[str, Form(max_length=20)] = "",
    explanation: Annotated[str, Form(max_length=5000)] = "",
    action: Annotated[str, Form(max_length=10)] = "submit",
    evidence: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    ctx = ctx_of(request)
    form = {
        "indicator": indicator,
        "year": year,
        "value": value,
        "publisher": publisher,
        "document": document,
        "published_on": published_on,
        "explanation": explanation,
    }
    try:
        code = pick_region(request, actor, region)
        uploads: list[CheckedUpload] = []
        for f in evidence or []:
            content = await f.read()
            if content or f.filename:
                uploads.append(check_upload(content, f.filename))
        out = svc.save_official(
            ctx,
            actor,
            region=code,
            indicator=indicator,
            year=year,
            value=value,
            data=svc.OfficialInput(publisher, document, published_on, explanation),
            action="save" if action == "save" else "submit",
            uploads=uploads,
        )
    except (StoreError, EntryError, UploadRejected) as exc:
        data = reconcile_data(request, actor, region, None, None)
        page = _page(request, actor, data, error=error_text(exc), form=form)
        return render(request, "reconcile.html", page, error_status(exc))
    msg = f"指标{indicator} {year}年官方发布值{out.message}"
    return redirect(request, "/reconcile?" + urlencode({"region": code}), ("ok", msg))
