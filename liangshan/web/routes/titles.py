"""称号登记簿 pages (``/titles``) and the JSON twin (``/api/titles``) on one service
(:mod:`liangshan.services.titles`): every user of a region sees its register; the office of the region
registers and withdraws titles. Indicator 16 is judged on the titles held in the evaluation year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from liangshan.services import titles
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.web.deps import (
    ActorDep,
    IdPath,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)
from liangshan.web.schemas import Model

router = APIRouter(dependencies=[Depends(csrf_protect)])


class TitleBody(BaseModel):
    region: str = Field(max_length=12, description="地区代码")
    name: str = Field(max_length=200, description="称号名称，如“国家生态文明建设示范区”")
    level: str = Field(max_length=10, description="级别：国际、国家或省")
    awarding_body: str = Field(max_length=200, description="授予机关")
    document: str = Field(max_length=300, description="授予文件（文号或公告名称）")
    awarded_on: str = Field(max_length=10, description="授予日期 YYYY-MM-DD（或 YYYY、YYYY-MM）")
    valid_until: str | None = Field(None, max_length=10, description="有效期至（空为长期有效）")
    evidence: str = Field("", max_length=2000, description="佐证（授牌照片、网址、存档位置等）")
    example: bool = Field(False, description="示例（未按文件核实）")


class TitleOut(Model):
    """One register entry."""

    id: int
    name: str
    level: str
    awarding_body: str
    document: str
    awarded_on: str
    year: int
    valid_until: str | None
    evidence: str
    example: bool = Field(description="示例（未按授予文件核实）")
    counted: bool = Field(description="是否计入指标16（国家级和国际称号）")


class TitleList(Model):
    """称号登记簿 (page ``/titles``)."""

    region: str
    region_name: str
    titles: list[TitleOut]
    levels: list[str]
    can_edit: bool
    year: int | None = None
    held: list[int] | None = Field(None, description="给出 year 时：该年计入指标16的称号编号")


class RemoveBody(BaseModel):
    reason: str = Field(max_length=2000, description="撤销理由（必填）")


def _page(
    request: Request, actor: Actor, region: str | None, year: int | None, error: str | None,
    form: dict[str, Any], status: int = 200,
) -> Response:  # fmt: skip
    code = pick_region(request, actor, region)
    data = titles.list_titles(ctx_of(request), actor, code, year)
    return render(request, "titles.html", {"data": data, "error": error, "form": form}, status)


@router.get("/titles", include_in_schema=False)
def titles_page(
    request: Request, actor: ActorDep, region: str | None = None, year: int | None = None
) -> Response:
    return _page(request, actor, region, year, None, {})


@router.post("/titles", include_in_schema=False)
def titles_add(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    name: Annotated[str, Form(max_length=200)],
    level: Annotated[str, Form(max_length=10)],
    awarding_body: Annotated[str, Form(max_length=200)],
    document: Annotated[str, Form(max_length=300)],
    awarded_on: Annotated[str, Form(max_length=10)],
    valid_until: Annotated[str, Form(max_length=10)] = "",
    evidence: Annotated[str, Form(max_length=2000)] = "",
    example: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    form: dict[str, Any] = {
        "name": name, "level": level, "awarding_body": awarding_body, "document": document,
        "awarded_on": awarded_on, "valid_until": valid_until, "evidence": evidence, "example": bool(example),
    }  # fmt: skip
    try:
        out = titles.add_title(
            ctx_of(request), actor, region=region, **{**form, "valid_until": valid_until or None}
        )
    except (StoreError, EntryError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _page(request, actor, region, None, error_text(exc), form, error_status(exc))
    return redirect(request, f"/titles?region={region}", ("ok", f"已登记称号“{out['name']}”"))


@router.post("/titles/{title_id}/remove", include_in_schema=False)
def titles_remove(
    request: Request, actor: ActorDep, title_id: IdPath, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    try:
        out = titles.remove_title(ctx_of(request), actor, title_id, reason)
    except EntryError as exc:
        return _page(request, actor, None, None, error_text(exc), {}, error_status(exc))
    return redirect(request, "/titles", ("ok", f"已撤销称号“{out['name']}”"))


@router.get(
    "/api/titles",
    tags=["称号登记簿"],
    summary="地区登记的称号；给出 year 时标出该年计入指标16的称号（页面 /titles）",
    response_model=TitleList,
    response_model_exclude_unset=True,
)
def api_titles(
    request: Request, actor: ActorDep, region: str | None = None, year: int | None = None
) -> dict[str, Any]:
    return titles.list_titles(ctx_of(request), actor, pick_region(request, actor, region), year)


@router.post(
    "/api/titles",
    tags=["称号登记簿"],
    status_code=201,
    summary="登记一个称号（领导小组办公室）",
    response_model=TitleOut,
)
def api_titles_add(request: Request, actor: ActorDep, body: TitleBody) -> dict[str, Any]:
    return titles.add_title(ctx_of(request), actor, **body.model_dump())


@router.post(
    "/api/titles/{title_id}/remove",
    tags=["称号登记簿"],
    summary="撤销一个登记的称号（办公室，须写理由）",
    response_model=TitleOut,
)
def api_titles_remove(
    request: Request, actor: ActorDep, title_id: IdPath, body: RemoveBody
) -> dict[str, Any]:
    return titles.remove_title(ctx_of(request), actor, title_id, body.reason)
