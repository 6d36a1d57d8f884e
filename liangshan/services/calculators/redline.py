"""Ecological redline calculator (indicator 9 生态保护红线面积): redline polygons + boundary → area.

The area inside the boundary in an equal-area projection (overlaps counted once), judged 不减少 against
an approved baseline (docs/assessment.md; 三区三线 2022 delineation, HJ 1142-2020 monitoring), with the
changed polygons located against a previous delineation
(:mod:`liangshan.standards.redline`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.land import input_files
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec

if TYPE_CHECKING:  # pydantic models, imported when the calculator runs
    from liangshan.provenance import ComputedValues

CALCULATOR = "liangshan.standards.redline.redline_area"


def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    from liangshan.provenance import ComputedValues, Provenance
    from liangshan.standards.redline import judge_not_decrease, redline_area, redline_changes

    polygons, boundary = files["polygons"], files["boundary"]
    id_field = p["id_field"] or None
    baseline = None if p["baseline_km2"] is None else float(p["baseline_km2"])
    tolerance, approved = float(p["tolerance_km2"]), float(p["approved_reduction_km2"])
    res = redline_area(polygons, boundary, id_field=id_field)
    verdict = judge_not_decrease(
        res.area_km2, baseline, tolerance_km2=tolerance, approved_reduction_km2=approved
    )
    out: dict[str, Any] = {
        "area_km2": res.area_km2,
        "baseline_km2": baseline,
        "verdict": verdict,
        "tolerance_km2": tolerance,
        "approved_reduction_km2": approved,
        "overlap_km2": res.overlap_km2,
        "outside_km2": res.outside_km2,
        "polygons": res.polygons,
        "method": res.method,
    }
    previous = files.get("previous")
    if previous is not None:
        ch = redline_changes(previous, polygons, boundary, id_field=id_field, tolerance_km2=tolerance)
        out["changes"] = ch.to_dict()
    results: list[ComputedValues] = []
    if p["year"] is not None:
        prov = Provenance(
            calculator=CALCULATOR,
            standard=sc.REDLINE,
            parameters={
                "id_field": id_field,
                "baseline_km2": baseline,
                "tolerance_km2": tolerance,
                "approved_reduction_km2": approved,
            },
            inputs=input_files(polygons) + input_files(boundary),
            components={k: v for k, v in out.items() if k != "polygons"},
        )
        results.append(
            ComputedValues(
                year=int(p["year"]), values={"redline_area_km2": res.area_km2}, provenance=prov, region=region
            )
        )
        comp = Computation(results, raw=out)
        comp.details[int(p["year"])] = {
            "边界内红线面积": f"{res.area_km2:.4f} km²",
            "基数": "—" if baseline is None else f"{baseline:.4f} km²",
            f"判定（不减少，容差 {tolerance:g} km²）": verdict,
            "重叠（已去重）": f"{res.overlap_km2:.4f} km²",
            "边界外（未计入）": f"{res.outside_km2:.4f} km²",
        }
    else:
        comp = Computation(results, raw=out)
    if res.outside_km2 > 0:
        comp.warnings.append(f"有 {res.outside_km2:.4f} km² 红线图斑在边界外，未计入")
    if "changes" in out and out["changes"]["lost_km2"] > 0:
        comp.warnings.append(f"与上一期相比减少 {out['changes']['lost_km2']:.4f} km²")
    return comp


SPEC = CalculatorSpec(
    key="redline",
    title="生态保护红线面积（红线图斑 + 行政边界 → 边界内红线面积）",
    cli="liangshan land redline",
    elements=("redline_area_km2",),
    files=(
        FileSpec("polygons", "生态保护红线图斑", ("geojson", "gpkg")),
        FileSpec("boundary", "行政边界", ("geojson", "gpkg")),
        FileSpec("previous", "上一期红线图斑（可选）", ("geojson", "gpkg"), False, "用于定位减少/增加的图斑"),
    ),
    params=(
        ParamSpec(
            "year", "年份", "int", required=True, low=1990, high=2100, round_year=True, help="数据年份"
        ),
        ParamSpec(
            "baseline_km2",
            "经批准的红线面积基数",
            "float",
            None,
            low=0,
            unit="km²",
            help="经批准的红线面积基数（km²）",
        ),
        ParamSpec(
            "tolerance_km2", "不减少判定容差", "float", 0.01, low=0, unit="km²", help="不减少判定容差（km²）"
        ),
        ParamSpec(
            "approved_reduction_km2",
            "经批准核减的面积",
            "float",
            0.0,
            low=0,
            unit="km²",
            help="经国务院批准核减的面积（km²），在此范围内只标记",
        ),
        ParamSpec("id_field", "图斑编号属性列", "text", None, help="图斑编号属性列"),
    ),
    standards=(sc.REDLINE,),
    run=run,
)
