"""Charts of the report (matplotlib, Agg canvas, Noto CJK): the verdict summary and per-indicator trends.

Chinese text uses Noto Sans CJK SC (Debian ``fonts-noto-cjk``) with DejaVu Sans as the per-glyph
fallback for symbols the CJK font lacks (⁻, µ in some weights), so no glyph is drawn as a box. Output
is deterministic: PNG written without the ``Software`` metadata field, fixed size and dpi, fixed
``svg.hashsalt``; the same content gives the same bytes. A missing year is drawn as a hatched
“数据缺失” placeholder — never as a zero.

Charts are **cached** (:func:`cached_charts`): one PNG file per chart in a cache folder (by default
``<evidence root>/.cache/charts`` when a report is generated from a database, else a folder in the
temporary directory), named by a SHA-256 key of the chart's data (the fields the chart draws), its
size, the dpi, the matplotlib version and the source of this module — the same content version gives
the same key and the file is reused, any change to the data or to the drawing code gives a new one.
matplotlib is imported by the code that draws, so building a report whose charts are all cached does
not import it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liangshan.report.content import IndicatorSection, ReportContent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

VERDICT_COLOURS = {
    "达标": "#2E7D32",
    "基本达标": "#F9A825",
    "未达标": "#C62828",
    "数据缺失": "#8E24AA",
    "不适用": "#9E9E9E",
}
PRIMARY = "#1F4E79"  # 深蓝: headings, bars and lines in the report and the deck
TARGET = "#C62828"
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)
FONT_FAMILY = ["Noto Sans CJK SC", "DejaVu Sans"]
DPI = 150
CM = 1 / 2.54


class ChartFontError(RuntimeError):
    """No CJK font is installed: charts would show boxes instead of Chinese."""


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the Noto CJK fonts with matplotlib once; returns the family used."""
    from matplotlib import font_manager

    found = [f for f in FONT_FILES if Path(f).is_file()]
    if not found:
        found = [f for f in font_manager.findSystemFonts() if "NotoSansCJK" in Path(f).name]
    if not found:
        raise ChartFontError(
            "未找到中文字体 Noto Sans CJK：请安装 fonts-no"
            "to-cjk（make sysdeps），否则图表中的中文会显示为方框"
        )
    for f in found:
        font_manager.fontManager.addfont(f)
    return FONT_FAMILY[0]


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib as mpl

    register_fonts()
    with mpl.rc_context(
        {
            "font.family": FONT_FAMILY,
            "axes.unicode_minus": False,
            "svg.hashsalt": "liangshan",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "axes.titlesize": 10,
        }
    ):
        yield


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def summary_chart(content: ReportContent, width_cm: float = 16.0, height_cm: float = 8.0) -> bytes:
    """Stacked horizontal bars: verdict counts of the 8 categories, grouped under the 3 goals (PNG)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _style():
        fig = Figure(figsize=(width_cm * CM, height_cm * CM))
        fig.subplots_adjust(left=0.29, right=0.98, top=0.9, bottom=0.13)
        ax = fig.add_subplot()
        cats = list(content.categories)
        labels = [f"{c.goal} · {c.name}" for c in cats]
        ys = list(range(len(cats)))[::-1]
        left = [0.0] * len(cats)
        for verdict, colour in VERDICT_COLOURS.items():
            widths = [float(c.counts.get(verdict, 0)) for c in cats]
            if not any(widths):
                continue
            total = content.counts.get(verdict, 0)
            bars = ax.barh(ys, widths, left=left, color=colour, label=f"{verdict}（{total}）", height=0.6)
            for rect, w in zip(bars, widths, strict=True):
                if w:
                    ax.text(
                        rect.get_x() + w / 2,
                        rect.get_y() + rect.get_height() / 2,
                        f"{w:g}",
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=8,
                        fontweight="bold",
                    )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(ys, labels)
        ax.set_xlabel("指标数（项）")
        ax.set_xlim(0, max(max(left), 1) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(
            f"{content.region.name}“两山指数”自评估结论（{content.period}，共 {len(content.indicators)} 项）"
        )
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        return _png(fig)


def _target_line(section: IndicatorSection) -> tuple[float, str] | None:
    if section.rule in ("threshold", "zoned_threshold", "equals") and section.threshold is not None:
        return section.threshold, f"目标 {section.target_text}" if section.rule != "zoned_threshold" else (
            f"目标 >{section.threshold:g}{section.unit}"
        )
    if section.rule == "not_decrease" and section.threshold is not None:
        return section.threshold, "基数（不减少）"
    return None


def trend_chart(section: IndicatorSection, width_cm: float = 15.0, height_cm: float = 6.0) -> bytes:
    """The indicator's values over the window with its target line (PNG).

    Numeric indicators are drawn as a line with value labels; 获得 counts as bars; 建立实施 (yes/no)
    as a 是/否 strip. A missing year shows a hatched “数据缺失” placeholder, a 不适用 year a grey note.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _style():
        fig = Figure(figsize=(width_cm * CM, height_cm * CM))
        fig.subplots_adjust(left=0.09, right=0.98, top=0.85, bottom=0.13)
        ax = fig.add_subplot()
        years = [r.year for r in section.rows]
        xs = list(range(len(years)))
        unit = f"（{section.unit}）" if section.unit else ""
        ax.set_title(f"{section.id}. {section.name}{unit}", loc="left")
        colour = VERDICT_COLOURS.get(section.verdict, PRIMARY)
        known = [(x, r) for x, r in zip(xs, section.rows, strict=True) if isinstance(r.value, int | float)]
        if section.kind == "all_true":
            for x, r in zip(xs, section.rows, strict=True):
                if r.value is None:
                    continue
                ok = bool(r.value)
                ax.bar(x, 1, color=PRIMARY if ok else "#BDBDBD", width=0.55)
                ax.text(x, 0.5, "是" if ok else "否", ha="center", va="center", color="white", fontsize=11)
            ax.set_ylim(0, 1.25)
            ax.set_yticks([])
        elif section.kind == "count":
            for x, r in known:
                v = float(r.value)  # type: ignore[arg-type]
                ax.bar(x, v, color=PRIMARY, width=0.55)
                ax.text(x, v, f"{v:g}", ha="center", va="bottom")
            top = max([float(r.value) for _, r in known] + [1.0])  # type: ignore[arg-type]
            ax.set_ylim(0, top * 1.3 + 0.5)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            vals = [float(r.value) for _, r in known]  # type: ignore[arg-type]
            if known:
                ax.plot([x for x, _ in known], vals, marker="o", color=PRIMARY, linewidth=2)
                for (x, r), v in zip(known, vals, strict=True):
                    ax.annotate(
                        r.text, (x, v), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8
                    )
            tl = _target_line(section)
            span = vals + ([tl[0]] if tl else [])
            if span:
                lo, hi = min(span), max(span)
                pad = max((hi - lo) * 0.35, abs(hi) * 0.02, 10.0 ** (-section.precision))
                ax.set_ylim(lo - pad, hi + pad * 1.4)
            if tl is not None:
                ax.axhline(tl[0], color=TARGET, linestyle="--", linewidth=1.2)
                ax.text(
                    len(xs) - 0.5,
                    tl[0],
                    tl[1],
                    color=TARGET,
                    ha="right",
                    va="bottom",
                    fontsize=8,
                )
        y0, y1 = ax.get_ylim()
        for x, r in zip(xs, section.rows, strict=True):
            if r.status == "missing":
                ax.bar(
                    x,
                    y1 - y0,
                    bottom=y0,
                    width=0.55,
                    color="none",
                    edgecolor=VERDICT_COLOURS["数据缺失"],
                    hatch="//",
                    linewidth=1,
                )
                ax.text(
                    x,
                    (y0 + y1) / 2,
                    "数据缺失",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=VERDICT_COLOURS["数据缺失"],
                    bbox={"facecolor": "white", "edgecolor": "none"},
                )
            elif r.status == "not_applicable":
                ax.text(
                    x,
                    (y0 + y1) / 2,
                    "不适用\n（无评价对象）",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=VERDICT_COLOURS["不适用"],
                )
        ax.set_ylim(y0, y1)
        if not known and section.kind != "all_true":
            ax.set_yticks([])
        ax.set_xticks(xs, [f"{y}年" for y in years])
        ax.set_xlim(-0.6, len(xs) - 0.4)
        ax.text(
            1.0,
            1.02,
            f"目标：{section.target_text}　结论：{section.verdict}",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            color=colour,
            fontsize=9,
            fontweight="bold",
        )
        return _png(fig)


