"""``liangshan water``: surface-water sections, drinking-water sources, groundwater points (指标 2–4)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import typer

from liangshan.cli import common
from liangshan.cli.common import cycle_gc_paused, emit_json, fail, record_results
from liangshan.cli.specs import spec_options
from liangshan.services.calculators import CalculatorSpec
from liangshan.services.calculators import water as water_calc

#: Our allocator setting: freed pages go back after 0.1 s (dirty) and at once from the muzzy state.
DECAY = "dirty_decay_ms:100,muzzy_decay_ms:0"
# A ``liangshan water`` process, before polars' allocator starts. jemalloc keeps freed pages for 0.5–1 s,
# so the reading and validation temporaries of a large file stay resident while the evaluation
# allocates. Measured on a million results (benchmarks/README.md, "Water sections, issue 19 W4"):
# polars' own setting ≈ 320–350 MiB peak, 0.22–0.28 s of system time; returning every page at once
# (decay 0) ≈ 230 MiB but 0.41–0.47 s; 0.1 s ≈ 280–330 MiB and 0.21–0.24 s — the pandas script's peak
# is ≈ 350 MiB.
common.polars_allocator(DECAY)
if "numpy" not in sys.modules:
    # numpy's OpenBLAS starts one thread per core at import (≈ 0.04 s of CPU); the water commands do no
    # linear algebra. A user's own setting is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


app = typer.Typer(
    help="水环境质量：地表水断面（GB 3838-2002、环办〔2011〕22号）、集中式饮用水水源地、"
    "地下水（GB/T 14848-2017）",
    no_args_is_help=True,
)

INPUT_ARG = typer.Argument(
    ..., help="长表格式监测结果（.csv 或 .parquet），每行一个项目结果；列见 docs/water.md"
)
JSON_OPT = typer.Option(False, "--json", help="以 JSON 输出")
TO_IND_OPT = typer.Option(False, "--to-indicator", help="把各年结果记为指标数据元（需 --region）")
REGION_OPT = typer.Option(None, "--region", help="区域代码（--to-indicator 时必填），如 411224")
DB_OPT = typer.Option(None, "--db", help="数据库 URL")
USER_OPT = typer.Option("system", "--user", help="记录人")


def _run(
    spec: CalculatorSpec, input: Path, params: dict[str, Any], opts: dict[str, Any]
) -> tuple[list[Any], list[int]]:
    """Run the spec on the file (each year, or ``--year``) and, with --to-indicator, record the results."""
    if opts["to_indicator"] and not opts["region"]:
        fail("--to-indicator 需要 --region 区域代码")
    if not input.exists():
        fail(f"找不到输入文件：{input}")
    try:
        comp = spec.compute({"results": input}, params, opts["region"])
    except ValueError as exc:
        fail(str(exc) if input.name in str(exc) else f"{input.name}: {exc}")
    ids: list[int] = []
    if opts["to_indicator"]:
        ids = record_results(comp.results, opts["region"], opts["db"], opts["user"])
    return comp.raw, ids


def _emit(
    input: Path, results: list[Any], ids: list[int], opts: dict[str, Any], years: list[dict[str, Any]]
) -> None:
    extra = {"submission_ids": ids} if opts["to_indicator"] else {}
    params = results[0].parameters if results else {}
    emit_json({"input": input.name, "parameters": params, "years": years, **extra})


def _emit_sections(input: Path, results: list[Any], ids: list[int], opts: dict[str, Any]) -> None:
    """``--json`` of ``water sections`` to a pipe or a file: what :func:`_emit` prints there (compact, one
    line), with each year's site list written by :meth:`SitesResult.sites_json` into a placeholder of the
    envelope — the same value when parsed, without building tens of thousands of dicts first."""
    mark = f"@sites-{uuid.uuid4().hex}-"
    years = [
        {"year": r.year, "sites": f"{mark}{i}", "rivers": r.rivers, "summary": _summary(r)}
        for i, r in enumerate(results)
    ]
    extra = {"submission_ids": ids} if opts["to_indicator"] else {}
    params = results[0].parameters if results else {}
    data = {"input": input.name, "parameters": params, "years": years, **extra}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    for i, r in enumerate(results):
        text = text.replace(f'"{mark}{i}"', r.sites_json(), 1)
    sys.stdout.write(text + "\n")


def _table(title: str, rows: list[Any], quality: bool = False, sources: bool = False) -> None:
    from rich.table import Table  # only the table output needs it, not ``--json``

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
    common.console.print(table)


def _summary(r: Any) -> dict[str, Any]:
    return {"good": r.good, "total": r.total, "ratio": _pct(r.ratio), "excluded": r.excluded}


@app.command("sections")
@spec_options(water_calc.SECTIONS)
def sections_cmd(
    input: Path = INPUT_ARG,
    as_json: bool = JSON_OPT,
    to_indicator: bool = TO_IND_OPT,
    region: str | None = REGION_OPT,
    db: str | None = DB_OPT,
    user: str = USER_OPT,
    **params: Any,
) -> None:
    """地表水断面逐年水质类别（21 项年均值、单因子评价）与达到或优于Ⅲ类比例（指标 3）。"""
    opts = {"to_indicator": to_indicator, "region": region, "db": db, "user": user}
    with cycle_gc_paused():
        results, ids = _run(water_calc.SECTIONS, input, params, opts)
        if as_json:
            if not sys.stdout.isatty():  # compact JSON, the sites written from their columns
                return _emit_sections(input, results, ids, opts)
            years = [
                {
                    "year": r.year,
                    "sites": r.site_dicts(),
                    "rivers": r.rivers,
                    "summary": _summary(r),
                }
                for r in results
            ]
            return _emit(input, results, ids, opts, years)
        for r in results:
            _table(f"{r.year} 年地表水断面水质类别（GB 3838-2002）", r.sites, quality=True)
            common.console.print(f"达到或优于Ⅲ类：{r.good}/{r.total} = {_fmt(r.ratio)}", highlight=False)
            for e in r.excluded:
                common.console.print(f"  未参与评价：{e['site']}（{e['reason']}）", highlight=False)
            for rv in r.rivers:
                line = f"  {rv['river']}：{rv['n_sections']} 个断面，{rv['method']}，水质{rv['quality']}"
                common.console.print(line, highlight=False)


@app.command("sources")
@spec_options(water_calc.SOURCES)
def sources_cmd(
    input: Path = INPUT_ARG,
    as_json: bool = JSON_OPT,
    to_indicator: bool = TO_IND_OPT,
    region: str | None = REGION_OPT,
    db: str | None = DB_OPT,
    user: str = USER_OPT,
    **params: Any,
) -> None:
    """集中式饮用水水源地逐年达标情况与水质达标率（指标 2）。"""
    if params["basis"] not in ("count", "volume", "events"):
        fail(f"--basis 应为 count、volume 或 events，而不是 {params['basis']!r}")
    opts = {"to_indicator": to_indicator, "region": region, "db": db, "user": user}
    with cycle_gc_paused():
        results, ids = _run(water_calc.SOURCES, input, params, opts)
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
            common.console.print(f"水质达标率：{r.compliant:g}/{r.total:g} = {_fmt(r.rate)}", highlight=False)


@app.command("groundwater")
@spec_options(water_calc.GROUNDWATER)
def groundwater_cmd(
    input: Path = INPUT_ARG,
    as_json: bool = JSON_OPT,
    to_indicator: bool = TO_IND_OPT,
    region: str | None = REGION_OPT,
    db: str | None = DB_OPT,
    user: str = USER_OPT,
    **params: Any,
) -> None:
    """地下水点位逐年质量类别（GB/T 14848-2017 单因子评价）与达到或优于Ⅲ类比例（指标 4）。"""
    opts = {"to_indicator": to_indicator, "region": region, "db": db, "user": user}
    with cycle_gc_paused():
        results, ids = _run(water_calc.GROUNDWATER, input, params, opts)
        if as_json:
            years = [{"year": r.year, "sites": r.site_dicts(), "summary": _summary(r)} for r in results]
            return _emit(input, results, ids, opts, years)
        for r in results:
            _table(f"{r.year} 年地下水点位质量类别（GB/T 14848-2017）", r.sites)
            common.console.print(f"达到或优于Ⅲ类：{r.good}/{r.total} = {_fmt(r.ratio)}", highlight=False)
            if r.parameters.get("ignored_items"):
                ignored = "、".join(r.parameters["ignored_items"])
                common.console.print(f"  GB/T 14848 未列、未参与分类的项目：{ignored}")


def _name(code: str) -> str:
    from liangshan.standards.water.limits import ITEMS

    return ITEMS[code].name if code in ITEMS else code


def _pct(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _fmt(v: float | None) -> str:
    return "—（无可评价站点）" if v is None else f"{v:.1f}%"
