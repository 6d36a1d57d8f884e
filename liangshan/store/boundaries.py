"""Administrative boundaries (GeoJSON) that the user supplies for the roll-up choropleth.

One file per parent region, ``<files dir>/boundaries/<parent code>.geojson``, holding the polygons of
its children (a city's counties, a province's cities). The file is validated before it is stored —
a FeatureCollection of Polygon/MultiPolygon features, each with the region code in a property
(``code`` by default; DataV files use ``adcode``), codes unique and known in the database, all
children of one parent, coordinates longitude/latitude in degrees (a projected file is refused) —
and stored normalized: each feature keeps its geometry and gets ``properties = {code, name}``.
No map tiles and no internet: the page draws these polygons only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.store.errors import StoreError
from liangshan.store.models import Region

BOUNDARY_DIR = "boundaries"
CODE_RE = re.compile(r"\d{6,12}")
MAX_ERRORS = 10
GEOMETRY_DEPTH = {"Polygon": 1, "MultiPolygon": 2}  # levels of nesting above a ring


class BoundaryError(StoreError):
    """A GeoJSON file that cannot serve as boundaries (message lists what is wrong)."""


@dataclass(frozen=True)
class BoundaryImport:
    parent: str
    parent_name: str
    path: Path
    codes: tuple[str, ...]


def boundaries_path(files_root: Path, parent: str) -> Path:
    if not CODE_RE.fullmatch(parent):
        raise BoundaryError(f"地区代码应为 6—12 位数字：{parent}")
    return Path(files_root) / BOUNDARY_DIR / f"{parent}.geojson"


def _code(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and CODE_RE.fullmatch(value.strip()):
        return value.strip()
    return None


def _rings(coords: Any, depth: int) -> list[Any]:
    if depth == 0:
        return [coords]
    if not isinstance(coords, list) or not coords:
        raise ValueError("坐标为空或格式不对")
    return [r for part in coords for r in _rings(part, depth - 1)]


def _check_geometry(geom: Any) -> str | None:
    """Why ``geom`` is not a usable polygon (None = fine)."""
    if not isinstance(geom, dict) or geom.get("type") not in GEOMETRY_DEPTH:
        kind = geom.get("type") if isinstance(geom, dict) else None
        return f"几何类型应为 Polygon 或 MultiPolygon（收到 {kind}）"
    try:
        rings = _rings(geom.get("coordinates"), GEOMETRY_DEPTH[geom["type"]])
        for ring in rings:
            if not isinstance(ring, list) or len(ring) < 4:
                return "多边形的环至少需要 4 个坐标点"
            arr = np.asarray(ring, dtype=float)
            if arr.ndim != 2 or arr.shape[1] < 2:
                return "坐标点应为 [经度, 纬度]"
            lon, lat = arr[:, 0], arr[:, 1]
            if not (np.isfinite(arr).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
                return "坐标超出经纬度范围（须为 WGS84/CGCS2000 经纬度，不接受投影坐标）"
    except (ValueError, TypeError):
        return "坐标格式不对"
    return None


def validate_geojson(doc: Any, code_property: str = "code") -> list[tuple[str, dict[str, Any]]]:
    """``(code, geometry)`` of each feature; :class:`BoundaryError` listing the problems otherwise."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise BoundaryError("GeoJSON 顶层应为 FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise BoundaryError("FeatureCollection 中没有要素（features）")
    props0 = [f.get("properties") for f in feats if isinstance(f, dict)]
    if not any(isinstance(p, dict) and code_property in p for p in props0):
        names = sorted({k for p in props0 if isinstance(p, dict) for k in p})
        raise BoundaryError(
            f"没有要素含地区代码属性“{code_property}”（要素的属性有：{'、'.join(names) or '无'}），"
            "请用 --code-property 指定"
        )
    errors: list[str] = []
    out: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for i, f in enumerate(feats, start=1):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            errors.append(f"第 {i} 个要素：type 应为 Feature")
            continue
        props = f.get("properties") or {}
        if not isinstance(props, dict) or code_property not in props:
            errors.append(f"第 {i} 个要素：缺少地区代码属性“{code_property}”（可用 --code-property 指定）")
            continue
        code = _code(props[code_property])
        if code is None:
            errors.append(
                f"第 {i} 个要素：{code_property} = {props[code_property]!r} 不是 6—12 位数字地区代码"
            )
            continue
        if code in seen:
            errors.append(f"第 {i} 个要素：地区代码 {code} 与第 {seen[code]} 个要素重复")
            continue
        seen[code] = i
        why = _check_geometry(f.get("geometry"))
        if why:
            errors.append(f"第 {i} 个要素（{code}）：{why}")
            continue
        out.append((code, f["geometry"]))
    if errors:
        more = f"；另有 {len(errors) - MAX_ERRORS} 处错误" if len(errors) > MAX_ERRORS else ""
        raise BoundaryError("边界文件有误，未导入：" + "；".join(errors[:MAX_ERRORS]) + more)
    return out


