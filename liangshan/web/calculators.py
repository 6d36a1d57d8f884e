"""上传原始数据计算: the calculators offered on an item's entry page, and their preview → confirm.

Item codes map to calculators (:data:`CALCULATORS`); each runs the function its CLI command's
``--to-indicator`` path runs (:func:`liangshan.cli.air.good_days` and
:func:`~liangshan.cli.air.good_days_values`,
:func:`liangshan.cli.water.evaluate_file`, :func:`liangshan.cli.land.coverage_result`,
:func:`liangshan.cli.gep.compute`, :func:`liangshan.cli.survey.compute` …), so the web and the CLI
compute the same numbers with the same provenance.

Flow: :func:`preview` checks the uploads (size, content sniffing), keeps them under a one-time token
in ``<files>/calc-pending/``, runs the calculator (in a worker thread; at most :data:`MAX_RUNNING` at
once) and dry-runs the save (:func:`liangshan.services.values.save_computed` with ``dry_run``) so the
preview shows exactly what confirming would write; nothing is stored in the database. :func:`confirm`
writes the previewed rows in one transaction (409 if anything changed since), attaches the raw files
as evidence and deletes the pending copy. Bad input raises :class:`CalcInputError` (the calculators'
messages name the file, row and column).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liangshan.assess.values import round_half_even
from liangshan.catalog.models import Catalog
from liangshan.provenance import ComputedValues
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, PermissionDenied, check_edit, edit_denial, item_name
from liangshan.services.queries import (
    current_round,
    fmt_value,
    latest_map,
    plain_number,
    round_denial,
    round_dict,
    round_years,
)
from liangshan.services.uploads import DATA_KINDS, CheckedUpload
from liangshan.services.values import ComputedRow, save_computed
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.store.models import Region
from liangshan.web.context import WebContext

PENDING_TTL = 3600  # seconds a preview waits for confirmation
MAX_RUNNING = 2  # calculations at once per process (a land raster can take a while and memory)
_SLOTS = threading.BoundedSemaphore(MAX_RUNNING)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")
log = logging.getLogger(__name__)


class CalcInputError(EntryError):
    """The raw data could not be computed (HTTP 422); the message names the file, row and column."""


@dataclass(frozen=True)
class FileSpec:
    key: str
    label: str
    kinds: tuple[str, ...]  # keys of uploads.DATA_KINDS
    required: bool = True
    help: str = ""

    @property
    def accept(self) -> str:
        return ",".join(e for k in self.kinds for e in DATA_KINDS[k][2])

    @property
    def kinds_text(self) -> str:
        return "、".join(DATA_KINDS[k][1] for k in self.kinds)


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: str
    kind: str  # choice | int | float | text
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    low: float | None = None
    high: float | None = None
    help: str = ""
    round_year: bool = False  # default: the round's last year


@dataclass
class Computation:
    """What a calculator produced: values per year, warnings, and figures to show per year."""

    results: list[ComputedValues]
    warnings: list[str] = field(default_factory=list)
    details: dict[int, dict[str, str]] = field(default_factory=dict)


Runner = Callable[[dict[str, Path], dict[str, Any], str], Computation]


@dataclass(frozen=True)
class Calculator:
    key: str
    title: str
    cli: str  # the CLI command computing the same
    elements: tuple[str, ...]  # data elements it fills
    files: tuple[FileSpec, ...]
    params: tuple[ParamSpec, ...]
    run: Runner
    note: str = ""

    def describe(self, catalog: Catalog, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
        d = dict(defaults or {})
        return {
            "key": self.key,
            "title": self.title,
            "cli": self.cli,
            "note": self.note,
            "elements": [{"code": c, "name": catalog.element(c).name} for c in self.elements],
            "files": [
                {
                    "key": f.key,
                    "label": f.label,
                    "kinds": list(f.kinds),
                    "kinds_text": f.kinds_text,
                    "accept": f.accept,
                    "required": f.required,
                    "help": f.help,
                }
                for f in self.files
            ],
            "params": [
                {
                    "key": p.key,
                    "label": p.label,
                    "kind": p.kind,
                    "required": p.required,
                    "help": p.help,
                    "choices": [{"value": v, "label": lab} for v, lab in p.choices],
                    "default": _default(p, d),
                    "low": p.low,
                    "high": p.high,
                }
                for p in self.params
            ],
        }


def _default(p: ParamSpec, defaults: Mapping[str, Any]) -> Any:
    if p.round_year:
        return defaults.get("round_year", p.default)
    if p.key == "zone":
        return defaults.get("zone", p.default)
    return p.default


# ------------------------------------------------------------------------------------------ runners
def _air(files: dict[str, Path], p: dict[str, Any], region: str) -> Computation:
    from liangshan.cli.air import good_days, good_days_values

    path = files["hourly"]
    report, params = good_days(
        path, edition=p["edition"], area_method=p["area_method"], columns=p["columns"] or None,
        o3_start=p["o3_start"],
    )  # fmt: skip
    out = Computation(good_days_values(path, report, params, region))
    for y in report:
        ratio = "—" if y["ratio"] is None else f"{y['ratio']:.1f}%"
        out.details[int(y["year"])] = {
            "站点": f"{len(params['stations'])} 个（浓度平均）",
            "统计期天数": str(y["days"]),
            "有效监测天数": str(y["valid_days"]),
            "优良天数": str(y["good_days"]),
            "优良天数比例": ratio,
            "未计入天数": str(y["invalid_day_count"]),
        }
        bad = y["invalid_days"]
        if y["invalid_day_count"]:
            listed = "；".join(f"{d['date']} {d['status']}（{d['reason']}）" for d in bad[:5])
            more = f"等，共 {y['invalid_day_count']} 天" if y["invalid_day_count"] > len(bad[:5]) else ""
            out.warnings.append(
                f"{y['year']}年有 {y['invalid_day_count']} 天未计入有效监测天数：{listed}{more}"
            )
        if y["valid_days"] < 324:
            out.warnings.append(
                f"{y['year']}年有效监测天数 {y['valid_days']} 天，少于 HJ 663 年评价要求的 324 天"
            )
    return out


def _water(kind: str) -> Runner:
    def run(files: dict[str, Path], p: dict[str, Any], region: str) -> Computation:
        from liangshan.cli.water import evaluate_file, water_values

        path = files["results"]
        opts = {"nd_factor": p["nd_factor"], "rounding": p["rounding"] == "true"}
        results = evaluate_file(kind, path, p["year"], **opts)
        out = Computation(water_values(kind, results, path, region))
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


def _land(files: dict[str, Path], p: dict[str, Any], region: str) -> Computation:
    from liangshan.cli.land import coverage_result, coverage_values

    common = {"classes": files.get("classes"), "scheme": p["scheme"], "max_missing_percent": p["max_missing"]}
    res = coverage_result(files["raster"], files["boundary"], zone=p["zone"], max_cells=1_000_000, **common)
    cv = coverage_values(res, files["raster"], files["boundary"], max_cells=1_000_000, year=p["year"],
                         region=region, **common)  # fmt: skip
    out = Computation([cv])
    out.details[p["year"]] = {
        "林草覆盖率": f"{res.coverage_percent:.2f}%",
        "森林": f"{res.forest_percent:.2f}%",
        "草地": f"{res.grass_percent:.2f}%",
        "边界面积": f"{res.boundary_area_km2:.2f} km²",
        "缺测面积": f"{res.missing_area_km2:.4f} km²",
        "目标": f"> {res.target_percent:g}%（{'达标' if res.attained else '未达标'}）",
    }
    if res.missing_area_km2 > 0:
        out.warnings.append(
            f"边界内 {res.missing_area_km2:.4f} km² 无地类（NoData 或在栅格外），未计入国土面积"
        )
    return out


def _gep(files: dict[str, Path], p: dict[str, Any], region: str) -> Computation:
    from liangshan.cli.gep import compute, gep_values

    path = files["workbook"]
    _wb, _year, const_year, series, shown = compute(path, price_year=p["price_year"], year=p["year"])
    out = Computation(gep_values(path, series, const_year, p["year"], None, region))
    for s in series:
        if p["year"] is not None and s.year != p["year"]:
            continue
        c = s.constant
        out.details[s.year] = {
            "当年价 GEP": f"{s.current.gep:,.2f} 万元",
            f"{const_year} 年不变价 GEP": "—" if c is None else f"{c.gep:,.2f} 万元",
            "单位国土面积 GEP（不变价）": "—" if c is None else f"{c.gep_per_km2:,.2f} 万元/km²",
        }
    for e in shown.excluded:
        out.warnings.append(f"{shown.year}年未计入（避免重复计算）：{e['name']} — {e['reason']}")
    if shown.not_accounted:
        out.warnings.append(f"未核算的项目：{'、'.join(shown.not_accounted)}")
    return out


def _survey(files: dict[str, Path], p: dict[str, Any], region: str) -> Computation:
    from liangshan.cli.survey import compute, survey_values

    weights = files.get("weights")
    res = compute(files["responses"], top_box=p["top_box"], weights=weights, population=p["population"],
                  margin=p["margin"])  # fmt: skip
    out = Computation([survey_values(res, files["responses"], weights, p["year"], region)])
    out.details[p["year"]] = {
        "有效问卷": str(res.n),
        "满意度": f"{res.satisfaction_percent:.2f}%" + ("（加权）" if res.weighted else ""),
        "95% 置信区间": f"{res.ci_low:.2f}–{res.ci_high:.2f}%",
        "所需样本量": str(res.sample_needed),
    }
    threshold = res.parameters.get("claim_threshold")
    if not res.supports_claim and threshold is not None:
        out.warnings.append(
            f"置信区间下限 {res.ci_low:.2f}% ≤ {threshold:g}%，样本不足以支持“满意度 > {threshold:g}%”的结论"
        )
    if not res.sample_sufficient:
        out.warnings.append(f"有效问卷 {res.n} 份少于所需样本量 {res.sample_needed} 份")
    return out


# ------------------------------------------------------------------------------------- the registry
YEAR = ParamSpec("year", "年份", "int", required=True, low=1990, high=2100, round_year=True)
WATER_PARAMS = (
    ParamSpec("year", "评价年份", "int", low=1990, high=2100, help="留空：文件中的每一年"),
    ParamSpec("nd_factor", "未检出按检出限的倍数", "float", 0.5, low=0, high=1),
    ParamSpec("rounding", "年均值先修约再比较", "choice", "true", (("true", "是"), ("false", "否"))),
)
WATER_FILE = FileSpec(
    "results", "监测结果（长表）", ("csv", "parquet"), help="每行一个项目结果；列见 docs/water.md"
)
CALCULATORS: dict[str, Calculator] = {
    c.key: c
    for c in (
        Calculator(
            "air",
            "环境空气质量优良天数比例（小时数据 → 优良天数、有效监测天数）",
            "liangshan air good-days",
            ("air_good_days", "air_valid_days"),
            (
                FileSpec(
                    "hourly",
                    "小时监测数据",
                    ("csv", "parquet"),
                    help="每行一个站点小时：station, time, so2 no2 pm10 pm2_5 co o3",
                ),
            ),
            (
                ParamSpec(
                    "edition",
                    "标准版本",
                    "choice",
                    "auto",
                    (
                        ("auto", "按日期（2026-03-01 起 HJ633-2026）"),
                        ("HJ633-2012", "HJ633-2012"),
                        ("HJ633-2026", "HJ633-2026"),
                    ),
                ),
                ParamSpec(
                    "area_method",
                    "区域值算法",
                    "choice",
                    "hourly",
                    (("hourly", "先小时均值（hourly）"), ("daily", "站点日均值平均（daily）")),
                ),
                ParamSpec("o3_start", "当日首个 O3 8 小时窗口起始小时", "int", 0, low=-7, high=0),
                ParamSpec("columns", "列名映射", "text", "", help="如 pm2_5=PM2.5,time=监测时间"),
            ),
            _air,
        ),
        Calculator(
            "water-sections",
            "地表水断面（监测数据 → 达到或优于Ⅲ类断面数）",
            "liangshan water sections",
            ("sw_sections_good", "sw_sections_total"),
            (WATER_FILE,),
            WATER_PARAMS,
            _water("sections"),
        ),
        Calculator(
            "water-sources",
            "集中式饮用水水源地（监测数据 → 达标水源地个数）",
            "liangshan water sources",
            ("dws_compliant", "dws_total"),
            (WATER_FILE,),
            WATER_PARAMS,
            _water("sources"),
            "达标率按水源地个数计（命令行的 --basis count）",
        ),
        Calculator(
            "water-groundwater",
            "地下水（监测数据 → 达到或优于Ⅲ类点位数）",
            "liangshan water groundwater",
            ("gw_points_good", "gw_points_total"),
            (WATER_FILE,),
            WATER_PARAMS,
            _water("groundwater"),
        ),
        Calculator(
            "land",
            "林草覆盖率（地类栅格 + 行政边界 → 森林、草地、国土面积）",
            "liangshan land coverage",
            ("forest_area_km2", "grass_area_km2", "land_area_km2"),
            (
                FileSpec("raster", "地类栅格", ("geotiff",), help="单波段整数地类代码，须有坐标系"),
                FileSpec("boundary", "行政边界", ("geojson", "gpkg")),
                FileSpec(
                    "classes", "地类对照表（可选）", ("csv",), False, "列 code,group[,name]；替换内置地类体系"
                ),
            ),
            (
                YEAR,
                ParamSpec(
                    "scheme",
                    "内置地类体系",
                    "choice",
                    "gbt21010-2017",
                    (
                        ("gbt21010-2017", "GB/T 21010-2017"),
                        ("clcd", "CLCD"),
                        ("esa-worldcover", "ESA WorldCover"),
                    ),
                ),
                ParamSpec(
                    "zone", "地形区", "text", "山区", help="山区、丘陵区、平原区，或 山区=0.7,丘陵区=0.3"
                ),
                ParamSpec("max_missing", "允许无地类面积占比上限（%）", "float", 1.0, low=0, high=100),
            ),
            _land,
            "栅格大小受上传上限限制；更大的栅格请用命令行",
        ),
        Calculator(
            "gep",
            "生态系统生产总值 GEP（参数工作簿 → 不变价 GEP、国土面积）",
            "liangshan gep",
            ("gep_constant", "land_area_km2"),
            (FileSpec("workbook", "参数工作簿", ("yaml", "xlsx")),),
            (
                ParamSpec(
                    "price_year", "不变价基年", "int", low=1990, high=2100, help="留空：工作簿中的 price_year"
                ),
                ParamSpec("year", "年份", "int", low=1990, high=2100, help="留空：工作簿中的每一年"),
            ),
            _gep,
            "需要栅格目录（--rasters）的核算请用命令行",
        ),
        Calculator(
            "survey",
            "公众满意度（问卷答案 → 满意样本数、有效样本数）",
            "liangshan survey",
            ("survey_satisfied", "survey_valid"),
            (
                FileSpec("responses", "问卷答案", ("csv",), help="列 answer[,township,urban_rural]，UTF-8"),
                FileSpec(
                    "weights",
                    "分层人口权重（可选）",
                    ("csv",),
                    False,
                    "列 township/urban_rural + population 或 weight",
                ),
            ),
            (
                YEAR,
                ParamSpec("top_box", "计为满意的前 N 档", "int", 3, low=1, high=4),
                ParamSpec("population", "调查总体人数 N（可选）", "float", low=1),
                ParamSpec("margin", "允许误差 e", "float", 0.05, low=0.001, high=0.5),
            ),
            _survey,
        ),
    )
}


def for_item(item: str) -> list[Calculator]:
    """The calculators whose output includes ``item`` (GEP also gives 国土面积 but is offered on GEP)."""
    out = [c for c in CALCULATORS.values() if item in c.elements]
    return [c for c in out if not (c.key == "gep" and item == "land_area_km2")]


def get(key: str, item: str) -> Calculator:
    calc = CALCULATORS.get(key)
    if calc is None or calc not in for_item(item):
        raise NotFoundError(f"数据项“{item}”没有计算器“{key}”")
    return calc


def pick(item: str, key: str | None) -> Calculator:
    calcs = for_item(item)
    if not calcs:
        raise NotFoundError(f"数据项“{item}”没有可用的原始数据计算器，请直接填报数值")
    return get(key, item) if key else calcs[0]


def defaults(ctx: WebContext, region: str) -> dict[str, Any]:
    """Defaults that depend on the region: the round's last year, the region's terrain zone."""
    with ctx.read() as s:
        rnd = current_round(s, region)
        reg = s.get(Region, region)
        zone = reg.terrain_zone if reg is not None and reg.terrain_zone else "山区"
    return {"round_year": rnd.end_year if rnd else None, "zone": zone}


def parse_params(calc: Calculator, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed parameters from form fields; :class:`EntryError` names the parameter."""
    out: dict[str, Any] = {}
    for p in calc.params:
        text = str(raw.get(p.key) or "").strip()
        if not text:
            if p.required:
                raise EntryError(f"请填写参数“{p.label}”")
            out[p.key] = p.default
            continue
        if p.kind == "choice":
            allowed = [v for v, _ in p.choices]
            if text not in allowed:
                raise EntryError(f"参数“{p.label}”应为 {'、'.join(allowed)} 之一，收到“{text[:40]}”")
            out[p.key] = text
        elif p.kind in ("int", "float"):
            try:
                num: float = int(text) if p.kind == "int" else float(text)
            except ValueError:
                raise EntryError(
                    f"参数“{p.label}”应为{'整数' if p.kind == 'int' else '数值'}，收到“{text[:40]}”"
                ) from None
            if num != num or (p.low is not None and num < p.low) or (p.high is not None and num > p.high):
                span = "、".join(
                    t for t in (
                        f"不小于 {p.low:g}" if p.low is not None else "",
                        f"不大于 {p.high:g}" if p.high is not None else "",
                    ) if t
                )  # fmt: skip
                raise EntryError(f"参数“{p.label}”应{span}，收到 {text[:40]}")
            out[p.key] = num
        else:
            if len(text) > 200 or any(ord(c) < 32 for c in text):
                raise EntryError(f"参数“{p.label}”过长或含控制字符")
            out[p.key] = text
    return out


