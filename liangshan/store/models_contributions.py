"""Contributions to a shared data element (共同填报的分项数据和说明).

A data element the catalog gives several suppliers has one lead unit (``DataElement.lead``, 牵头单位)
that enters and submits the value; every cooperating unit (配合单位) records its part — an optional
number, a comment, an evidence file — as a :class:`Contribution`. Contributions are append-only: a
new one never replaces an older one (both are kept and listed), and the store refuses to change or
delete a row (:mod:`liangshan.store.db`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liangshan.store.models import Base


class Contribution(Base):
    """One unit's part of a shared data element for a region-year."""

    __tablename__ = "contribution"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    unit_name: Mapped[str] = mapped_column(String(100))
    value_num: Mapped[float | None] = mapped_column(Float, default=None)
    value_unit: Mapped[str] = mapped_column(String(20), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
