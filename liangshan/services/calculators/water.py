"""Water calculators (indicators 2–4): long-form monitoring results → sections, sources, groundwater points.

- sections: GB 3838-2002 单因子评价 of the annual means of the 21 items, 环办〔2011〕22号 (达到或优于Ⅲ类);
- sources: 集中式饮用水水源地 — GB 3838-2002 表1–3 (surface) or GB/T 14848-2017 Ⅲ类 (groundwater),
  达标率 by count (or volume / sampling events on the CLI);
- groundwater: GB/T 14848-2017 单因子评价 of the points (达到或优于Ⅲ类).

The per-year provenance is the standard modules' ``computed_values`` hand-over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.digest import hash_meanwhile
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec, check_choice

if TYPE_CHECKING:  # imported when the calculators run, not when the CLI lists its options
    import polars as pl

    from liangshan.provenance import ComputedValues, InputFile

KINDS = ("sections", "sources", "groundwater")


def _kind(
    kind: str, **opts: Any
) -> tuple[Callable[[pl.DataFrame], pl.Series], Callable[[pl.DataFrame, int], Any]]:
    """The rows a kind evaluates (to list the file's years) and its per-year evaluation."""
    nd, rnd = opts.get("nd_factor", 0.5), opts.get("rounding", True)
    if kind == "sections":
        from liangshan.standards.water import surface_water as sw

        return (
            lambda d: d["site_type"].is_in(sw.SURFACE_TYPES) & d["source_kind"].is_null(),
            lambda df, y: sw.evaluate_sections(df, y, nd_factor=nd, rounding=rnd),
        )
    if kind == "sources":
        from liangshan.standards.water import drinking_water as dw

        basis = cast(dw.Basis, opts.get("basis", "count"))
        t3 = opts.get("table3")
        return (
            lambda d: d["source_kind"].is_not_null() | d["source_kind"].is_null().all(),
            lambda df, y: dw.evaluate_sources(
                df, y, basis=basis, table3_items=t3, nd_factor=nd, rounding=rnd
            ),
        )
    if kind == "groundwater":
        from liangshan.standards.water import groundwater as gw

        return (
            lambda d: d["site_type"].is_in(["groundwater"]) & d["source_kind"].is_null(),
            lambda df, y: gw.evaluate_points(df, y, nd_factor=nd, rounding=rnd),
        )
    raise ValueError(f"未知的水质评价类型：{kind}")


def evaluate_frame(kind: str, df: pl.DataFrame, year: int | None = None, **opts: Any) -> list[Any]:
    """Evaluate each year of a validated long-form frame (or only ``year``)."""
    if kind == "sections":  # every year in one pass over the table
        from liangshan.standards.water import surface_water as sw

        nd, rnd = opts.get("nd_factor", 0.5), opts.get("rounding", True)
        return list(sw.evaluate_sections_years(df, [year] if year else None, nd_factor=nd, rounding=rnd))
    keep, evaluate = _kind(kind, **opts)
    years = [year] if year else df.filter(keep(df))["year"].unique().drop_nulls().sort().to_list()
    return [evaluate(df, y) for y in years]


def evaluate_file(kind: str, input: Path, year: int | None = None, **opts: Any) -> list[Any]:
    """Read a long-form file and evaluate each year in it (or ``year``).

    ``opts``: ``nd_factor``, ``rounding``; for ``sources`` also ``basis`` and ``table3`` (item codes).
    Raises ValueError (the file's problems name the file, row and column).
    """
    from liangshan.standards.water.io import read_results

    return evaluate_frame(kind, read_results(input), year, **opts)


def water_values(
    kind: str, results: list[Any], inputs: list[InputFile], region: str | None
) -> list[ComputedValues]:
    """ComputedValues of the years with at least one evaluated site."""
    computed: Callable[..., ComputedValues]
    if kind == "sections":  # only the kind's module: the others are not imported on this path
        from liangshan.standards.water import surface_water as sw

        computed = sw.computed_values
    elif kind == "sources":
        from liangshan.standards.water import drinking_water as dw

        computed = dw.computed_values
    else:
        from liangshan.standards.water import groundwater as gw

        computed = gw.computed_values
    return [computed(r, inputs, region) for r in results if r.total]


def _table3(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _runner(kind: str) -> Callable[[Mapping[str, Path], Mapping[str, Any], str | None], Computation]:
    def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
        path = files["results"]
        opts: dict[str, Any] = {"nd_factor": float(p["nd_factor"]), "rounding": bool(p["rounding"])}
        if kind == "sources":
            check_choice(SOURCES, "basis", p["basis"])
            opts.update(basis=p["basis"], table3=_table3(p["table3"]))
        year = None if p["year"] is None else int(p["year"])
        digest = hash_meanwhile([path])
        results = evaluate_file(kind, path, year, **opts)
        out = Computation(water_values(kind, results, digest(), region), raw=results)
        for r in results:
            if kind == "sources":
                good, total, pct = r.compliant, r.total, r.rate
                out.details[r.year] = {"达标水源地": f"{good:g}/{total:g}"}
            else:
                good, total, pct = r.good, r.total, r.ratio
                label = "达到或优于Ⅲ类断面" if kind == "sections" else "达到或优于Ⅲ类点位"
                out.details[r.year] = {label: f"{good}/{total}"}
            out.details[r.year]["比例"] = "—" if pct is None else f"{pct:.1f}%"
            if not total:
                out.warnings.append(f"{r.year}年没有可评价的站点，不产生数值")
            for e in r.excluded:
                out.warnings.append(f"{r.year}年 {e['site']} 未参与评价：{e['reason']}")
        return out

    return run


YEAR = ParamSpec("year", "评价年份", "int", low=1990, high=2100, help="评价年份（缺省：文件中的每一年）")
COMMON = (
    YEAR,
    ParamSpec(
        "nd_factor",
        "未检出按检出限的倍数",
        "float",
        0.5,
        low=0,
        high=1,
        unit="倍",
        help="未检出结果按检出限的几倍计入均值（缺省 0.5）",
    ),
    ParamSpec(
        "rounding",
        "年均值先修约再比较",
        "bool",
        True,
        help="年均值先按报告位数修约再比较（缺省是）",
        flag="--rounding/--no-rounding",
    ),
)
FILE = FileSpec(
    "results", "监测结果（长表）", ("csv", "parquet"), help="每行一个项目结果；列见 docs/water.md"
)

SECTIONS = CalculatorSpec(
    key="water-sections",
    title="地表水断面（监测数据 → 达到或优于Ⅲ类断面数）",
    cli="liangshan water sections",
    elements=("sw_sections_good", "sw_sections_total"),
    files=(FILE,),
    params=COMMON,
    standards=(sc.SURFACE_WATER,),
    run=_runner("sections"),
)
SOURCES = CalculatorSpec(
    key="water-sources",
    title="集中式饮用水水源地（监测数据 → 达标水源地个数）",
    cli="liangshan water sources",
    elements=("dws_compliant", "dws_total"),
    files=(FILE,),
    params=(
        YEAR,
        ParamSpec(
            "basis",
            "达标率口径",
            "choice",
            "count",
            (("count", "个数"), ("volume", "水量"), ("events", "监测次数")),
            help="达标率口径：count（个数，缺省）、volume（水量）、events（监测次数）",
            web=False,
        ),
        ParamSpec(
            "table3",
            "所选表3项目",
            "text",
            None,
            help="所选表3项目代码，逗号分隔（缺省：已监测的全部表3项目）",
            web=False,
        ),
        *COMMON[1:],
    ),
    standards=(sc.DRINKING_WATER,),
    run=_runner("sources"),
    note="达标率按水源地个数计（命令行的 --basis count）",
)
GROUNDWATER = CalculatorSpec(
    key="water-groundwater",
    title="地下水（监测数据 → 达到或优于Ⅲ类点位数）",
    cli="liangshan water groundwater",
    elements=("gw_points_good", "gw_points_total"),
    files=(FILE,),
    params=COMMON,
    standards=(sc.GROUNDWATER,),
    run=_runner("groundwater"),
)
SPECS = (SECTIONS, SOURCES, GROUNDWATER)


def cited_standards() -> list[str]:
    """The distinct documents the three water specs apply, in order (for a combined provenance)."""
    out: list[str] = []
    for spec in SPECS:
        for text in spec.standards:
            out += [part for part in text.split("; ") if part not in out]
    return out
