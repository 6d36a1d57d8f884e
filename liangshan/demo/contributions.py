"""The demo's shared data element (共同填报): 居民人均生态产品产值 2025 (示例数据).

The catalog names 统计局 the lead unit (``lead``) and 农业农村局, 文化广电和旅游局 and 林业局 the
cooperating units. Each cooperating unit contributes its part with a comment (文化广电和旅游局 also a
示例佐证材料 file); then 统计局 submits the value — the sum of the parts — for review. The value stays
submitted (not approved), so indicator 11 still shows 数据缺失 in the official assessment until the
office approves it, as the demo intends (``manual.py``: 统计局 has not supplied 2025 yet).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from liangshan.catalog import Catalog
from liangshan.store.evidence import store_evidence
from liangshan.store.models_contributions import Contribution
from liangshan.store.regions import find_unit
from liangshan.store.submissions import audit, submit_value

ELEMENT = "eco_product_output_per_capita"
YEAR = 2025
# cooperating unit → (part in 元 per resident, comment); synthetic figures (示例数据)
PARTS: dict[str, tuple[float, str]] = {
    "农业农村局": (2_310.0, "示例数据：生态农业（绿色有机农产品、特色种养）人均产值，口径同农业总产值"),
    "文化广电和旅游局": (1_520.0, "示例数据：生态旅游人均收入，按全县接待人次和旅游消费测算"),
    "林业局": (1_260.0, "示例数据：林下经济和林产品（食用菌、中药材、核桃等）人均产值"),
}
EVIDENCE_UNIT = "文化广电和旅游局"


def seed_contributions(
    session: Session,
    clock: Iterator[datetime],
    *,
    catalog: Catalog,
    users: dict[str, str],
    region: str,
    evidence_dir: Path | None,
) -> float:
    """Store the three cooperating units' parts and the lead unit's submitted value; returns the value."""
    el = catalog.element(ELEMENT)
    for name, (part, comment) in PARTS.items():
        assert name in el.cooperating, f"{name} 不是 {el.name} 的配合单位"
        unit = find_unit(session, region, name)
        user = users.get(name, "system")
        at = next(clock)
        ev_id = None
        if evidence_dir is not None and name == EVIDENCE_UNIT:
            text = f"示例佐证材料（示例数据）：{name} {YEAR}年{el.name}分项测算表。\n"
            ev = store_evidence(
                session, evidence_dir, text.encode(), f"{name}{YEAR}年分项测算表.txt", "text/plain",
                region=region, user=user, unit_id=unit.id if unit else None, at=at,
            )  # fmt: skip
            ev_id = ev.id
        c = Contribution(
            region_code=region, item_code=ELEMENT, year=YEAR, unit_id=unit.id if unit else None,
            unit_name=name, value_num=part, value_unit=el.unit, comment=comment, evidence_id=ev_id,
            created_by=user, created_at=at,
        )  # fmt: skip
        session.add(c)
        session.flush()
        after = {"region": region, "element": ELEMENT, "year": YEAR, "unit": name, "value": part}
        audit(session, user, "contribute", "contribution", c.id, after=after, at=at)
    total = sum(p for p, _ in PARTS.values())
    lead = el.lead or ""
    submit_value(
        session,
        region=region,
        item=ELEMENT,
        year=YEAR,
        value=total,
        user=users.get(lead, "system"),
        unit=el.unit,
        note=f"示例数据：汇总{'、'.join(PARTS)}的分项数据",
        status="submitted",
        at=next(clock),
    )
    return total
