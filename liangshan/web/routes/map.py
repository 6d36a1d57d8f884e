"""The county map: ``/map`` (signed-in users of the region), its JSON twin ``/api/map``, the office's
layer upload ``POST /map/layers``, and the public variant ``/public/{region}/map`` (+ ``map.json``)
shown only when the office has published the public page. Everything is drawn in the browser with the
vendored ECharts from the JSON the server answers: no map tiles, no request leaving the server.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from liangshan.services.map import map_data, upload_layer
from liangshan.services.permissions import Actor
from liangshan.store.boundaries import MAP_LAYERS, BoundaryError
from liangshan.store.errors import NotFoundError
from liangshan.web.deps import ActorDep, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.workplan.public import get_settings
from liangshan.workplan.public_site import public_region

router = APIRouter(dependencies=[Depends(csrf_protect)])
MAX_LAYER_BYTES = 20 * 1024 * 1024


class MapFeature(BaseModel):
    name: str
    status: str | None = Field(description="关联指标的结论、任务点位的结论或案件的办理状态")
    color: str
    geometry: dict[str, Any] = Field(description="GeoJSON 几何（经纬度）")


class MapLayer(BaseModel):
    key: str = Field(description="boundary / stations / sections / sources / redline / sites / cases")
    label: str
    kind: str = Field(description="point 点图层 / area 面图层")
    indicator: int | None
    status: str | None
    features: list[MapFeature]


class LegendEntry(BaseModel):
    label: str
    color: str


class MapData(BaseModel):
    """县域地图 (page ``/map``): the layers with their features and colours."""

    model_config = ConfigDict(populate_by_name=True)
    region: str
    region_name: str
    year: int | None = Field(description="着色所用的年份（当前批次中有已审核数值的最新年份）")
    public: bool
    has_boundary: bool
    layers: list[MapLayer]
    legend: list[LegendEntry]
    note: str


def _data(request: Request, actor: Actor, region: str | None) -> dict[str, Any]:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with ctx.read() as s:
        return map_data(s, ctx.catalog, ctx.files_dir, actor, code)


def _public(request: Request, region: str) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.read() as s:
        public_region(s, region)
        if not get_settings(s, region)["published"]:
            raise NotFoundError(f"地区 {region} 的公开页面未开放")
        return map_data(s, ctx.catalog, ctx.files_dir, None, region, public=True)


def _page(request: Request, data: dict[str, Any], actor: Actor | None, error: str | None = None) -> Response:
    can_upload = actor is not None and actor.role == "office" and not data["public"]
    src = f"/public/{data['region']}/map.json" if data["public"] else f"/api/map?region={data['region']}"
    ctx = {"data": data, "src": src, "error": error, "can_upload": can_upload, "layer_names": MAP_LAYERS}
    return render(request, "map.html", ctx, 422 if error else 200)


@router.get("/map", include_in_schema=False)
def map_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    return _page(request, _data(request, actor, region), actor)


@router.get(
    "/api/map",
    tags=["总览"],
    summary="县域地图：县界、监测站点、断面、水源地、红线、任务点位、案件位置及其状态（页面 /map）",
    response_model=MapData,
)
def api_map(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return _data(request, actor, region)


@router.post("/map/layers", include_in_schema=False)
async def map_upload(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    layer: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
) -> Response:
    ctx = ctx_of(request)
    raw = await run_in_threadpool(file.file.read, MAX_LAYER_BYTES + 1)
    try:
        if len(raw) > MAX_LAYER_BYTES:
            raise BoundaryError(f"{file.filename}：文件超过 {MAX_LAYER_BYTES // 1024 // 1024} MB")
        if not raw:
            raise BoundaryError("请选择要上传的 GeoJSON 或 CSV 文件")
        done = await run_in_threadpool(
            upload_layer, ctx.files_dir, actor, region, layer, raw, file.filename or "上传文件"
        )
    except BoundaryError as exc:
        return _page(request, _data(request, actor, region), actor, str(exc))
    msg = f"已导入图层“{done.label}”：{done.features} 个要素"
    return redirect(request, f"/map?region={region}", ("ok", msg))


@router.get("/public/{region}/map", include_in_schema=False)
def public_map_page(request: Request, region: str) -> Response:
    return _page(request, _public(request, region), None)


@router.get("/public/{region}/map.json", include_in_schema=False, response_model=MapData)
def public_map_json(request: Request, region: str) -> dict[str, Any]:
    return _public(request, region)
