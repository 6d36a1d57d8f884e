"""示例数据: a few actual values of the 卢氏县 plan's commitments, reported by their lead units and
reviewed by the office, so the pages show every state (已达到, 未达到, 待审核, 未报送)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.permissions import actor_for_user
from liangshan.store.models import User
from liangshan.store.models_workplan import WpCommitment
from liangshan.workplan.commitments import report_actual, review_actual

REGION = "411224"
OFFICE = "office"
REPORTED_FROM = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # the year's values are reported after it ends
# (commitment code, year, value, evidence, review: approve | None = left for review) — 示例数据
ACTUALS: tuple[tuple[str, int, float | bool, str, str | None], ...] = (
    ("member_contacts", 2024, 100, "2024年成员单位主管领导和联络员名单（示例数据）", "approve"),
    ("air_grade2_county", 2024, True, "2024年卢氏县环境空气质量达标评价（示例数据）", "approve"),
    ("shiitake_scale", 2024, 3.2, "2024年食用菌生产统计年报（示例数据）", "approve"),
    ("shiitake_scale", 2025, 3.3, "2025年食用菌生产统计年报（示例数据）", "approve"),
    ("walnut_area", 2024, 100, "2024年核桃种植面积台账（示例数据）", "approve"),
    ("forsythia_area", 2025, 102, "2025年连翘种植面积与提质增效台账（示例数据）", "approve"),
    ("rural_waste_coverage", 2025, 96.5, "2025年农村生活垃圾收运处置体系覆盖村庄台账（示例数据）", "approve"),
    ("national_garden_county", 2025, False, "2025年国家园林县城创建申报进展说明（示例数据）", None),
)


def _username(session: Session, unit_id: int) -> str:
    user = session.scalars(select(User).where(User.unit_id == unit_id, User.role == "unit")).first()
    return user.username if user else OFFICE


def seed_commitment_actuals(session: Session, start: datetime = REPORTED_FROM, region: str = REGION) -> None:
    """Report the :data:`ACTUALS` as their lead units (the office where a unit has no account) and
    approve those marked ``approve`` as the office, at ``start`` + 1 min, + 2 min … (a clock of their own,
    so the rest of the demo keeps its times)."""
    ticks = (start + timedelta(minutes=i) for i in range(1, 1000))
    clock = iter(ticks)
    office = actor_for_user(session, OFFICE)
    for code, year, value, evidence, review in ACTUALS:
        c = session.scalars(
            select(WpCommitment).where(WpCommitment.region_code == region, WpCommitment.code == code)
        ).one()
        actor = actor_for_user(session, _username(session, c.lead_unit_id))
        row = report_actual(session, actor, region, code, year, value, evidence=evidence, at=next(clock))
        if review:
            review_actual(session, office, row.id, review, at=next(clock))
