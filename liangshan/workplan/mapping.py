"""Route map (PNG) drawn with matplotlib from user-supplied GeoJSON boundaries — no online tiles.

Boundaries (county, townships) come from a GeoJSON file of Polygon / MultiPolygon features in
WGS 84 longitude/latitude; a ``name`` property (or ``NAME``, ``名称``) labels each feature. The
points and the ordered route are drawn on top, numbered in visiting order. The axes use an
equirectangular aspect (1 / cos of the mean latitude), adequate at county scale. Chinese labels use
Noto Sans CJK SC with DejaVu Sans as per-glyph fallback (STACK.md). The PNG carries no software
metadata, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from liangshan.workplan.errors import PlanFileError

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)
FONT_FAMILY = ["Noto Sans CJK SC", "DejaVu Sans"]
_registered: list[bool] = []


def _register_fonts() -> None:
    if _registered:
        return
    for f in FONT_FILES:
        if Path(f).is_file():
            font_manager.fontManager.addfont(f)
    _registered.append(True)


def read_boundaries(path: str | Path) -> list[tuple[str, list[list[tuple[float, float]]]]]:
    """(name, rings) of each Polygon/MultiPolygon feature of a GeoJSON file (outer and inner rings)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFileError(f"无法读取 GeoJSON：{exc}", file=str(p)) from exc
    feats = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    out = []
    for i, f in enumerate(feats or [], start=1):
        geom = f.get("geometry") if f.get("type") == "Feature" else f
        props = f.get("properties") or {}
        name = str(props.get("name") or props.get("NAME") or props.get("名称") or "")
        if not geom:
            continue
        kind, coords = geom.get("type"), geom.get("coordinates")
        polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
        if polys is None:
            raise PlanFileError(
                f"要素类型 {kind} 不支持（应为 Polygon 或 MultiPolygon）", file=str(p), where=f"features[{i}]"
            )
        rings = []
        for poly in polys:
            for ring in poly:
                pts = [(float(x), float(y)) for x, y, *_ in ring]
                if any(abs(x) > 180 or abs(y) > 90 for x, y in pts):
                    raise PlanFileError("坐标应为 WGS 84 经纬度（度）", file=str(p), where=f"features[{i}]")
                rings.append(pts)
        out.append((name, rings))
    return out


def route_map_png(
    points: Sequence[dict[str, Any]],
    order: Sequence[int],
    *,
    boundaries: Sequence[tuple[str, list[list[tuple[float, float]]]]] = (),
    title: str = "",
    closed: bool = False,
    width_cm: float = 16.0,
    height_cm: float = 14.0,
    dpi: int = 150,
) -> bytes:
    """PNG of the boundaries, the points (numbered in visiting order) and the route line.

    Parameters
    ----------
    points : sequence of dict
        Each with ``lon``, ``lat`` (degrees) and ``name``.
    order : sequence of int
        Visiting order (indices into ``points``).
    boundaries : sequence
        From :func:`read_boundaries`.
    title : str
        Figure title.
    closed : bool
        Draw the leg back to the start.
    width_cm, height_cm : float
        Figure size, cm.
    dpi : int
        Resolution, dots per inch.
    """
    _register_fonts()
    with mpl.rc_context({"font.family": FONT_FAMILY, "axes.unicode_minus": False, "font.size": 8}):
        fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        for name, rings in boundaries:
            for ring in rings:
                xs, ys = zip(*ring, strict=True)
                ax.fill(xs, ys, facecolor="#EEF3E8", edgecolor="#7A8B6F", linewidth=0.6)
            if name and rings:
                xs, ys = zip(*rings[0], strict=True)
                ax.text(
                    sum(xs) / len(xs),
                    sum(ys) / len(ys),
                    name,
                    fontsize=6,
                    color="#55624C",
                    ha="center",
                    va="center",
                )
        seq = [*order, order[0]] if closed and len(order) > 1 else list(order)
        ax.plot(
            [points[i]["lon"] for i in seq],
            [points[i]["lat"] for i in seq],
            color="#C62828",
            linewidth=1.4,
            zorder=3,
        )
        for n, i in enumerate(order, start=1):
            pt = points[i]
            ax.scatter([pt["lon"]], [pt["lat"]], s=70, color="#1F4E79" if n > 1 else "#2E7D32", zorder=4)
            ax.text(
                pt["lon"],
                pt["lat"],
                str(n),
                color="white",
                fontsize=6,
                ha="center",
                va="center",
                zorder=5,
                fontweight="bold",
            )
            ax.annotate(
                pt["name"],
                (pt["lon"], pt["lat"]),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=7,
                zorder=5,
            )
        lat0 = sum(p["lat"] for p in points) / len(points)
        ax.set_aspect(1.0 / max(0.01, math.cos(math.radians(lat0))))
        ax.set_xlabel("经度 (°E)")
        ax.set_ylabel("纬度 (°N)")
        if title:
            ax.set_title(title)
        ax.grid(True, linewidth=0.3, color="#CCCCCC")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