# ------------------------------------------------------------------------------ preview and confirm
def _pending_root(ctx: WebContext) -> Path:
    d = ctx.files_dir / "calc-pending"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sweep(root: Path) -> None:
    """Forget previews older than :data:`PENDING_TTL` (best effort)."""
    now = time.time()
    for d in root.iterdir():
        try:
            if now - d.stat().st_mtime > PENDING_TTL:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


def _scrub(message: str, folder: Path) -> str:
    """Calculator messages name files by path: keep only the uploaded file's name."""
    text = re.sub(re.escape(str(folder)) + r"[\\/][^\\/\s]+[\\/]", "", message)
    return text.replace(str(folder), "")


def preview(
    ctx: WebContext,
    actor: Actor,
    *,
    region: str,
    item: str,
    calc_key: str | None,
    uploads: Mapping[str, CheckedUpload],
    raw_params: Mapping[str, Any],
) -> dict[str, Any]:
    """Compute and dry-run the save; keep the files under a token when something can be saved.

    Blocking (file I/O, the calculation): call it in a worker thread. Raises PermissionDenied,
    NotFoundError, EntryError (parameters) or :class:`CalcInputError` (the data); nothing is stored.
    """
    calc = pick(item, calc_key)
    check_edit(actor, ctx.catalog, region, item)
    params = parse_params(calc, raw_params)
    for f in calc.files:
        if f.required and f.key not in uploads:
            raise EntryError(f"请选择文件：{f.label}（{f.kinds_text}）")
    unknown = set(uploads) - {f.key for f in calc.files}
    if unknown:
        raise EntryError(f"计算器“{calc.title}”不需要文件：{'、'.join(sorted(unknown))}")
    root = _pending_root(ctx)
    _sweep(root)
    token = secrets.token_urlsafe(18)
    folder = root / token
    paths: dict[str, Path] = {}
    files: list[dict[str, Any]] = []
    keep = False
    try:
        for key, up in uploads.items():
            (folder / key).mkdir(parents=True)
            paths[key] = folder / key / up.filename
            paths[key].write_bytes(up.data)
            files.append({"key": key, "label": next(f.label for f in calc.files if f.key == key),
                          "filename": up.filename, "kind": up.kind, "content_type": up.content_type,
                          "size": len(up.data), "sha256": hashlib.sha256(up.data).hexdigest()})  # fmt: skip
        with _SLOTS:
            try:
                comp = calc.run(paths, params, region)
            except (EntryError, StoreError):
                raise
            except (ValueError, OSError) as exc:  # InputError, AirInputError, WaterInputError, … name the row
                raise CalcInputError(_scrub(str(exc), folder)) from None
            except Exception as exc:  # a parser's own error on a damaged file (YAML, Excel, GDAL …)
                log.warning(
                    "calculator %s failed on %s", calc.key, [f["filename"] for f in files], exc_info=True
                )
                names = "、".join(str(f["filename"]) for f in files)
                raise CalcInputError(
                    f"无法读取或计算文件 {names}：{_scrub(str(exc), folder)[:500]}（{type(exc).__name__}）"
                ) from None
        plan = _plan(ctx, actor, region, item, calc, comp)
        plan.update(
            {
                "files": files,
                "parameters": params,
                "warnings": [_scrub(w, folder) for w in comp.warnings],
                "token": None,
            }
        )
        if plan["can_confirm"]:
            plan["token"] = token
            rows = plan.pop("_rows")
            meta = {"user": actor.id, "region": region, "item": item, "calc": calc.key, "at": time.time(),
                    "files": files, "rows": rows, "plan": plan}  # fmt: skip
            (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            keep = True
        plan.pop("_rows", None)
        return plan
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _plan(
    ctx: WebContext, actor: Actor, region: str, item: str, calc: Calculator, comp: Computation
) -> dict[str, Any]:
    """Each computed element-year: saved (new version / unchanged, with the checks) or why not."""
    cat = ctx.catalog
    with ctx.read() as s:
        rnd = current_round(s, region)
        years = sorted({r.year for r in comp.results})
        latest = latest_map(s, region, years, calc.elements)
        closed_msg = round_denial(rnd, region, rnd.start_year if rnd else 0)  # no round, or closed
        rows: list[dict[str, Any]] = []
        for res in sorted(comp.results, key=lambda r: r.year):
            prov = res.provenance.model_dump(mode="json")
            for code, value in res.values.items():
                cur = latest.get((code, res.year))
                el = cat.element(code)
                row = {
                    "item": code, "name": el.name, "unit": el.unit, "year": res.year,
                    "value": value, "value_text": "" if value is None else plain_number(float(value)),
                    "current": None if cur is None else {"version": cur.version, "status": cur.status,
                                                         "value_text": fmt_value(cur)},
                    "provenance": prov, "expected_version": cur.version if cur else 0,
                    "action": "skip", "reason": "", "checks": [], "new_version": None,
                }  # fmt: skip
                why = edit_denial(actor, cat, region, code) or round_denial(rnd, region, res.year)
                if value is None:
                    why = "无计算值"
                elif why is None and cur is not None and cur.status == "approved":
                    why = f"第 {cur.version} 版已审核通过并锁定；如需修改，须由领导小组办公室说明理由重新打开"
                row["reason"] = why or ""
                row["action"] = "skip" if why else "write"
                rows.append(row)
        round_info = round_dict(rnd)
        round_span = round_years(rnd)
    writable = [r for r in rows if r["action"] == "write"]
    if writable:
        outcomes = save_computed(
            ctx, actor, region=region, action="save", dry_run=True,
            rows=[ComputedRow(r["item"], r["year"], r["value"], r["provenance"], r["expected_version"])
                  for r in writable],
        )  # fmt: skip
        for r, out in zip(writable, outcomes, strict=True):
            r["action"] = "new" if out.changed else "unchanged"
            r["new_version"] = out.submission["version"] if out.changed else None
            r["checks"] = [{"level": c.level, "message": c.message} for c in out.checks]
    errors = [c["message"] for r in rows for c in r["checks"] if c["level"] == "error"]
    by_year: dict[int, dict[str, Any]] = {}
    for res in sorted(comp.results, key=lambda r: r.year):
        by_year[res.year] = {
            "year": res.year,
            "standard": res.provenance.standard,
            "details": comp.details.get(res.year, {}),
            "indicators": _indicators(cat, res.values),
            "rows": [_public(r) for r in rows if r["year"] == res.year],
            "in_round": res.year in round_span,
        }
    to_write = sum(r["action"] == "new" for r in rows)
    return {
        "region": region,
        "item": item,
        "item_name": item_name(cat, item),
        "calculator": {"key": calc.key, "title": calc.title, "cli": calc.cli},
        "round": round_info,
        "closed": closed_msg,
        "years": list(by_year.values()),
        "to_write": to_write,
        "skipped": sum(r["action"] == "skip" for r in rows),
        "unchanged": sum(r["action"] == "unchanged" for r in rows),
        "errors": errors,
        "can_confirm": to_write > 0 and not errors,
        "_rows": [
            {k: r[k] for k in ("item", "year", "value", "provenance", "expected_version")}
            for r in rows
            if r["action"] == "new"
        ],
    }


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("provenance", "expected_version")}


