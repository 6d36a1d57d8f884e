"""Contributions to shared data elements (共同填报): a cooperating unit's part (number, comment,
evidence) from the entry page's form, and the JSON API of the list the lead unit reads.

The rules live in :mod:`liangshan.services.contributions`; these routes parse input and render.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from liangshan.services.checks import EntryError
from liangshan.services.contributions import contribute, contributions_for
from liangshan.services.permissions import PermissionDenied
from liangshan.services.uploads import UploadRejected
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.web.deps import (
    MAX_ID,
    ActorDep,
    ItemPath,
    OptYearQuery,
    YearPath,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)
from liangshan.web.routes.entry import item_context, read_uploads
from liangshan.web.schemas_contributions import ContributionList, ContributionOut

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.post("/entry/{item}/{year}/contribute", include_in_schema=False)
def entry_contribute(
    request: Request,
    actor: ActorDep,
    item: ItemPath,
    year: YearPath,
    region: Annotated[str, Form(max_length=12)],
    value: Annotated[str, Form(max_length=200)] = "",
    comment: Annotated[str, Form(max_length=5000)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """A cooperating unit's part of a shared element (the form that replaces its value input)."""
    ctx = ctx_of(request)
    try:
        uploads = read_uploads(request, files)
        if len(uploads) > 1:
            raise EntryError("每条分项数据只能附 1 个佐证文件")
        contribute(
            ctx,
            actor,
            region=region,
            element=item,
            year=year,
            value=value,
            comment=comment,
            upload=uploads[0] if uploads else None,
        )
    except (StoreError, PermissionDenied, UploadRejected, EntryError) as exc:
        if isinstance(exc, PermissionDenied | NotFoundError):
            raise
        data = item_context(request, actor, item, region)
        cform = {"year": year, "value": value, "comment": comment}
        errors = {year: error_text(exc)}
        return render(
            request,
            "entry_item.html",
            {"data": data, "form": {}, "cform": cform, "errors": errors},
            error_status(exc),
        )
    msg = f"{year}年分项数据已提交，牵头单位可在填报页看到"
    return redirect(request, f"/entry/{quote(item)}?region={quote(region)}#y{year}", ("ok", msg))


class ContributionBody(BaseModel):
    region: str = Field(max_length=12, description="地区代码")
    element: str = Field(max_length=64, description="共同填报的数据元素代码")
    year: int = Field(ge=1900, le=2100)
    value: float | str | None = Field(None, description="分项数值（可空）")
    comment: str = Field("", max_length=5000, description="说明（最多 1000 字）")
    unit: str | None = Field(
        None, max_length=100, description="配合单位名称（领导小组办公室代为录入时必填；单位账号可省略）"
    )
    evidence_id: int | None = Field(None, ge=1, le=MAX_ID, description="已上传的佐证材料 id")


@router.get(
    "/api/contributions",
    tags=["填报"],
    summary="共同填报数据的分项数据和说明（牵头单位在填报页 /entry/{item} 看到的列表）",
    response_model=ContributionList,
)
def api_contributions(
    request: Request,
    actor: ActorDep,
    element: Annotated[str, Query(max_length=64, description="共同填报的数据元素代码")],
    region: Annotated[str | None, Query(max_length=12)] = None,
    year: OptYearQuery = None,
) -> dict[str, Any]:
    code = pick_region(request, actor, region)
    return contributions_for(ctx_of(request), actor, region=code, element=element, year=year)


@router.post(
    "/api/contributions",
    tags=["填报"],
    summary="配合单位提交分项数据或说明（不覆盖任何已有记录）",
    response_model=ContributionOut,
    status_code=201,
)
def api_contribute(request: Request, actor: ActorDep, body: ContributionBody) -> dict[str, Any]:
    return contribute(
        ctx_of(request),
        actor,
        region=body.region,
        element=body.element,
        year=body.year,
        value=body.value,
        comment=body.comment,
        unit=body.unit,
        evidence_id=body.evidence_id,
    )