def all_charts(content: ReportContent, cache: Path | None = None) -> dict[str, bytes]:
    """Every chart of the report: ``"summary"`` and ``"indicator-N"`` → PNG bytes (drawn now, or
    taken from the ``cache`` folder when given: :func:`cached_charts`)."""
    if cache is not None:
        return cached_charts(content, cache)
    out = {"summary": summary_chart(content)}
    for s in content.indicators:
        out[f"indicator-{s.id}"] = trend_chart(s)
    return out


# -- the chart cache -------------------------------------------------------------------------------
CACHE_ENV = "LIANGSHAN_CHART_CACHE"


def default_cache_dir() -> Path:
    """``LIANGSHAN_CHART_CACHE``, else ``liangshan-charts`` in the temporary directory."""
    return Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "liangshan-charts")


@lru_cache(maxsize=1)
def _code_version() -> str:
    """What else than the data decides the pixels: this module's source, matplotlib, the dpi."""
    try:
        mpl_version = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:  # pragma: no cover - matplotlib is a dependency
        mpl_version = "?"
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{source}|{mpl_version}|{DPI}|{'|'.join(FONT_FAMILY)}"


def summary_data(content: ReportContent) -> dict[str, Any]:
    """What :func:`summary_chart` draws."""
    return {
        "region": content.region.name,
        "period": content.period,
        "indicators": len(content.indicators),
        "categories": [[c.goal, c.name, dict(c.counts)] for c in content.categories],
        "counts": dict(content.counts),
    }