def import_boundaries(
    session: Session,
    files_root: Path,
    source: bytes,
    code_property: str = "code",
    parent: str | None = None,
) -> BoundaryImport:
    """Validate GeoJSON ``source`` against the regions in the database and store it for its parent.

    Every feature must be a known region and a child of one parent (``parent`` if given, else the
    common parent of all features). The stored file replaces an earlier one atomically.
    """
    try:
        doc = json.loads(source.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BoundaryError(f"不是有效的 GeoJSON（JSON 解析失败：{e}）") from None
    feats = validate_geojson(doc, code_property)
    codes = [c for c, _ in feats]
    known = {
        code: (name, up)
        for code, name, up in session.execute(
            select(Region.code, Region.name, Region.parent_code).where(Region.code.in_(codes))
        )
    }
    unknown = [c for c in codes if c not in known]
    if unknown:
        listed = "、".join(unknown[:20]) + ("……" if len(unknown) > 20 else "")
        raise BoundaryError(f"以下地区代码在数据库中不存在：{listed}（请先建立地区，或检查 --code-property）")
    parents = {known[c][1] for c in codes}
    if parent is None:
        only = next(iter(parents)) if len(parents) == 1 else None
        if only is None:
            shown = "、".join(sorted(p or "（无上级）" for p in parents))
            raise BoundaryError(f"要素不属于同一个上级地区（上级：{shown}），请用 --parent 指定上级地区")
        parent = only
    strays = [c for c in codes if known[c][1] != parent]
    if strays:
        raise BoundaryError(f"以下地区不是 {parent} 的下级：{'、'.join(strays[:20])}")
    up = session.get(Region, parent)
    if up is None:
        raise BoundaryError(f"未知上级地区代码：{parent}")
    out = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c, "name": known[c][0]}, "geometry": g}
            for c, g in sorted(feats, key=lambda cg: cg[0])
        ],
    }
    path = boundaries_path(files_root, parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{parent}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(out, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return BoundaryImport(parent, up.name, path, tuple(sorted(codes)))


def read_boundaries(files_root: Path, parent: str) -> bytes | None:
    """The stored GeoJSON of ``parent``'s children, or None when none was imported."""
    path = boundaries_path(files_root, parent)
    return path.read_bytes() if path.is_file() else None


# ---- county map layers (``/map``) -----------------------------------------------------------------
# One file per region and layer, ``<files dir>/map/<region>/<layer>.geojson``, uploaded by the office as
# GeoJSON (WGS 84 / CGCS2000 longitude-latitude) or, for point layers, CSV with 名称, 经度, 纬度 columns.
# Stored normalized: each feature keeps its geometry and gets ``properties = {name, ...}`` with string
# attributes only (the first :data:`MAX_PROPS`), so nothing executable reaches the page.
MAP_DIR = "map"
MAX_PROPS = 8
MAX_FEATURES = 5000
POINT = ("Point",)
AREA = ("Polygon", "MultiPolygon")
MAP_LAYERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "boundary": ("县界", AREA),
    "stations": ("空气质量监测站点", POINT),
    "sections": ("地表水监测断面", POINT),
    "sources": ("饮用水水源地", POINT + AREA),
    "redline": ("生态保护红线", AREA),
    "sites": ("任务点位", POINT),
    "cases": ("案件位置", POINT),
}
NAME_COLUMNS = ("名称", "name", "站点名称", "断面名称")
LON_COLUMNS = ("经度", "lon", "lng", "longitude")
LAT_COLUMNS = ("纬度", "lat", "latitude")


@dataclass(frozen=True)
class LayerImport:
    region: str
    layer: str
    label: str
    path: Path
    features: int


def map_layer_path(files_root: Path, region: str, layer: str) -> Path:
    if not CODE_RE.fullmatch(region):
        raise BoundaryError(f"地区代码应为 6—12 位数字：{region}")
    if layer not in MAP_LAYERS:
        raise BoundaryError(f"未知图层：{layer}（可用：{'、'.join(v[0] for v in MAP_LAYERS.values())}）")
    return Path(files_root) / MAP_DIR / region / f"{layer}.geojson"


def _point_problem(coords: Any) -> str | None:
    if not isinstance(coords, list) or len(coords) < 2:
        return "点坐标应为 [经度, 纬度]"
    try:
        lon, lat = float(coords[0]), float(coords[1])
    except (TypeError, ValueError):
        return "点坐标应为数字"
    if not (np.isfinite([lon, lat]).all() and abs(lon) <= 180 and abs(lat) <= 90):
        return "坐标超出经纬度范围（须为 WGS84/CGCS2000 经纬度，不接受投影坐标）"
    return None


def _clean_props(props: Any, fallback: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(props, dict):
        for k, v in list(props.items())[: MAX_PROPS * 2]:
            if isinstance(v, (str, int, float)) and not isinstance(v, bool) and len(out) < MAX_PROPS:
                out[str(k)[:40]] = str(v)[:200]
    name = next((out[k] for k in NAME_COLUMNS if out.get(k)), "") or fallback
    out["name"] = name
    return out


def _features_from_geojson(doc: Any, label: str, kinds: tuple[str, ...], file: str) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise BoundaryError(f"{file}：GeoJSON 顶层应为 FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise BoundaryError(f"{file}：FeatureCollection 中没有要素（features）")
    errors: list[str] = []
    out = []
    for i, f in enumerate(feats, start=1):
        geom = f.get("geometry") if isinstance(f, dict) else None
        kind = geom.get("type") if isinstance(geom, dict) else None
        if kind not in kinds:
            errors.append(f"第 {i} 个要素：{label}图层的几何类型应为 {' 或 '.join(kinds)}（收到 {kind}）")
            continue
        assert isinstance(geom, dict)
        why = _point_problem(geom.get("coordinates")) if kind == "Point" else _check_geometry(geom)
        if why:
            errors.append(f"第 {i} 个要素：{why}")
            continue
        out.append(
            {
                "type": "Feature",
                "properties": _clean_props(f.get("properties"), f"{label}{i}"),
                "geometry": geom,
            }
        )
    if errors:
        more = f"；另有 {len(errors) - MAX_ERRORS} 处错误" if len(errors) > MAX_ERRORS else ""
        raise BoundaryError(f"{file} 有误，未导入：" + "；".join(errors[:MAX_ERRORS]) + more)
    return out


def _features_from_csv(text: str, label: str, file: str) -> list[dict[str, Any]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise BoundaryError(f"{file}：文件为空")
    header = [h.strip() for h in rows[0]]

    def col(names: tuple[str, ...], what: str) -> int:
        for n in names:
            if n in header:
                return header.index(n)
        raise BoundaryError(f"{file}：缺少“{what}”列（表头应含 {'、'.join(names)} 之一）")

    ci, cx, cy = col(NAME_COLUMNS, "名称"), col(LON_COLUMNS, "经度"), col(LAT_COLUMNS, "纬度")
    errors: list[str] = []
    out = []
    for r, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        try:
            lon, lat = float(cells[cx]), float(cells[cy])
        except ValueError:
            bad = header[cx] if not _is_num(cells[cx]) else header[cy]
            errors.append(f"第 {r} 行“{bad}”列：不是数字")
            continue
        why = _point_problem([lon, lat])
        if why:
            errors.append(f"第 {r} 行“{header[cx]}/{header[cy]}”列：{why}")
            continue
        props = {h: cells[j].strip() for j, h in enumerate(header) if j not in (cx, cy) and h}
        props[NAME_COLUMNS[0]] = cells[ci].strip()
        out.append(
            {
                "type": "Feature",
                "properties": _clean_props(props, f"{label}{r - 1}"),
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    if errors:
        more = f"；另有 {len(errors) - MAX_ERRORS} 处错误" if len(errors) > MAX_ERRORS else ""
        raise BoundaryError(f"{file} 有误，未导入：" + "；".join(errors[:MAX_ERRORS]) + more)
    if not out:
        raise BoundaryError(f"{file}：没有数据行")
    return out


def _is_num(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def import_map_layer(files_root: Path, region: str, layer: str, source: bytes, filename: str) -> LayerImport:
    """Validate an uploaded GeoJSON or CSV (point layers) and store it as ``layer`` of ``region``.

    Errors name the file and the feature or row and column; nothing is stored when any part is bad.
    The stored file replaces an earlier one atomically.
    """
    path = map_layer_path(files_root, region, layer)
    label, kinds = MAP_LAYERS[layer]
    file = Path(filename).name or "上传文件"
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BoundaryError(f"{file}：文件应为 UTF-8 编码") from None
    if file.lower().endswith(".csv"):
        if "Point" not in kinds:
            raise BoundaryError(f"{file}：{label}是面图层，请上传 GeoJSON（CSV 只能表示点）")
        feats = _features_from_csv(text, label, file)
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise BoundaryError(
                f"{file}：不是有效的 GeoJSON（第 {e.lineno} 行第 {e.colno} 列：{e.msg}）"
            ) from None
        feats = _features_from_geojson(doc, label, kinds, file)
    if len(feats) > MAX_FEATURES:
        raise BoundaryError(f"{file}：要素过多（{len(feats)} 个，最多 {MAX_FEATURES} 个）")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{layer}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(
                {"type": "FeatureCollection", "features": feats},
                fh,
                ensure_ascii=False,
                separators=(",", ":"),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return LayerImport(region, layer, label, path, len(feats))


def read_map_layer(files_root: Path, region: str, layer: str) -> list[dict[str, Any]]:
    """The stored features of ``layer`` of ``region`` (empty when none was uploaded)."""
    path = map_layer_path(files_root, region, layer)
    if not path.is_file():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    return list(doc.get("features") or [])
