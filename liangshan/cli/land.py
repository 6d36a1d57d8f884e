"""``liangshan land``: 林草覆盖率 from a land-cover raster and 生态保护红线面积 from redline polygons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, record_results
from liangshan.provenance import ComputedValues, InputFile, Provenance, sha256_file

app = typer.Typer(
    help="土地覆盖类指标：林草覆盖率（指标7）、生态保护红线面积（指标9）",
    no_args_is_help=True,
    add_completion=False,
)

ClassesOpt = Annotated[Path | None, typer.Option("--classes", help="地类对照表 CSV（列 code,group[,name]）")]
SchemeOpt = Annotated[
    str, typer.Option("--scheme", help="内置地类体系：gbt21010-2017（默认）、clcd、esa-worldcover")
]
MaxCellsOpt = Annotated[int, typer.Option("--max-cells", help="每个窗口读入内存的最大像元数")]
LayerOpt = Annotated[str | None, typer.Option("--layer", help="边界文件的图层名")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
ToIndicatorOpt = Annotated[
    bool, typer.Option("--to-indicator", help="把结果记入指标数据（需 --region 与 --year）")
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="行政区划代码，如 411224")]
YearOpt = Annotated[int | None, typer.Option("--year", help="数据年份")]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]

_SIDE_CARS = (".shx", ".dbf", ".prj", ".cpg")


def input_files(path: Path) -> list[InputFile]:
    """sha256 of an input file, plus the side-car files of a Shapefile."""
    files = [sha256_file(path)]
    if path.suffix.lower() == ".shp":
        files += [sha256_file(p) for ext in _SIDE_CARS if (p := path.with_suffix(ext)).is_file()]
    return files


def parse_zone(text: str) -> str | dict[str, float]:
    """``山区`` → ``"山区"``; ``山区=0.7,丘陵区=0.3`` → area shares."""
    if "=" not in text:
        return text.strip()
    shares: dict[str, float] = {}
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        try:
            shares[name.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"--zone 中 {part.strip()!r} 的占比不是数字，应写成 山区=0.7,丘陵区=0.3"
            ) from None
    return shares


def _check_year(to_indicator: bool, region: str | None, year: int | None) -> None:
    if to_indicator and (not region or year is None):
        raise ValueError("--to-indicator 需要同时给出 --region 与 --year")


def coverage_result(
    raster: Path,
    boundary: Path,
    *,
    classes: Path | None = None,
    scheme: str = "gbt21010-2017",
    zone: str = "山区",
    layer: str | None = None,
    max_missing_percent: float = 1.0,
    max_cells: int = 1_000_000,
) -> Any:
    """林草覆盖率 of the region inside ``boundary``: the one implementation behind ``land coverage``
    (and its ``--to-indicator``) and the web upload (:mod:`liangshan.web.calculators`). Raises ValueError."""
    from liangshan.standards.land_cover import land_coverage

    return land_coverage(
        raster,
        boundary,
        classes=classes,
        scheme=scheme,
        zone=parse_zone(zone),
        layer=layer,
        max_missing_percent=max_missing_percent,
        max_cells_in_memory=max_cells,
    )


def coverage_values(
    res: Any,
    raster: Path,
    boundary: Path,
    *,
    classes: Path | None,
    scheme: str,
    max_missing_percent: float,
    max_cells: int,
    year: int,
    region: str | None,
) -> ComputedValues:
    """``--to-indicator``: forest, grass and land area of ``year`` with provenance (input sha256s)."""
    from liangshan.standards.land_cover import CLASS_SCHEMES

    standard = "GB/T 21010-2017" if classes is None and scheme == "gbt21010-2017" else scheme
    if classes is not None:
        standard = f"用户地类对照表 {classes.name}"
    prov = Provenance(
        calculator="liangshan.standards.land_cover.land_coverage",
        standard=f"{standard}; 环生态〔2019〕76号（林草覆盖率）",
        parameters={
            "scheme": scheme if classes is None else None,
            "classes": classes.name if classes else None,
            "zone": res.zone,
            "max_missing_percent": max_missing_percent,
            "max_cells_in_memory": max_cells,
            "scheme_title": CLASS_SCHEMES.get(scheme, {}).get("title") if classes is None else None,
        },
        inputs=input_files(raster) + input_files(boundary) + (input_files(classes) if classes else []),
        components=res.to_dict(),
    )
    return ComputedValues(
        year=year,
        values={
            "forest_area_km2": res.forest_area_km2,
            "grass_area_km2": res.grass_area_km2,
            "land_area_km2": res.land_area_km2,
        },
        provenance=prov,
        region=region,
    )


@app.command()
def coverage(
    raster: Annotated[Path, typer.Argument(help="地类栅格 GeoTIFF（整数地类代码，任意坐标系）")],
    boundary: Annotated[Path, typer.Argument(help="行政边界（GeoJSON / GeoPackage / Shapefile）")],
    classes: ClassesOpt = None,
    scheme: SchemeOpt = "gbt21010-2017",
    zone: Annotated[
        str, typer.Option("--zone", help="地形区：山区、丘陵区、平原区，或面积占比如 山区=0.7,丘陵区=0.3")
    ] = "山区",
    max_missing_percent: Annotated[
        float, typer.Option("--max-missing-percent", help="边界内允许无地类（NoData/栅格外）的面积占比上限 %")
    ] = 1.0,
    max_cells: MaxCellsOpt = 1_000_000,
    layer: LayerOpt = None,
    json: JsonOpt = False,
    to_indicator: ToIndicatorOpt = False,
    region: RegionOpt = None,
    year: YearOpt = None,
    db: DbOpt = None,
) -> None:
    """林草覆盖率：按边界精确覆盖比例统计森林、草地面积占国土面积的百分比。"""
    try:
        _check_year(to_indicator, region, year)
        res = coverage_result(
            raster,
            boundary,
            classes=classes,
            scheme=scheme,
            zone=zone,
            layer=layer,
            max_missing_percent=max_missing_percent,
            max_cells=max_cells,
        )
        ids: list[int] = []
        if to_indicator:
            assert year is not None
            cv = coverage_values(
                res,
                raster,
                boundary,
                classes=classes,
                scheme=scheme,
                max_missing_percent=max_missing_percent,
                max_cells=max_cells,
                year=year,
                region=region,
            )
            ids = record_results([cv], region, db)
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
def redline(
    polygons: Annotated[Path, typer.Argument(help="生态保护红线图斑（GeoJSON / GeoPackage / Shapefile）")],
    boundary: Annotated[Path, typer.Argument(help="行政边界")],
    baseline_km2: Annotated[
        float | None, typer.Option("--baseline-km2", help="经批准的红线面积基数（km²）")
    ] = None,
    tolerance_km2: Annotated[float, typer.Option("--tolerance-km2", help="不减少判定容差（km²）")] = 0.01,
    approved_reduction_km2: Annotated[
        float,
        typer.Option("--approved-reduction-km2", help="经国务院批准核减的面积（km²），在此范围内只标记"),
    ] = 0.0,
    id_field: Annotated[str | None, typer.Option("--id-field", help="图斑编号属性列")] = None,
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上一期红线图斑，用于定位减少/增加的图斑")
    ] = None,
    json: JsonOpt = False,
    to_indicator: ToIndicatorOpt = False,
    region: RegionOpt = None,
    year: YearOpt = None,
    db: DbOpt = None,
) -> None:
    """生态保护红线面积：边界内红线面积（等积投影）与基数比较（不减少），可定位变化图斑。"""
    from liangshan.standards.redline import judge_not_decrease, redline_area, redline_changes

    try:
        _check_year(to_indicator, region, year)
        res = redline_area(polygons, boundary, id_field=id_field)
        verdict = judge_not_decrease(
            res.area_km2,
            baseline_km2,
            tolerance_km2=tolerance_km2,
            approved_reduction_km2=approved_reduction_km2,
        )
        out: dict[str, Any] = {
            "area_km2": res.area_km2,
            "baseline_km2": baseline_km2,
            "verdict": verdict,
            "tolerance_km2": tolerance_km2,
            "approved_reduction_km2": approved_reduction_km2,
            "overlap_km2": res.overlap_km2,
            "outside_km2": res.outside_km2,
            "polygons": res.polygons,
            "method": res.method,
        }
        if previous is not None:
            ch = redline_changes(previous, polygons, boundary, id_field=id_field, tolerance_km2=tolerance_km2)
            out["changes"] = ch.to_dict()
        if to_indicator:
            assert year is not None
            files = input_files(polygons) + input_files(boundary)
            prov = Provenance(
                calculator="liangshan.standards.redline.redline_area",
                standard="生态保护红线（三区三线 2022）; HJ 1142-2020; 不减少判定 SPEC §1.3",
                parameters={
                    "id_field": id_field,
                    "baseline_km2": baseline_km2,
                    "tolerance_km2": tolerance_km2,
                    "approved_reduction_km2": approved_reduction_km2,
                },
                inputs=files,
                components={k: v for k, v in out.items() if k != "polygons"},
            )
            cv = ComputedValues(
                year=year, values={"redline_area_km2": res.area_km2}, provenance=prov, region=region
            )
            out["submission_ids"] = record_results([cv], region, db)
    except ValueError as exc:
        fail(str(exc))
    if json:
        emit_json(out)
        return
    t = Table(title="生态保护红线面积", show_header=True)
    t.add_column("项目")
    t.add_column("数值", justify="right")
    t.add_row("边界内红线面积", f"{out['area_km2']:.4f} km²")
    t.add_row("基数", "—" if baseline_km2 is None else f"{baseline_km2:.4f} km²")
    t.add_row(f"判定（不减少，容差 {tolerance_km2:g} km²）", verdict)
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
