"""``liangshan rollup``: roll-ups of many counties (show, rank), boundaries for the map, sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from liangshan.assess.rollup import LEVELS, NATION, PASSES, Rollup
from liangshan.assess.rules import VERDICTS
from liangshan.cli.common import console, cycle_gc_paused, db_url, emit_json, fail
from liangshan.store.errors import StoreError

app = typer.Typer(
    help="多地区汇总：比值指标按“和之比”汇总、结论统计、排名，及地图用的行政区划边界", no_args_is_help=True
)
boundaries_app = typer.Typer(help="行政区划边界（GeoJSON），用于汇总页面的分级设色地图", no_args_is_help=True)
app.add_typer(boundaries_app, name="boundaries")

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
YearsOpt = Annotated[str | None, typer.Option("--years", help="评估窗口，如 2023-2025（最后一年为评估年度）")]
YearOpt = Annotated[int | None, typer.Option("--year", help="评估年度；窗口长度同最新评估批次（默认 3 年）")]
PendingOpt = Annotated[bool, typer.Option("--include-pending", help="预览：未审核的填报也参与计算")]
VERDICT_STYLE = {
    "达标": "green",
    "基本达标": "yellow",
    "未达标": "red",
    "数据缺失": "magenta",
    "不适用": "bright_black",
}
MAX_LISTED = 6


def _rollup(url: str, root: str, years: str | None, year: int | None, pending: bool) -> Rollup:
    from liangshan.catalog import load_catalog
    from liangshan.services.rollup import rollup_view
    from liangshan.store.db import session_scope
    from liangshan.store.rollup_queries import region_tree, window
    from liangshan.store.service import ensure_db

    ensure_db(url)
    with session_scope(url) as s:
        tree = region_tree(s, root)  # an unknown root fails here, before anything is computed
        ys = window(s, root, years, year)
        return rollup_view(s, load_catalog(), root, ys, pending, tree)


def _num(v: float | None, digits: int) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _change(v: float | None, digits: int, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{v:+.{digits}f}" + (f" {unit}" if unit and unit != "%" else "")


def _names(items: list[dict[str, Any]]) -> str:
    shown = "、".join(f"{x['name']}（{x['reason']}）" for x in items[:MAX_LISTED])
    return shown + (f" 等 {len(items)} 个" if len(items) > MAX_LISTED else "")


def print_summary(data: dict[str, Any], precision: dict[int, int]) -> None:
    from rich.table import Table

    reg, ys, y = data["region"], data["years"], data["year"]
    shown_years = sorted({data["previous_year"], *ys})
    p = data["passes"]
    console.print(
        f"[bold]{reg['name']}（{reg['code']}）“两山指数”汇总 {ys[0]}—{ys[-1]}年（评估年度 {y} 年）[/]\n"
        f"{reg['level_label']}，下辖 {data['counties']} 个县级地区，其中 {p['with_data']} 个有已审核数据；"
        f"县均达标指标数 {_num(p['mean'], 1)} 项（较上年 {_change(p['change'], 1)}）",
        highlight=False,
    )
    t = Table(title="指标汇总（比值指标 = Σ分子 ÷ Σ分母，不是各县比例的平均）", show_lines=False)
    for col in ("序号", "指标", "汇总方式", *(f"{yy}年" for yy in shown_years), "较上年", "覆盖", *VERDICTS):
        t.add_column(col, justify="right" if col not in ("指标", "汇总方式") else "left")
    notes = []
    for row in data["indicators"]:
        d = precision[row["id"]]
        if row["rolled_up"]:
            cov = row["coverage"]
            vals = [
                "不适用" if row["status"][str(yy)] == "not_applicable" else _num(row["values"][str(yy)], d)
                for yy in shown_years
            ]
            change = _change(row["change"], d, row["change_unit"])
            cells = [*vals, change, f"{cov['covered']}/{cov['counties']}"]
            if cov["excluded"]:
                notes.append(f"指标 {row['id']}：{_names(cov['excluded'])}")
        else:
            cells = ["—"] * len(shown_years) + ["—", "—"]
        counts = [f"[{VERDICT_STYLE[k]}]{row['verdicts'][k]}[/]" for k in VERDICTS]
        t.add_row(str(row["id"]), row["name"], row["method"], *cells, *counts)
    tot = data["totals"]
    t.add_row("", "合计（县 × 指标）", "", *[""] * (len(shown_years) + 2), *[str(tot[k]) for k in VERDICTS])
    console.print(t)
    note = data["comparison"]["note"]
    if note:
        console.print(f"指标体系不同：{note}", highlight=False)
    if notes:
        console.print(f"未计入 {y} 年汇总的县（覆盖不足）：\n  " + "\n  ".join(notes), highlight=False)
    if data["children"]:
        c = Table(title=f"下级地区（按县均达标指标数排名，{y}年）")
        for col in ("排名", "地区", "级别", "县数", "县均达标指标数", "较上年", *VERDICTS):
            c.add_column(col, justify="left" if col in ("地区", "级别") else "right")
        for ch in data["children"]:
            cp = ch["passes"]
            mean = _num(cp["mean"], 1) if cp["status"] == "ok" else "数据缺失"
            name = f"{ch['name']}（{ch['code']}）"
            c.add_row(str(ch["rank"]), name, ch["level_label"], str(ch["counties"]), mean,
                      _change(cp["change"], 1), *[str(ch["totals"][k]) for k in VERDICTS])  # fmt: skip
        console.print(c)


def print_ranking(data: dict[str, Any], digits: int, limit: int | None) -> None:
    from rich.table import Table

    y, py = data["year"], data["previous_year"]
    better = "越高越好" if data["direction"] == "higher" else "越低越好"
    unit = f"（{data['unit']}）" if data["unit"] else ""
    where = f"{data['under']['name']}{data['level_label']}地区排名"
    t = Table(title=f"{where}：{data['metric']}{unit}，{y}年（{better}）")
    for col in ("排名", "地区", "上级", f"{y}年", f"{py}年", "较上年", "上年排名", "备注"):
        t.add_column(col, justify="left" if col in ("地区", "上级", "备注") else "right")
    rows = data["rows"][:limit] if limit else data["rows"]
    for r in rows:
        t.add_row(str(r["rank"]), f"{r['name']}（{r['code']}）", r["parent"] or "", _num(r["value"], digits),
                  _num(r["previous"], digits), _change(r["change"], digits, data["change_unit"]),
                  str(r["previous_rank"] or "—"), r["status_label"])  # fmt: skip
    console.print(t)
    missing = sum(r["status"] != "ok" for r in data["rows"])
    tail = f"；{missing} 个地区无可比数值，并列排在最后（备注栏）" if missing else ""
    console.print(f"共 {len(data['rows'])} 个地区，并列按“1224”方式排名{tail}", highlight=False)


@app.command("show")
def show(
    region: Annotated[str, typer.Argument(help=f"地区代码（GB/T 2260）；{NATION} 为全国")],
    years: YearsOpt = None,
    year: YearOpt = None,
    include_pending: PendingOpt = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """一个地区的汇总：比值指标的和之比、各指标结论统计、下级地区排名。"""
    try:
        with cycle_gc_paused():
            r = _rollup(db_url(db), region, years, year, include_pending)
            data = r.summary(region)
    except (StoreError, ValueError) as e:
        fail(str(e))
    if json:
        emit_json(data)
        return
    print_summary(data, {i.id: i.precision for i in r.catalog.indicators})


@app.command("rank")
def rank(
    level: Annotated[str, typer.Option(help="参与排名的地区级别：county | city | province")] = "county",
    indicator: Annotated[int | None, typer.Option(help="按此指标的数值排名（指标序号）")] = None,
    by: Annotated[str | None, typer.Option(help="passes：按达标指标数排名（默认）")] = None,
    region: Annotated[str, typer.Option(help=f"在此地区范围内排名（默认 {NATION} 全国）")] = NATION,
    years: YearsOpt = None,
    year: YearOpt = None,
    limit: Annotated[int | None, typer.Option(help="只显示前 N 名（JSON 总是完整的）")] = None,
    include_pending: PendingOpt = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """同一级别地区的排名（并列按“1224”，方向取自指标目标，缺数值的排在最后并标注）。"""
    if by is not None and by != PASSES:
        fail(f"--by 只支持 {PASSES}（达标指标数）；按指标数值排名请用 --indicator N")
    if by is not None and indicator is not None:
        fail("--indicator 与 --by passes 只能选一个")
    if level not in LEVELS[1:]:
        fail(f"--level 应为 county、city 或 province，收到：{level}")
    try:
        with cycle_gc_paused():
            r = _rollup(db_url(db), region, years, year, include_pending)
            left = {x["id"]: x["reason"] for x in r.comparison_dict()["left_out"]}
            if indicator in left:
                fail(f"指标 {indicator} 不参与本汇总的比较：{left[indicator]}")
            data = r.ranking(level, indicator)
    except (StoreError, ValueError) as e:
        fail(str(e))
    except KeyError as e:
        fail(str(e.args[0]) if e.args else str(e))
    if json:
        emit_json(data)
        return
    digits = 1 if indicator is None else r.catalog.indicator(indicator).precision
    if indicator is None and level == "county":
        digits = 0
    print_ranking(data, digits, limit)


@app.command("demo")
def demo(db: DbOpt = None, json: JsonOpt = False) -> None:
    """在卢氏县示例数据库中加入三门峡市、洛阳市和济源市的示例县（合成数值），用于试用汇总。"""
    from liangshan.demo.build import build_demo
    from liangshan.demo.counties import add_sample_counties

    url = db_url(db)
    try:
        build_demo(url)
        added = add_sample_counties(url)
    except StoreError as e:
        fail(str(e))
    if json:
        emit_json({"added": added, "db": url})
        return
    what = "、".join(added) if added else "无（示例县已存在）"
    console.print(f"已加入示例县（数值为合成数据）：{what}", highlight=False)


@boundaries_app.command("import")
def boundaries_import(
    file: Annotated[Path, typer.Argument(help="GeoJSON 文件（FeatureCollection，经纬度坐标）")],
    code_property: Annotated[
        str, typer.Option(help="要素中保存地区代码的属性名（DataV 文件为 adcode）")
    ] = "code",
    parent: Annotated[str | None, typer.Option(help="上级地区代码（默认取各要素共同的上级）")] = None,
    files_dir: Annotated[Path | None, typer.Option(help="文件目录（默认与网页服务相同）")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """校验并导入下级地区的边界，保存为 boundaries/<上级代码>.geojson，供汇总页面绘制地图。"""
    from liangshan.config import evidence_root
    from liangshan.store.boundaries import import_boundaries
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    url = ensure_db(db_url(db))
    try:
        source = file.read_bytes()
    except OSError as e:
        fail(f"无法读取 {file}：{e.strerror or e}")
    root = files_dir or evidence_root(url)
    try:
        with session_scope(url) as s:
            res = import_boundaries(s, root, source, code_property, parent)
    except StoreError as e:
        fail(str(e))
    if json:
        out = {"parent": res.parent, "name": res.parent_name, "path": str(res.path), "codes": list(res.codes)}
        emit_json(out)
        return
    console.print(
        f"已导入 {res.parent_name}（{res.parent}）下 {len(res.codes)} 个地区的边界：{res.path}",
        highlight=False,
    )
