"""Officially published figures of the 卢氏县 demo, and indicator 1's improvement-target yes/no (示例数据).

The province and the city publish 优良天数比例 (环境质量公报), the surface-water ratio (月度/年度水质
通报) and 林草覆盖率 (林草湿综合监测); the experts compare them with the county's recomputation. The
figures here are synthetic (示例数据, 文号 are examples) and differ slightly from what the demo's raw data
give, for reasons an auditor meets in practice: the published air figure counts days the county's
raw file lacks, the provincial water bulletin evaluates one provincial section more, the forestry
monitoring uses the 国土变更调查 area. None of them changes a verdict of the demo's 2023–2025 window
(2025: 91.5% > 90%, 100% > 90%, 70.2% > 60%).

Indicator 1 also requires 完成上级下达的改善目标 (docs/assessment.md): the demo records it as met
for every year, with the city's target document as evidence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from liangshan.assess.values import official_key
from liangshan.catalog.models import Catalog
from liangshan.store.evidence import store_evidence
from liangshan.store.regions import find_unit
from liangshan.store.submissions import submit_value, transition

REGION = "411224"
OFFICE = "office"
EPB = "市生态环境局卢氏分局"
FORESTRY = "林业局"
TARGET_ELEMENT = "air_improvement_target_met"
TARGET_YEARS = (2020, 2021, 2022, 2023, 2024, 2025)

# (indicator, year) → (value, publisher, document, publication date, explanation by the unit)
FIGURES: dict[tuple[int, int], tuple[float, str, str, str, str]] = {
    (1, 2023): (
        89.9,
        "三门峡市生态环境局",
        "《2023年三门峡市生态环境状况公报》（示例文号）",
        "2024-05-30",
        "公报按全年 365 天有效、优良 328 天计算；县级原始数据缺 5 天，按市监测站审核数据均为优良",
    ),
    (1, 2024): (
        91.8,
        "三门峡市生态环境局",
        "《2024年三门峡市生态环境状况公报》（示例文号）",
        "2025-05-28",
        "公报按 366 天有效、优良 336 天计算；县级原始数据缺 4 天",
    ),
    (1, 2025): (
        91.5,
        "三门峡市生态环境局",
        "三门峡市2025年12月及1—12月环境空气质量通报（示例文号）",
        "2026-01-15",
        "通报按 365 天有效、优良 334 天计算；县级原始数据缺 3 天，其中 2 天为优良",
    ),
    (3, 2023): (
        100.0,
        "河南省生态环境厅",
        "河南省2023年12月及1—12月地表水水质状况通报（示例文号）",
        "2024-01-20",
        "与复算一致",
    ),
    (3, 2024): (
        88.9,
        "河南省生态环境厅",
        "河南省2024年12月及1—12月地表水水质状况通报（示例文号）",
        "2025-01-22",
        "通报评价 9 个断面（含省控洛河故县水库入口断面，县级未监测），8 个达到或优于III类",
    ),
    (3, 2025): (
        100.0,
        "河南省生态环境厅",
        "河南省2025年12月及1—12月地表水水质状况通报（示例文号）",
        "2026-01-21",
        "与复算一致",
    ),
    (7, 2023): (
        69.8,
        "河南省林业局",
        "2023年度河南省林草湿综合监测成果（卢氏县）（示例文号）",
        "2024-09-10",
        "综合监测以国土变更调查面积为分母（椭球面积），复算用等积投影栅格面积",
    ),
    (7, 2024): (
        70.0,
        "河南省林业局",
        "2024年度河南省林草湿综合监测成果（卢氏县）（示例文号）",
        "2025-09-12",
        "综合监测以国土变更调查面积为分母（椭球面积），复算用等积投影栅格面积",
    ),
    (7, 2025): (
        70.2,
        "河南省林业局",
        "2025年度河南省林草湿综合监测成果（卢氏县）（示例文号）",
        "2026-03-01",
        "综合监测以国土变更调查面积为分母，其他林地口径与复算不同",
    ),
}
TARGET_DOCUMENT = "三门峡市环境空气质量改善目标任务书（{year}年，示例文号）"


def _username(session: Session, unit_name: str, users: Mapping[str, str]) -> str:
    unit = find_unit(session, REGION, unit_name)
    return users[unit.name] if unit is not None and unit.name in users else OFFICE


def seed_official(
    session: Session,
    clock: Iterator[datetime],
    *,
    catalog: Catalog,
    users: Mapping[str, str],
    evidence_dir: Path,
    years: Sequence[int] = TARGET_YEARS,
    figures: bool = True,
    evidence: bool = True,
) -> list[int]:
    """Record the demo's approved official figures (with ``figures``) and the improvement-target yes/no
    for ``years``; returns the years whose yes/no was recorded. Each value is entered by its unit with
    the document as evidence (without ``evidence``: no files) and approved by the office, like any value."""
    for (ind_id, year), (value, publisher, document, published, explanation) in FIGURES.items():
        if not figures:
            break
        ind = catalog.indicator(ind_id)
        user = _username(session, ind.lead_unit, users)
        text = f"示例佐证材料（示例数据）：{publisher}{document}，{year}年指标{ind_id}“{ind.name}”{value}%\n"
        ev = store_evidence(
            session,
            evidence_dir,
            text.encode(),
            f"指标{ind_id}官方发布值{year}年公报.txt",
            "text/plain",
            region=REGION,
            user=user,
            at=next(clock),
        )
        prov = {
            "kind": "official",
            "official": {
                "publisher": publisher,
                "document": document,
                "published_on": published,
                "explanation": explanation,
            },
            "indicator": ind_id,
            "entered_by": user,
            "data": "示例数据（合成，非官方）",
        }
        sub = submit_value(
            session,
            region=REGION,
            item=official_key(ind_id),
            year=year,
            value=value,
            user=user,
            unit=ind.unit,
            note=explanation,
            provenance=prov,
            evidence_ids=[ev.id],
            at=next(clock),
        )
        transition(session, sub.id, "approve", OFFICE, at=next(clock))
    el = catalog.element(TARGET_ELEMENT)
    user = _username(session, el.suppliers[0], users)
    for year in years:
        doc = TARGET_DOCUMENT.format(year=year)
        proof = []
        if evidence:
            ev = store_evidence(
                session,
                evidence_dir,
                f"示例佐证材料（示例数据）：{doc}及完成情况。\n".encode(),
                f"空气质量改善目标任务书{year}年.txt",
                "text/plain",
                region=REGION,
                user=user,
                at=next(clock),
            )
            proof.append(ev.id)
        sub = submit_value(
            session,
            region=REGION,
            item=TARGET_ELEMENT,
            year=year,
            value=True,
            user=user,
            note=f"示例数据：已完成{doc}下达的改善目标",
            evidence_ids=proof,
            at=next(clock),
        )
        transition(session, sub.id, "approve", OFFICE, at=next(clock))
    return list(years)
