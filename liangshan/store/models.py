"""Database models (SQLAlchemy 2.0). SQLite (WAL) by default, PostgreSQL by URL.

Submissions are append-only: a change is a new row with ``version + 1``; value columns of an
existing row can never be updated (enforced in :mod:`liangshan.store.db`). Review state changes
(submitted → approved / returned) are recorded as :class:`Review` rows and in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Region(Base):
    """An administrative region (GB/T 2260 code)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))  # province | city | county | township
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), default=None)
    terrain_zone: Mapped[str | None] = mapped_column(String(10), default=None)  # 山区 | 丘陵区 | 平原区
    zone_shares: Mapped[dict[str, float] | None] = mapped_column(JSON, default=None)
    land_area_km2: Mapped[float | None] = mapped_column(Float, default=None)
    population: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class Unit(Base):
    """A 责任单位 (or township government, or the leading group office) of a region."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("region_code", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    name: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(20), default="department")  # department | township | office
    member_of_group: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # office | unit | reviewer | leader | analyst | system
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # set on accounts given a shared (demo) password: the web asks for a new one before anything else
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    unit: Mapped[Unit | None] = relationship()


class UserSession(Base):
    """A signed-in browser or API client. The cookie carries the random id; only its sha256 is stored.

    A session ends at ``expires_at``, or when revoked (logout, password change, an administrator)."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class GroupMember(Base):
    """A person of the leading group (领导小组) or its office, as in 附件1 of the work plan."""

    __tablename__ = "group_member"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    position: Mapped[str] = mapped_column(String(20))  # 组长 | 副组长 | 办公室主任 | 办公室副主任
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class AssessmentRound(Base):
    """An assessment round (评估批次): which years, deadline, state."""

    __tablename__ = "assessment_round"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    name: Mapped[str] = mapped_column(String(100))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[str | None] = mapped_column(String(10), default=None)  # ISO date
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | closed


class TargetOverride(Base):
    """A region's own target for an indicator (its plan), without editing the shared catalog."""

    __tablename__ = "target_override"
    __table_args__ = (UniqueConstraint("region_code", "indicator_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    indicator_id: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


class Submission(Base):
    """One version of a value of a data element (or an indicator) for a region-year. Append-only."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("region_code", "item_code", "year", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)  # element code or "indicator:N"
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    value_num: Mapped[float | None] = mapped_column(Float, default=None)
    value_bool: Mapped[bool | None] = mapped_column(Boolean, default=None)
    value_unit: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # draft|submitted|approved|returned
    round_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_round.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def value(self) -> float | bool | None:
        return self.value_bool if self.value_bool is not None else self.value_num


class Review(Base):
    """A review state change of a submission (submitted → approved / returned, reopened)."""

    __tablename__ = "review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # approve | return | reopen
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Evidence(Base):
    """An evidence file, stored content-addressed by sha256."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubmissionEvidence(Base):
    __tablename__ = "submission_evidence"
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)


class AuditLog(Base):
    """Who did what, when, to which record, with the previous and new state."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")


class TitleAward(Base):
    """A title or brand a region holds (称号登记簿): 国家生态文明建设示范区, 中国天然氧吧 …

    ``level`` is 国际 | 国家 | 省; dates are ISO ``YYYY-MM-DD`` (``valid_until`` empty: no expiry).
    ``example`` marks a demo entry not verified against its document (shown as 示例). Indicator 16
    reads the register (see :mod:`liangshan.services.titles`).
    """

    __tablename__ = "title_award"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    awarding_body: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(String(300))
    awarded_on: Mapped[str] = mapped_column(String(10))
    valid_until: Mapped[str | None] = mapped_column(String(10), default=None)
    evidence: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegionCatalog(Base):
    """The indicator set a region is assessed by (``liangshan/catalog/*.yaml`` ``framework``); a region
    without a row uses the base set. A table of its own, so the region table keeps its columns."""

    __tablename__ = "region_catalog"
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    catalog_set: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


from liangshan.store import models_after, models_contributions, models_workplan  # noqa: E402,F401
