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
