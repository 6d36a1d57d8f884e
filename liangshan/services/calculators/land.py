"""Land-cover calculator (indicator 7 林草覆盖率): class raster + boundary → 森林、草地、国土面积.

林草覆盖率 = (森林面积 + 草地面积) / 国土面积 × 100% (环生态〔2019〕76号 附件 指标解释), the areas from a
categorical raster classified by GB/T 21010-2017 (or CLCD, ESA WorldCover, a user class table) with exact
per-cell coverage fractions inside the boundary (:func:`liangshan.standards.land_cover.land_coverage`).
灌木林地 is grouped by the ``shrub`` parameter (forest | grass | exclude | special-shrub-only, see
:mod:`liangshan.standards.land_cover.classes`) through the class table's ``shrub`` column.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec, check_choice

if TYPE_CHECKING:  # pydantic models, imported when a result is recorded (not by `land coverage`)
    from liangshan.provenance import ComputedValues, InputFile

CALCULATOR = "liangshan.standards.land_cover.land_coverage"
_SIDE_CARS = (".shx", ".dbf", ".prj", ".cpg")


def input_files(path: Path) -> list[InputFile]:
    """sha256 of an input file, plus the side-car files of a Shapefile."""
    from liangshan.provenance import sha256_file

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
    shrub: str = "forest",
) -> Any:
    """林草覆盖率 of the region inside ``boundary``, 灌木林地 grouped by ``shrub``. Raises ValueError."""
    from liangshan.standards.land_cover import DEFAULT_SHRUB, land_coverage, load_class_table

    table: Any = classes
    if shrub != DEFAULT_SHRUB:
        table = load_class_table(classes, scheme=scheme, shrub=shrub)
    res = land_coverage(
        raster,
        boundary,
        classes=table,
        scheme=scheme,
        zone=parse_zone(zone),
        layer=layer,
        max_missing_percent=max_missing_percent,
        max_cells_in_memory=max_cells,
    )
    if shrub != DEFAULT_SHRUB:  # the table was passed loaded: name it as the scheme and the rule it is
        res.method["class_table"] = table.source
    return res


def coverage_parameters(
    *,
    scheme: str,
    classes_name: str | None,
    zone: Any,
    max_missing_percent: float,
    max_cells: int,
    shrub: str = "forest",
) -> dict[str, Any]:
    """The provenance parameters of a coverage computation (shared with the batch jobs)."""
    from liangshan.standards.land_cover import CLASS_SCHEMES, SHRUB_RULES

    return {
        "shrub": shrub,
        "shrub_rule": SHRUB_RULES[shrub],
        "scheme": scheme if classes_name is None else None,
        "classes": classes_name,
        "zone": zone,
        "max_missing_percent": max_missing_percent,
        "max_cells_in_memory": max_cells,
        "scheme_title": CLASS_SCHEMES.get(scheme, {}).get("title") if classes_name is None else None,
    }


def coverage_computed(
    res: Any,
    inputs: list[InputFile],
    *,
    classes_name: str | None,
    scheme: str,
    max_missing_percent: float,
    max_cells: int,
    year: int,
    region: str | None,
    shrub: str = "forest",
) -> ComputedValues:
    """Forest, grass and land area of ``year`` with provenance: the one builder behind the CLI, the
    web upload, the demo and the batch job (which hashes its own inputs, tiles included)."""
    from liangshan.provenance import ComputedValues, Provenance

    prov = Provenance(
        calculator=CALCULATOR,
        standard=sc.land_standard(scheme, classes_name),
        parameters=coverage_parameters(
            scheme=scheme,
            classes_name=classes_name,
            zone=res.zone,
            max_missing_percent=max_missing_percent,
            max_cells=max_cells,
            shrub=shrub,
        ),
        inputs=inputs,
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
    shrub: str = "forest",
) -> ComputedValues:
    """Forest, grass and land area of ``year`` with provenance (the input files' sha256s)."""
    inputs = input_files(raster) + input_files(boundary) + (input_files(classes) if classes else [])
    return coverage_computed(
        res,
        inputs,
        classes_name=classes.name if classes else None,
        scheme=scheme,
        max_missing_percent=max_missing_percent,
        max_cells=max_cells,
        year=year,
        region=region,
        shrub=shrub,
    )


def _shrub_rule(shrub: str) -> str:
    from liangshan.standards.land_cover import SHRUB_RULES

    return SHRUB_RULES[shrub]


def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    if p["year"] is None:
        raise ValueError("记录林草覆盖率需要年份（--year）")
    check_choice(SPEC, "shrub", p["shrub"])
    classes = files.get("classes")
    common: dict[str, Any] = {
        "classes": classes,
        "scheme": p["scheme"],
        "max_missing_percent": float(p["max_missing_percent"]),
        "max_cells": int(p["max_cells"]),
        "shrub": p["shrub"],
    }
    res = coverage_result(files["raster"], files["boundary"], zone=p["zone"], layer=p.get("layer"), **common)
    cv = coverage_values(
        res, files["raster"], files["boundary"], year=int(p["year"]), region=region, **common
    )
    out = Computation([cv], raw=res)
    out.details[int(p["year"])] = {
        "林草覆盖率": f"{res.coverage_percent:.2f}%",
        "森林": f"{res.forest_percent:.2f}%",
        "草地": f"{res.grass_percent:.2f}%",
        "边界面积": f"{res.boundary_area_km2:.2f} km²",
        "缺测面积": f"{res.missing_area_km2:.4f} km²",
        "目标": f"> {res.target_percent:g}%（{'达标' if res.attained else '未达标'}）",
        "灌木林地": _shrub_rule(p["shrub"]),
    }
    if res.missing_area_km2 > 0:
        out.warnings.append(
            f"边界内 {res.missing_area_km2:.4f} km² 无地类（NoData 或在栅格外），未计入国土面积"
        )
    return out


YEAR = ParamSpec("year", "年份", "int", required=True, low=1990, high=2100, round_year=True, help="数据年份")
SPEC = CalculatorSpec(
    key="land",
    title="林草覆盖率（地类栅格 + 行政边界 → 森林、草地、国土面积）",
    cli="liangshan land coverage",
    elements=("forest_area_km2", "grass_area_km2", "land_area_km2"),
    files=(
        FileSpec("raster", "地类栅格", ("geotiff",), help="单波段整数地类代码，须有坐标系"),
        FileSpec("boundary", "行政边界", ("geojson", "gpkg")),
        FileSpec("classes", "地类对照表（可选）", ("csv",), False, "列 code,group[,name]；替换内置地类体系"),
    ),
    params=(
        YEAR,
        ParamSpec(
            "scheme",
            "内置地类体系",
            "choice",
            "gbt21010-2017",
            (("gbt21010-2017", "GB/T 21010-2017"), ("clcd", "CLCD"), ("esa-worldcover", "ESA WorldCover")),
            help="内置地类体系：gbt21010-2017（默认）、clcd、esa-worldcover",
        ),
        ParamSpec(
            "zone",
            "地形区",
            "text",
            "山区",
            help="地形区：山区、丘陵区、平原区，或面积占比如 山区=0.7,丘陵区=0.3",
            region_zone=True,
        ),
        ParamSpec(
            "max_missing_percent",
            "允许无地类面积占比上限（%）",
            "float",
            1.0,
            low=0,
            high=100,
            unit="%",
            help="边界内允许无地类（NoData/栅格外）的面积占比上限 %",
        ),
        ParamSpec(
            "max_cells",
            "每窗口最大像元数",
            "int",
            1_000_000,
            low=1,
            help="每个窗口读入内存的最大像元数",
            web=False,
        ),
        ParamSpec("layer", "边界图层", "text", None, help="边界文件的图层名", web=False),
        ParamSpec(
            "shrub",
            "灌木林地口径",
            "choice",
            "forest",
            (
                ("forest", "全部计入森林（默认）"),
                ("grass", "全部计入草地"),
                ("exclude", "不计入森林和草地"),
                ("special-shrub-only", "仅国家特别规定灌木林地计入森林（须细分的地类对照表）"),
            ),
            help="灌木林地如何计：forest（全部计入森林，默认）、grass（计入草地）、exclude（不计入）、"
            "special-shrub-only（仅国家特别规定灌木林地计入森林，林草湿综合监测口径；GB/T 21010-2017 的 0305 "
            "不细分，须用 shrub 列填 special/other 的地类对照表）",
        ),
    ),
    standards=(sc.LAND_CLASSES_GBT21010, sc.FOREST_GRASS_COVER),
    run=run,
    note="栅格大小受上传上限限制；更大的栅格请用命令行",
)
