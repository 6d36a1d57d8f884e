"""After naming (命名后管理): the base's status and dates, the register of incidents and 督察 findings.

Basis: 《“绿水青山就是金山银山”实践创新基地建设管理规程》 (生态环境部, issued 2024-02-01, replacing the
2019 试行 version the seed cites). See :mod:`liangshan.services.base_status` and
:mod:`liangshan.services.incidents`; docs/after-naming.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liangshan.store.models import Base

#: The vocabularies of the after-naming records, defined once here (the store layer) for the services
#: (:mod:`liangshan.services.base_status`, :mod:`liangshan.services.incidents`) and the region bundles
#: (:mod:`liangshan.store.bundle`), which check imported records against them.
BASE_STATUSES = ("创建中", "已申报", "已命名", "复核中", "复核通过", "撤销")
INCIDENT_KINDS = ("重特大突发环境事件", "中央生态环境保护督察", "省级督察", "其他")
INCIDENT_STATES = ("整改中", "已整改", "逾期")


class BaseStatus(Base):
    """The current status of a region's 两山 base (one row per region; every change is audited).

    ``status`` is one of 创建中 / 已申报 / 已命名 / 复核中 / 复核通过 / 撤销; dates are ISO ``YYYY-MM-DD``
    (or ``YYYY``/``YYYY-MM``); the year of ``named_on`` is the naming baseline year. ``example`` marks
    invented demo dates (示例).
    """

    __tablename__ = "base_status"
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    started_on: Mapped[str | None] = mapped_column(String(10), default=None)
    applied_on: Mapped[str | None] = mapped_column(String(10), default=None)
    applied_doc: Mapped[str] = mapped_column(String(300), default="")
    named_on: Mapped[str | None] = mapped_column(String(10), default=None)
    named_doc: Mapped[str] = mapped_column(String(300), default="")
    reviewed_on: Mapped[str | None] = mapped_column(String(10), default=None)
    review_doc: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Incident(Base):
    """One incident or 督察 finding of a region (问题整改台账). The row never changes after it is
    written; its rectification status is the newest :class:`IncidentUpdate` (append-only history)."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible_unit: Mapped[str] = mapped_column(String(100))
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentUpdate(Base):
    """One entry of an incident's rectification history: status (整改中 / 已整改 / 逾期), due date,
    note and evidence, who and when. Append-only: the newest entry is the incident's state."""

    __tablename__ = "incident_update"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[str | None] = mapped_column(String(10), default=None)
    done_on: Mapped[str | None] = mapped_column(String(10), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
