"""Response models of the contributions to shared data elements (共同填报的分项数据和说明): the list the
lead unit reads beside its input (``/api/contributions``, and ``shared`` of ``/api/items/{item}``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ContributionEvidence(_Model):
    id: int
    filename: str
    size: int


class ContributionOut(_Model):
    """One cooperating unit's part of a shared data element for a year (never overwritten)."""

    id: int
    region: str
    element: str = Field(description="数据元素代码")
    year: int
    unit_id: int | None
    unit: str = Field(description="提交分项数据的配合单位")
    value: float | None = Field(description="分项数值（可空）")
    value_unit: str
    comment: str = Field(description="说明")
    evidence: ContributionEvidence | None = Field(description="佐证材料")
    created_by: str
    created_at: str


class ContributionList(_Model):
    """共同填报数据的分项数据和说明：牵头单位、配合单位和各单位已提交的分项（按时间先后）。"""

    region: str
    element: str
    name: str
    unit: str
    lead: str | None = Field(description="牵头单位（填报并提交数值）")
    cooperating: list[str] = Field(description="配合单位（提交分项数据或说明）")
    year: int | None = Field(description="年份（空：全部年份）")
    contributions: list[ContributionOut]


class SharedItem(_Model):
    """The entry page's part for a shared element: who leads, whether the user may contribute, and the
    contributions of the round's years."""

    lead: str | None
    cooperating: list[str]
    can_contribute: bool = Field(description="当前用户可提交分项数据（配合单位）")
    why_not: str | None = Field(description="不能提交分项数据的原因")
    is_lead: bool = Field(description="当前用户所在单位是牵头单位")
    contributions: list[ContributionOut]