def _indicators(cat: Catalog, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Ratio indicators computable from these values alone (e.g. 优良天数比例), for the preview, rounded
    to the indicator's reporting precision (GB/T 8170, as the assessment does)."""
    out = []
    for ind in cat.indicators:
        f = ind.formula
        codes = f.element_codes()
        if f.kind != "ratio" or not codes or not set(codes) <= set(values):
            continue
        den = sum(float(values[c] or 0) for c in f.denominator)
        if den > 0:
            num = sum(float(values[c] or 0) for c in f.numerator)
            out.append(
                {
                    "id": ind.id,
                    "name": ind.name,
                    "unit": ind.unit,
                    "value": round_half_even(num / den * f.scale, ind.precision),
                }
            )
    return out


def _meta(ctx: WebContext, actor: Actor, token: str) -> tuple[Path, dict[str, Any]]:
    if not _TOKEN.fullmatch(token or ""):
        raise StoreError("计算预览编号无效，请重新上传文件")
    folder = _pending_root(ctx) / token
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        raise StoreError("计算预览已过期或已确认，请重新上传文件")
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user") != actor.id:
        raise PermissionDenied("无权确认他人上传的计算预览（只能确认自己上传的）")
    return folder, meta


def pending_plan(ctx: WebContext, actor: Actor, token: str) -> dict[str, Any] | None:
    """The preview of a token still waiting (to show it again with the reason a confirm failed)."""
    try:
        _, meta = _meta(ctx, actor, token)
    except (StoreError, PermissionDenied):
        return None
    plan: dict[str, Any] | None = meta.get("plan")
    return plan


def confirm(ctx: WebContext, actor: Actor, token: str, action: str, note: str = "") -> dict[str, Any]:
    """Write a previewed calculation: one transaction, the raw files attached as evidence."""
    folder, meta = _meta(ctx, actor, token)
    if time.time() - float(meta.get("at", 0)) > PENDING_TTL:
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError("计算预览已超过 1 小时，请重新上传文件")
    uploads = []
    for f in meta["files"]:
        data = (folder / f["key"] / f["filename"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != f["sha256"]:
            raise StoreError(f"暂存的文件“{f['filename']}”已变化，请重新上传")
        uploads.append(CheckedUpload(f["filename"], f["kind"], f["content_type"], data))
    rows = [ComputedRow(r["item"], r["year"], r["value"], r["provenance"], r["expected_version"])
            for r in meta["rows"]]  # fmt: skip
    outcomes = save_computed(
        ctx, actor, region=meta["region"], rows=rows, action=action, note=note, uploads=uploads
    )
    shutil.rmtree(folder, ignore_errors=True)
    written = [o.submission for o in outcomes if o.changed]
    verb = "保存为草稿" if action == "save" else "提交审核"
    return {
        "region": meta["region"],
        "item": meta["item"],
        "written": len(written),
        "unchanged": len(outcomes) - len(written),
        "submission_ids": [s["id"] for s in written],
        "submissions": [o.submission for o in outcomes],
        "message": f"已将 {len(written)} 项计算结果{verb}（附原始数据文件及来源）"
        + (f"，{len(outcomes) - len(written)} 项无变化" if len(outcomes) > len(written) else ""),
    }