def trend_data(section: IndicatorSection) -> dict[str, Any]:
    """What :func:`trend_chart` draws."""
    return {
        "id": section.id,
        "name": section.name,
        "unit": section.unit,
        "precision": section.precision,
        "kind": section.kind,
        "rule": section.rule,
        "threshold": section.threshold,
        "target_text": section.target_text,
        "verdict": section.verdict,
        "rows": [[r.year, r.value, r.text, r.status] for r in section.rows],
    }


def chart_key(kind: str, data: dict[str, Any], size: tuple[float, float]) -> str:
    """SHA-256 of the chart kind, its data, its size and :func:`_code_version`."""
    text = json.dumps([kind, data, list(size), _code_version()], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _cached(folder: Path, key: str, draw: Callable[[], bytes]) -> bytes:
    path = folder / f"{key}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = draw()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".chart-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # atomic: a concurrent build never reads half a file
    except OSError:
        pass  # a read-only or full cache folder only costs the drawing next time
    return data


def cached_charts(content: ReportContent, folder: Path | None = None) -> dict[str, bytes]:
    """As :func:`all_charts`, each chart read from ``folder`` (default :func:`default_cache_dir`) when
    it was drawn before for the same data, else drawn and stored there."""
    root = folder or default_cache_dir()
    out = {
        "summary": _cached(
            root, chart_key("summary", summary_data(content), (16.0, 8.0)), lambda: summary_chart(content)
        )
    }
    for s in content.indicators:
        key = chart_key("trend", trend_data(s), (15.0, 6.0))
        out[f"indicator-{s.id}"] = _cached(root, key, lambda s=s: trend_chart(s))  # type: ignore[misc]
    return out
