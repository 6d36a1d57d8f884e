"""Official (published) figures beside the recomputed ones, and why they differ (对账).

At verification the experts compare 优良天数比例, the water ratios and 林草覆盖率 with the figures the
province or city published (环境质量公报, 月度/年度通报, 林草湿综合监测). A published figure is stored
as a reviewed value of the item ``official:N`` (indicator N): value, and in the submission's
provenance the publisher (发布单位), the document (文件或公报名称及文号), the publication date and the
unit's explanation; the document itself is an evidence file. It goes through the same workflow as
any value (save/submit → approve/return/reopen, versions, audit) — :func:`save_official` only adds
the published figure's own fields and checks, then calls :func:`~liangshan.services.values.save_computed`.

:func:`reconcile` feeds the CLI (``liangshan reconcile``) and the web (``/reconcile``,
``/api/reconcile``): per indicator and year the official figure, the recomputed value, the difference
(official − recomputed, both rounded to the reporting precision, GB/T 8170) and an explanation built
from the recomputed value's provenance (days excluded and why, missing hours, invalid days, sand-dust
days where recorded, stations and standard editions for air; sections, sources or points and the
excluded ones for water; the area method for land cover) plus the unit's note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.assess import Assessment, IndicatorResult, official_key, round_half_even
from liangshan.catalog.models import Catalog, Indicator
from liangshan.services.assessment import assess_region
from liangshan.services.checks import EntryError, check_note, parse_value
from liangshan.services.permissions import (
    Actor,
    check_edit,
    check_indicator,
    check_region,
    visible_indicators,
)
from liangshan.services.queries import evidence_dict, evidence_of
from liangshan.services.uploads import CheckedUpload
from liangshan.services.values import ComputedRow, EntryOutcome, save_computed
from liangshan.services.workspace import Workspace
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Submission
from liangshan.store.regions import get_region
from liangshan.store.submissions import latest

OFFICIAL_KIND = "official"
MAX_FIELD = 200  # characters of the publisher / document fields
USED_LABELS = {"official": "官方发布值", "recomputed": "复算值"}


@dataclass(frozen=True)
class OfficialInput:
    """What a unit enters for a published figure (besides value, indicator and year)."""

    publisher: str
    document: str
    published_on: str
    explanation: str = ""


def check_official(ind: Indicator, year: int, data: OfficialInput) -> dict[str, str]:
    """The published figure's fields, cleaned; :class:`EntryError` names the field that is wrong."""
    if ind.formula.kind != "ratio" and ind.formula.kind != "value":
        raise EntryError(f"指标{ind.id}“{ind.name}”不是数值型指标，不能录入官方发布值")
    fields = {"publisher": "发布单位", "document": "文件或公报名称及文号"}
    out: dict[str, str] = {}
    for key, label in fields.items():
        text = str(getattr(data, key) or "").strip()
        if not text:
            raise EntryError(f"请填写{label}")
        if len(text) > MAX_FIELD:
            raise EntryError(f"{label}最多 {MAX_FIELD} 字（现有 {len(text)} 字）")
        if any(ord(c) < 32 for c in text):
            raise EntryError(f"{label}含有不可见的控制字符")
        out[key] = text
    raw = str(data.published_on or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise EntryError(f"发布日期应为 年-月-日（如 2026-01-15），收到“{raw or '空'}”")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise EntryError(f"发布日期“{raw}”不是有效日期") from None
    if day.year < year:
        raise EntryError(f"发布日期 {raw} 早于数据年份 {year}年，请核对")
    out["published_on"] = raw
    out["explanation"] = check_note(data.explanation)
    return out


def save_official(
    ctx: Workspace,
    actor: Actor,
    *,
    region: str,
    indicator: int,
    year: int,
    value: Any,
    data: OfficialInput,
    action: str = "submit",
    uploads: Sequence[CheckedUpload] = (),
) -> EntryOutcome:
    """Save (draft) or submit indicator ``indicator``'s officially published figure for ``year`` as a
    new version of ``official:N``, with its publisher, document, date and explanation in the
    provenance and the uploaded document as evidence. Same permission, round, lock, version and value
    checks as any value (:func:`~liangshan.services.values.save_computed`); nothing is written when
    any of them fails."""
    try:
        ind = ctx.catalog.indicator(indicator)
    except (KeyError, ValueError):
        raise NotFoundError(f"未知指标：{indicator}") from None
    item = official_key(ind.id)
    check_edit(actor, ctx.catalog, region, item)
    fields = check_official(ind, year, data)
    parsed = parse_value(value, None, ind)
    with ctx.read() as s:
        get_region(s, region)
        prev = latest(s, region, item, year)
    provenance = {
        "kind": OFFICIAL_KIND,
        "official": fields,
        "indicator": ind.id,
        "entered_by": actor.username,
    }
    row = ComputedRow(item, year, parsed, provenance, prev.version if prev else 0)
    out = save_computed(
        ctx, actor, region=region, rows=[row], action=action, note=fields["explanation"], uploads=uploads
    )[0]
    with ctx.read() as s:
        sid = out.submission["id"]
        out.submission["evidence"] = [evidence_dict(e) for e in evidence_of(s, [sid])[sid]]
    return out


# -- explanations from the recomputed value's provenance ------------------------------------------


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def _dust_days(components: Mapping[str, Any]) -> Any:
    for key, v in components.items():
        if ("sand" in key or "dust" in key) and isinstance(v, int | float | list):
            return len(v) if isinstance(v, list) else v
    return None


def _air(prov: Mapping[str, Any], elements: Mapping[str, float], official: float | None) -> list[str]:
    comps = prov.get("components") or {}
    params = prov.get("parameters") or {}
    out = []
    days, valid, good = comps.get("days"), elements.get("air_valid_days"), elements.get("air_good_days")
    if days is not None and valid is not None:
        text = f"复算：全年 {_num(days)} 天，有效监测 {_num(valid)} 天"
        if good is not None:
            text += f"、优良 {_num(good)} 天"
        out.append(text)
    invalid = comps.get("invalid_days") or []
    if comps.get("invalid_day_count") or invalid:
        dates = "、".join(str(d.get("date")) for d in invalid[:6] if isinstance(d, Mapping))
        more = "等" if len(invalid) > 6 else ""
        out.append(
            f"无效日 {_num(comps.get('invalid_day_count', len(invalid)))} 天（{dates}{more}；"
            "有效小时数不足，HJ 663/GB 3095 数据有效性规定），不计入分母"
        )
        short = [
            str(d.get("reason"))
            for d in invalid[:1]
            if isinstance(d, Mapping) and d.get("reason") and "有效小时数" in str(d.get("reason"))
        ]
        if short:
            out.append(f"缺测小时示例：{short[0].split('；')[0]}")
    dust = _dust_days(comps)
    if dust:
        out.append(f"沙尘天气影响日 {_num(dust)} 天（按规定扣除）")
    if params.get("stations"):
        out.append(f"参与评价站点：{'、'.join(map(str, params['stations']))}")
    if prov.get("standard"):
        out.append(f"标准版本：{prov['standard']}")
    if official is not None and valid:
        implied = round_half_even(official / 100 * float(valid), 1)
        if good is None or abs(implied - float(good)) >= 0.5:
            out.append(
                f"按复算有效天数 {_num(valid)} 天，官方比例相当于优良约 {implied:g} 天"
                + (
                    f"（复算 {_num(good)} 天），差异多来自原始数据缺测日或数据审核修约"
                    if good is not None
                    else ""
                )
            )
    return out


WATER_PARTS = {2: ("drinking_water", "sources", "水源地"), 3: ("surface_water", "sections", "断面"),
               4: ("groundwater", "points", "点位")}  # fmt: skip


def _water(ind: Indicator, prov: Mapping[str, Any], elements: Mapping[str, float]) -> list[str]:
    comps = prov.get("components") or {}
    key, list_key, noun = WATER_PARTS[ind.id]
    nested = comps.get(key)
    part: Mapping[str, Any] = nested if isinstance(nested, Mapping) else comps
    out = []
    sites = part.get(list_key) or []
    num = sum(elements.get(c, 0.0) for c in ind.formula.numerator)
    den = sum(elements.get(c, 0.0) for c in ind.formula.denominator)
    out.append(f"复算：参与评价{noun} {_num(den)} 个，达到或优于III类（达标） {_num(num)} 个")
    bad = [
        f"{s.get('site')}（{s.get('class')}类）"
        for s in sites
        if isinstance(s, Mapping) and (s.get("compliant") is False or s.get("class") in ("Ⅳ", "Ⅴ", "劣Ⅴ"))
    ]
    if bad:
        out.append(f"未达标{noun}：{'、'.join(bad)}")
    excluded = part.get("excluded") or []
    if excluded:
        names = "、".join(str(e.get("site", e)) if isinstance(e, Mapping) else str(e) for e in excluded)
        out.append(f"未参与评价（剔除）的{noun}：{names}")
    if part.get("standard") or prov.get("standard"):
        out.append(f"标准版本：{part.get('standard') or prov.get('standard')}")
    return out


def _land(prov: Mapping[str, Any]) -> list[str]:
    comps = prov.get("components") or {}
    nested = comps.get("land_cover")
    lc: Mapping[str, Any] = nested if isinstance(nested, Mapping) else comps
    out = []
    if lc.get("land_area_km2") is not None:
        out.append(
            f"复算：国土面积 {round_half_even(float(lc['land_area_km2']), 2):g} km²，"
            f"森林 {round_half_even(float(lc.get('forest_area_km2', 0)), 2):g} km²，"
            f"草地 {round_half_even(float(lc.get('grass_area_km2', 0)), 2):g} km²"
        )
    method = lc.get("method") or {}
    if isinstance(method, Mapping):
        for key in ("zonal_statistics", "cell_area", "denominator"):
            if method.get(key):
                out.append(f"面积方法：{method[key]}")
    missing = lc.get("missing_area_km2")
    if isinstance(missing, int | float) and missing > 0.005:
        out.append(f"缺测面积 {round_half_even(float(missing), 2):g} km² 未计入分母")
    if prov.get("standard"):
        out.append(f"标准版本：{prov['standard']}")
    return out


def explain(
    ind: Indicator,
    prov: Mapping[str, Any] | None,
    elements: Mapping[str, float],
    official: float | None,
) -> list[str]:
    """Plain Chinese lines on how the recomputed value was obtained (from its provenance)."""
    if not prov:
        if elements:
            f = ind.formula
            num = sum(elements.get(c, 0.0) for c in f.numerator)
            den = sum(elements.get(c, 0.0) for c in f.denominator)
            return [f"复算值由各单位填报的数据计算（分子 {_num(num)}，分母 {_num(den)}），无计算来源记录"]
        return []
    if {"air_good_days", "air_valid_days"} & set(ind.formula.element_codes()):
        return _air(prov, elements, official)
    if ind.id in WATER_PARTS:
        return _water(ind, prov, elements)
    if "land_area_km2" in ind.formula.denominator and ind.formula.kind == "ratio":
        return _land(prov)
    lines = ["复算值由计算器按原始数据计算（来源记录见指标页）"]
    if prov.get("standard"):
        lines.append(f"标准版本：{prov['standard']}")
    return lines


# -- the reconciliation ---------------------------------------------------------------------------


def _shown(ind: Indicator, v: Any) -> float | bool | None:
    if v is None or isinstance(v, bool):
        return v
    return round_half_even(float(v), ind.precision)


def indicator_rows(
    ind: Indicator, result: IndicatorResult, subs: Mapping[tuple[str, int], Submission]
) -> list[dict[str, Any]]:
    """Per year: official figure and its document, recomputed value, difference, explanation."""
    rows = []
    for yv, off, chosen in zip(result.recomputed, result.official, result.years, strict=True):
        rec = _shown(ind, yv.value)
        off_v = None if off is None else _shown(ind, off.value)
        diff = None
        if isinstance(off_v, float) and isinstance(rec, float):
            diff = round_half_even(off_v - rec, ind.precision)
        elements = dict(yv.components.get("elements") or {}) if yv.components else {}
        prov = None
        for code in ind.formula.element_codes():
            sub = subs.get((code, yv.year))
            if sub is not None and sub.provenance:
                prov = sub.provenance
                break
        lines = explain(ind, prov, elements, float(off_v) if isinstance(off_v, float) else None)
        if yv.status == "missing":
            lines.insert(0, "复算值缺失：" + "；".join(yv.missing_labels or yv.missing))
        notes = []
        if off is not None and off.explanation:
            notes.append(off.explanation)
        rows.append(
            {
                "year": yv.year,
                "official": None if off is None else off.to_dict(ind),
                "recomputed": rec,
                "difference": diff,
                "difference_unit": "个百分点" if ind.unit == "%" else ind.unit,
                "used": "official" if chosen.source == "official" else "recomputed",
                "used_label": USED_LABELS["official" if chosen.source == "official" else "recomputed"],
                "explanation": lines,
                "unit_note": "；".join(notes),
            }
        )
    return rows


def reconcile_assessment(
    session: Session, catalog: Catalog, assessment: Assessment, indicators: Sequence[Indicator]
) -> list[dict[str, Any]]:
    """The reconciliation of ``indicators`` (in catalog order) from an assessment already made."""
    wanted = {i.id for i in indicators}
    out = []
    rows_by_item: dict[tuple[str, int], Submission] = {}
    codes = {c for i in indicators for c in i.formula.element_codes()}
    if codes:
        q = (
            select(Submission)
            .where(
                Submission.region_code == assessment.region.code,
                Submission.item_code.in_(sorted(codes)),
                Submission.year.in_(list(assessment.years)),
                Submission.status == "approved",
            )
            .order_by(Submission.version)
        )
        for sub in session.scalars(q):
            rows_by_item[(sub.item_code, sub.year)] = sub  # the newest approved version wins
    for r in assessment.results:
        ind = r.indicator
        if ind.id not in wanted:
            continue
        if ind.value_source != "official_first" and not any(o is not None for o in r.official):
            continue
        out.append(
            {
                "id": ind.id,
                "name": ind.name,
                "unit": ind.unit,
                "responsible_units": list(ind.responsible_units),
                "value_source": ind.value_source,
                "value_source_label": "优先采用官方发布值"
                if ind.value_source == "official_first"
                else "采用复算值（官方发布值仅供对照）",
                "verdict": r.verdict,
                "reason": r.judgement.reason,
                "years": indicator_rows(ind, r, rows_by_item),
            }
        )
    return out


def reconcile(
    ctx: Workspace,
    actor: Actor,
    region: str,
    years: Sequence[int],
    indicator: int | None = None,
) -> dict[str, Any]:
    """Official figures, recomputed values, differences and explanations of ``region`` over ``years``.

    Lists the indicators whose catalog prefers official figures and any other with a published figure
    approved; a unit sees only its own indicators (asking for another's is refused, HTTP 403).
    """
    check_region(actor, region)
    ys = sorted(set(years))
    if not ys:
        raise EntryError("年份不能为空")
    cat = ctx.catalog
    if indicator is not None:
        try:
            ind = cat.indicator(indicator)
        except (KeyError, ValueError):
            raise NotFoundError(f"未知指标：{indicator}（指标序号为 1–{len(cat.indicators)}）") from None
        check_indicator(actor, ind, region)
        inds = [ind]
    else:
        inds = visible_indicators(actor, cat)
    with ctx.read() as s:
        reg = get_region(s, region)
        a = assess_region(s, cat, region, ys)
        listed = reconcile_assessment(s, cat, a, inds)
        name = reg.name
    return {"region": {"code": region, "name": name}, "years": ys, "indicators": listed}


def default_years(ctx: Workspace, region: str) -> list[int]:
    """The years of the region's open assessment round (the window the experts verify)."""
    from liangshan.store.regions import open_round

    with ctx.read() as s:
        get_region(s, region)
        rnd = open_round(s, region, None)
        return list(range(rnd.start_year, rnd.end_year + 1))
