"""``liangshan land``: 林草覆盖率 from a land-cover raster and 生态保护红线面积 from redline polygons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, record_results
from liangshan.cli.specs import spec_options
from liangshan.services.calculators import land as land_calc
from liangshan.services.calculators import redline as redline_calc

app = typer.Typer(
    help="土地覆盖类指标：林草覆盖率（指标7）、生态保护红线面积（指标9）",
    no_args_is_help=True,
    add_completion=False,
)

ClassesOpt = Annotated[Path | None, typer.Option("--classes", help="地类对照表 CSV（列 code,group[,name]）")]
SchemeOpt = Annotated[str, typer.Option("--scheme", help=land_calc.SPEC.param("scheme").help)]
MaxCellsOpt = Annotated[int, typer.Option("--max-cells", help=land_calc.SPEC.param("max_cells").help)]
LayerOpt = Annotated[str | None, typer.Option("--layer", help=land_calc.SPEC.param("layer").help)]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
ToIndicatorOpt = Annotated[
    bool, typer.Option("--to-indicator", help="把结果记入指标数据（需 --region 与 --year）")
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="行政区划代码，如 411224")]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]


def _check_year(to_indicator: bool, region: str | None, year: int | None) -> None:
    if to_indicator and (not region or year is None):
        raise ValueError("--to-indicator 需要同时给出 --region 与 --year")


@app.command()
@spec_options(land_calc.SPEC)
def coverage(
    raster: Annotated[Path, typer.Argument(help="地类栅格 GeoTIFF（整数地类代码，任意坐标系）")],
    boundary: Annotated[Path, typer.Argument(help="行政边界（GeoJSON / GeoPackage / Shapefile）")],
    classes: ClassesOpt = None,
    json: JsonOpt = False,
    to_indicator: ToIndicatorOpt = False,
    region: RegionOpt = None,
    db: DbOpt = None,
    **params: Any,
) -> None:
    """林草覆盖率：按边界精确覆盖比例统计森林、草地面积占国土面积的百分比。"""
    try:
        _check_year(to_indicator, region, params["year"])
        files = {"raster": raster, "boundary": boundary, "classes": classes}
        if to_indicator:
            comp = land_calc.SPEC.compute(files, params, region)
            res = comp.raw
            ids = record_results(comp.results, region, db)
        else:
            res = land_calc.coverage_result(
                raster,
                boundary,
                classes=classes,
                scheme=params["scheme"],
                zone=params["zone"],
                layer=params["layer"],
                max_missing_percent=params["max_missing_percent"],
                max_cells=params["max_cells"],
                shrub=params["shrub"],
            )
    except ValueError as exc:
        fail(str(exc))
    out = res.to_dict()
    if to_indicator:
        out["submission_ids"] = ids
    if json:
        emit_json(out)
        return
    _print_coverage(out)


def _print_coverage(d: dict[str, Any]) -> None:
    t = Table(title="林草覆盖率", show_header=True)
    t.add_column("项目")
    t.add_column("数值", justify="right")
    t.add_row("林草覆盖率", f"{d['coverage_percent']:.2f}%")
    t.add_row("森林（占国土面积）", f"{d['forest_percent']:.2f}%")
    t.add_row("草地（占国土面积）", f"{d['grass_percent']:.2f}%")
    t.add_row("森林面积", f"{d['forest_area_km2']:.2f} km²")
    t.add_row("草地面积", f"{d['grass_area_km2']:.2f} km²")
    t.add_row("国土面积（有地类）", f"{d['land_area_km2']:.2f} km²")
    t.add_row("边界面积", f"{d['boundary_area_km2']:.2f} km²")
    t.add_row("缺测面积", f"{d['missing_area_km2']:.4f} km²")
    zone = d["zone"] if isinstance(d["zone"], str) else "、".join(f"{k}{v:g}" for k, v in d["zone"].items())
    t.add_row("地形区 / 目标", f"{zone} > {d['target_percent']:g}%")
    t.add_row("是否达标", "达标" if d["attained"] else "未达标")
    console.print(t)
    c = Table(title="各地类面积", show_header=True)
    for col in ("代码", "名称", "组", "面积 km²"):
        c.add_column(col, justify="right" if col == "面积 km²" else "left")
    labels = {"forest": "森林", "grass": "草地", "other": "其他"}
    for row in d["class_areas"]:
        c.add_row(str(row["code"]), row["name"], labels[row["group"]], f"{row['area_km2']:.4f}")
    console.print(c)
    for k, v in d["method"].items():
        if k != "cell_area_kind":
            console.print(f"[bold]{k}[/]: {v}", highlight=False)


@app.command()
@spec_options(redline_calc.SPEC)
def redline(
    polygons: Annotated[Path, typer.Argument(help="生态保护红线图斑（GeoJSON / GeoPackage / Shapefile）")],
    boundary: Annotated[Path, typer.Argument(help="行政边界")],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上一期红线图斑，用于定位减少/增加的图斑")
    ] = None,
    json: JsonOpt = False,
    to_indicator: ToIndicatorOpt = False,
    region: RegionOpt = None,
    db: DbOpt = None,
    **params: Any,
) -> None:
    """生态保护红线面积：边界内红线面积（等积投影）与基数比较（不减少），可定位变化图斑。"""
    year = params["year"]
    try:
        _check_year(to_indicator, region, year)
        params["year"] = year if to_indicator else None
        files = {"polygons": polygons, "boundary": boundary, "previous": previous}
        comp = redline_calc.SPEC.compute(files, params, region)
        out: dict[str, Any] = comp.raw
        verdict = out["verdict"]
        if to_indicator:
            out["submission_ids"] = record_results(comp.results, region, db)
    except ValueError as exc:
        fail(str(exc))
    if json:
        emit_json(out)
        return
    t = Table(title="生态保护红线面积", show_header=True)
    t.add_column("项目")
    t.add_column("数值", justify="right")
    t.add_row("边界内红线面积", f"{out['area_km2']:.4f} km²")
    base = out["baseline_km2"]
    t.add_row("基数", "—" if base is None else f"{base:.4f} km²")
    t.add_row(f"判定（不减少，容差 {out['tolerance_km2']:g} km²）", verdict)
    t.add_row("重叠（已去重）", f"{out['overlap_km2']:.4f} km²")
    t.add_row("边界外（未计入）", f"{out['outside_km2']:.4f} km²")
    console.print(t)
    if "changes" in out:
        ch_d = out["changes"]
        console.print(f"与上一期相比：减少 {ch_d['lost_km2']:.4f} km²，增加 {ch_d['added_km2']:.4f} km²")
        for kind, label in (("lost", "减少"), ("added", "增加")):
            for p in ch_d[kind]:
                ids = "、".join(map(str, p["ids"])) or "—"
                console.print(
                    f"  {label}图斑 {p['area_km2']:.4f} km²，"
                    f"位置 {p['lon']:.5f}°E {p['lat']:.5f}°N，图斑 {ids}"
                )
        for c in ch_d["changed_ids"]:
            console.print(f"  面积变化的图斑 {c['id']}：{c['before_km2']:.4f} → {c['after_km2']:.4f} km²")
        if ch_d["lost_ids"] or ch_d["added_ids"]:
            console.print(
                f"  消失的编号：{'、'.join(map(str, ch_d['lost_ids'])) or '—'}；"
                f"新增的编号：{'、'.join(map(str, ch_d['added_ids'])) or '—'}"
            )
