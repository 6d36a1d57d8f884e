"""``liangshan water``: surface-water sections, drinking-water sources, groundwater points (指标 2–4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import polars as pl
import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, record_results
from liangshan.provenance import ComputedValues

app = typer.Typer(
    help="水环境质量：地表水断面（GB 3838-2002、环办〔2011〕22号）、集中式饮用水水源地、"
    "地下水（GB/T 14848-2017）",
    no_args_is_help=True,
)

INPUT_ARG = typer.Argument(
    ..., help="长表格式监测结果（.csv 或 .parquet），每行一个项目结果；列见 docs/water.md"
)
YEAR_OPT = typer.Option(None, "--year", help="评价年份（缺省：文件中的每一年）")
JSON_OPT = typer.Option(False, "--json", help="以 JSON 输出")
ND_OPT = typer.Option(0.5, "--nd-factor", help="未检出结果按检出限的几倍计入均值（缺省 0.5）")
ROUND_OPT = typer.Option(True, "--rounding/--no-rounding", help="年均值先按报告位数修约再比较（缺省是）")
TO_IND_OPT = typer.Option(False, "--to-indicator", help="把各年结果记为指标数据元（需 --region）")
REGION_OPT = typer.Option(None, "--region", help="区域代码（--to-indicator 时必填），如 411224")
DB_OPT = typer.Option(None, "--db", help="数据库 URL")
USER_OPT = typer.Option("system", "--user", help="记录人")


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
            lambda d: (d["site_type"] == "groundwater") & d["source_kind"].is_null(),
            lambda df, y: gw.evaluate_points(df, y, nd_factor=nd, rounding=rnd),
        )
    raise ValueError(f"未知的水质评价类型：{kind}")


def evaluate_file(kind: str, input: Path, year: int | None = None, **opts: Any) -> list[Any]:
    """Read a long-form file and evaluate each year in it (or ``year``): the one implementation behind
    ``water sections|sources|groundwater`` and the web upload (:mod:`liangshan.web.calculators`).

    ``opts``: ``nd_factor``, ``rounding``; for ``sources`` also ``basis`` and ``table3`` (item codes).
    Raises ValueError (the file's problems name the file, row and column).
    """
    from liangshan.standards.water.io import read_results

    keep, evaluate = _kind(kind, **opts)
    df = read_results(input)
    years = [year] if year else sorted(set(df.filter(keep(df))["year"].to_list()))
    return [evaluate(df, y) for y in years]


def water_values(kind: str, results: list[Any], input: Path, region: str | None) -> list[ComputedValues]:
    """``--to-indicator``: ComputedValues of the years with at least one evaluated site."""
    from liangshan.provenance import sha256_file
    from liangshan.standards.water import drinking_water as dw
    from liangshan.standards.water import groundwater as gw
    from liangshan.standards.water import surface_water as sw

    computed: Callable[..., ComputedValues] = gw.computed_values
    if kind == "sections":
        computed = sw.computed_values
    elif kind == "sources":
        computed = dw.computed_values
    inputs = [sha256_file(input)]
    return [computed(r, inputs, region) for r in results if r.total]


def _run(
    kind: str, input: Path, year: int | None, opts: dict[str, Any], **calc: Any
) -> tuple[list[Any], list[int]]:
    """Read the file, evaluate each year (or ``year``) and, with --to-indicator, record the results."""
    if opts["to_indicator"] and not opts["region"]:
        fail("--to-indicator 需要 --region 区域代码")
    if not input.exists():
        fail(f"找不到输入文件：{input}")
    try:
        results = evaluate_file(kind, input, year, **calc)
    except ValueError as exc:
        fail(str(exc) if input.name in str(exc) else f"{input.name}: {exc}")
    ids: list[int] = []
    if opts["to_indicator"]:
        values = water_values(kind, results, input, opts["region"])
        ids = record_results(values, opts["region"], opts["db"], opts["user"])
    return results, ids


def _emit(
    input: Path, results: list[Any], ids: list[int], opts: dict[str, Any], years: list[dict[str, Any]]
) -> None:
    extra = {"submission_ids": ids} if opts["to_indicator"] else {}
    params = results[0].parameters if results else {}
    emit_json({"input": input.name, "parameters": params, "years": years, **extra})


def _table(title: str, rows: list[Any], quality: bool = False, sources: bool = False) -> None:
    table = Table(title=title)
    heads = ["站点", "类别", "定类项目", "超标倍数", "样本数"]
    heads += ["水质状况"] if quality else []
    heads += ["达标", "不达标单项"] if sources else []
    for head in heads:
        table.add_column(head)
    for s in rows:
        cells = [s.site, s.class_name, "、".join(_name(i) for i in s.limiting_items) or "—"]
        cells += [
            "、".join(f"{_name(e['item'])} {e['multiple']}" for e in s.exceeding) or "—",
            str(s.n_samples),
        ]
        cells += [s.quality or ""] if quality else []
        if sources:
            cells += [
                "是" if s.extra["compliant"] else "否",
                "、".join(map(_name, s.extra["failing_items"])) or "—",
            ]
        table.add_row(*cells)
    console.print(table)


def _summary(r: Any) -> dict[str, Any]:
    return {"good": r.good, "total": r.total, "ratio": _pct(r.ratio), "excluded": r.excluded}


@app.command("sections")
def sections_cmd(
    input: Path = INPUT_ARG,
    year: int | None = YEAR_OPT,
    as_json: bool = JSON_OPT,
    nd_factor: float = ND_OPT,
    rounding: bool = ROUND_OPT,
    to_indicator: bool = TO_IND_OPT,
    region: str | None = REGION_OPT,
    db: str | None = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """地表水断面逐年水质类别（21 项年均值、单因子评价）与达到或优于Ⅲ类比例（指标 3）。"""
    opts = {"to_indicator": to_indicator, "region": region, "db": db, "user": user}
    results, ids = _run("sections", input, year, opts, nd_factor=nd_factor, rounding=rounding)
    if as_json:
        years = [
            {
                "year": r.year,
                "sites": [s.to_dict() for s in r.sites],
                "rivers": r.rivers,
                "summary": _summary(r),
            }
            for r in results
        ]
        return _emit(input, results, ids, opts, years)
    for r in results:
        _table(f"{r.year} 年地表水断面水质类别（GB 3838-2002）", r.sites, quality=True)
        console.print(f"达到或优于Ⅲ类：{r.good}/{r.total} = {_fmt(r.ratio)}", highlight=False)
        for e in r.excluded:
            console.print(f"  未参与评价：{e['site']}（{e['reason']}）", highlight=False)
        for rv in r.rivers:
            line = f"  {rv['river']}：{rv['n_sections']} 个断面，{rv['method']}，水质{rv['quality']}"
            console.print(line, highlight=False)


@app.command("sources")
def sources_cmd(
    input: Path = INPUT_ARG,
    year: int | None = YEAR_OPT,
    basis: str = typer.Option(
        "count", "--basis", help="达标率口径：count（个数，缺省）、volume（水量）、events（监测次数）"
    ),
    table3: str | None = typer.Option(
        None, "--table3", help="所选表3项目代码，逗号分隔（缺省：已监测的全部表3项目）"
    ),
    as_json: bool = JSON_OPT,
    nd_factor: float = ND_OPT,
    rounding: bool = ROUND_OPT,
    to_indicator: bool = TO_IND_OPT,
    region: str | None = REGION_OPT,
    db: str | None = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """集中式饮用水水源地逐年达标情况与水质达标率（指标 2）。"""
    if basis not in ("count", "volume", "events"):
        fail(f"--basis 应为 count、volume 或 events，而不是 {basis!r}")
    t3 = [t.strip() for t in table3.split(",") if t.strip()] if table3 else None
    opts = {"to_indicator": to_indicator, "region": region, "db": db, "user": user}
    results, ids = _run(
        "sources", input, year, opts, basis=basis, table3=t3, nd_factor=nd_factor, rounding=rounding
    )
    if as_json:
        years = [
            {
                "year": r.year,
                "basis": r.basis,
                "sites": [s.to_dict() for s in r.sources],
                "summary": {
                    "compliant": r.compliant,
                    "total": r.total,
                    "rate": _pct(r.rate),
                    "excluded": r.excluded,
                },
            }
            for r in results
        ]
        return _emit(input, results, ids, opts, years)
    for r in results:
        _table(f"{r.year} 年集中式饮用水水源地（口径：{r.basis}）", r.sources, sources=True)
        console.print(f"水质达标率：{r.compliant:g}/{r.total:g} = {_fmt(r.rate)}", highlight=False)


@app.command("groundwater")
def groundwater_cmd(
    input: Path = INPUT_ARG,
    year: int | None = YEAR_OPT,
    as_json: bool = JSON_OPT,
    nd_factor: float = ND_OPT,
    rounding: bool = ROUND_OPT,
    to_indicator: bool = TO_IND_OPT,
    region: str | None = REGION_OPT,
    db: str | None = DB_OPT,
    user: str = USER_OPT,
) -> None:
    """地下水点位逐年质量类别（GB/T 14848-2017 单因子评价）与达到或优于Ⅲ类比例（指标 4）。"""
    opts = {"to_indicator": to_indicator, "region": region, "db": db, "user": user}
    results, ids = _run("groundwater", input, year, opts, nd_factor=nd_factor, rounding=rounding)
    if as_json:
        years = [
            {"year": r.year, "sites": [s.to_dict() for s in r.sites], "summary": _summary(r)} for r in results
        ]
        return _emit(input, results, ids, opts, years)
    for r in results:
        _table(f"{r.year} 年地下水点位质量类别（GB/T 14848-2017）", r.sites)
        console.print(f"达到或优于Ⅲ类：{r.good}/{r.total} = {_fmt(r.ratio)}", highlight=False)
        if r.parameters.get("ignored_items"):
            console.print(f"  GB/T 14848 未列、未参与分类的项目：{'、'.join(r.parameters['ignored_items'])}")


def _name(code: str) -> str:
    from liangshan.standards.water.limits import ITEMS

    return ITEMS[code].name if code in ITEMS else code


def _pct(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _fmt(v: float | None) -> str:
    return "—（无可评价站点）" if v is None else f"{v:.1f}%"
