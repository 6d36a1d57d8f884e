"""Typed models of the indicator catalog (pydantic v2)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RuleName = Literal[
    "threshold", "equals", "steady_improvement", "not_decrease", "obtained", "established", "zoned_threshold"
]
ElementKind = Literal["number", "count", "boolean"]
ValueSource = Literal["official_first", "recomputed"]
BasisKind = Literal["official", "convention"]
BASIS_LABELS = {"official": "官方规定", "convention": "本系统约定"}
ObtainedMode = Literal["held", "won_in_window"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Goal(_Frozen):
    code: str
    name: str


class Category(_Frozen):
    code: str
    goal: str
    name: str


class DataElement(_Frozen):
    """A figure a unit supplies (e.g. GDP), defined once and reused by several indicators.

    ``suppliers`` are the units that supply the figure; ``lead`` (牵头单位) is the one unit among them
    that enters and submits the value — the others (配合单位) contribute their parts or comments
    (``liangshan/services/contributions.py``). When the catalog omits ``lead`` it is the first
    supplier; a ``lead`` that is not one of the suppliers is refused.
    """

    code: str
    name: str
    unit: str
    kind: ElementKind
    min: float = 0.0
    max: float | None = None
    suppliers: tuple[str, ...] = ()
    #: decimals the value is shown with (dashboard, indicator page); None: a count as a whole number,
    #: money (万元、元、亿元) to 2 decimals, anything else as entered (at most 4). Display only: values are
    #: stored and assessed unrounded.
    decimals: int | None = Field(default=None, ge=0, le=6)
    lead: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_lead(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("lead") and data.get("suppliers"):
            return {**data, "lead": next(iter(data["suppliers"]))}
        return data

    @model_validator(mode="after")
    def _check_lead(self) -> DataElement:
        if self.lead is not None and self.lead not in self.suppliers:
            raise ValueError(
                f"数据元素 {self.code}（{self.name}）的牵头单位 {self.lead} 不在填报单位"
                f"（{'、'.join(self.suppliers) or '无'}）之中"
            )
        return self

    @property
    def shared(self) -> bool:
        """Supplied by more than one unit: a lead unit and cooperating units (共同填报)."""
        return len(self.suppliers) > 1

    @property
    def cooperating(self) -> tuple[str, ...]:
        """The suppliers other than the lead (配合单位)."""
        return tuple(s for s in self.suppliers if s != self.lead)


class RuleBasis(_Frozen):
    """Where a verdict rule comes from.

    ``official``: a published document settles the rule (``document`` and ``clause`` name it);
    ``convention`` (本系统约定): the seed's 附件2 gives only the target words (稳定提高, 获得, 建立实施 …) and
    the published 两山指数 annex leaves method, weights and grading to provincial guidance, so the
    system chose a reading — ``text`` gives the reasoning and ``alternatives`` the other readings
    (most of them selectable as :class:`Target` parameters).
    """

    kind: BasisKind
    text: str
    document: str = ""
    clause: str = ""
    alternatives: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> RuleBasis:
        if self.kind == "official" and not self.document:
            raise ValueError(f"规则依据“{self.text}”：官方规定须写明文件 document")
        if self.kind == "convention" and not self.alternatives:
            raise ValueError(f"规则依据“{self.text}”：本系统约定须列出其他可选口径 alternatives")
        return self

    @property
    def label(self) -> str:
        return BASIS_LABELS[self.kind]

    def source(self) -> str:
        """The document and clause in one line (empty for a convention)."""
        return "".join(x for x in (self.document, f"，{self.clause}" if self.clause else "") if x)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "label": self.label,
            "text": self.text,
            "document": self.document,
            "clause": self.clause,
            "alternatives": list(self.alternatives),
        }


class Target(_Frozen):
    """The target as the seed writes it (``text``) and the machine rule with its parameters.

    ``op`` is ``">"`` (strict) or ``">="``; ``value`` the threshold; ``zones`` the thresholds per
    terrain zone for ``zoned_threshold``; ``tolerance`` the allowed shortfall for ``not_decrease``
    and for ``steady_improvement``; ``ceiling`` a value at which holding steady counts as improving.
    ``obtained`` chooses the reading of 获得: ``held`` (default) — the region holds at least one
    valid national or international title in the evaluation year, read from the title register;
    ``won_in_window`` — at least one title newly won within the window (the yearly counts).
    """

    text: str
    rule: RuleName
    op: Literal[">", ">="] | None = None
    value: float | None = None
    zones: dict[str, float] | None = None
    tolerance: float = 0.0
    ceiling: float | None = None
    mode: Literal["no_decline", "latest_vs_base", "ols_slope"] = "no_decline"
    baseline: float | None = None
    require_evidence: bool = False
    na_counts_as_pass: bool = False
    obtained: ObtainedMode = "held"

    @model_validator(mode="after")
    def _check(self) -> Target:
        if self.rule in ("threshold", "zoned_threshold") and self.op is None:
            raise ValueError(f"目标“{self.text}”：阈值规则须给出比较符 op")
        if self.rule in ("threshold", "equals") and self.value is None:
            raise ValueError(f"目标“{self.text}”：须给出目标值 value")
        if self.rule == "zoned_threshold" and not self.zones:
            raise ValueError(f"目标“{self.text}”：分区阈值须给出 zones")
        return self


class Formula(_Frozen):
    """How an indicator's value comes from data elements.

    ``ratio``: Σnumerator ÷ Σdenominator × scale (also across regions/years when aggregated);
    ``value``: one element as is; ``count``: a per-year count (the 获得 rule sums it over the
    window); ``all_true``: every listed boolean element is true in the year.
    """

    kind: Literal["ratio", "value", "count", "all_true"]
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    element: str | None = None
    elements: tuple[str, ...] = ()

    def element_codes(self) -> tuple[str, ...]:
        if self.kind == "ratio":
            return self.numerator + self.denominator
        if self.kind in ("value", "count"):
            return (self.element,) if self.element else ()
        return self.elements


class Condition(_Frozen):
    """A further condition the verdict requires besides the target (e.g. indicator 1's
    完成上级下达的改善目标): a boolean data element that must be true in the evaluation year.

    ``text`` is the condition as the seed writes it; with ``require_evidence`` a true value without
    an evidence file (the document that set the target) does not count.
    """

    element: str
    text: str
    require_evidence: bool = False


class Indicator(_Frozen):
    """One indicator of the catalog.

    ``value_source`` says which value is judged when an officially published figure (item
    ``official:N``: 环境质量公报, 通报, 林草湿综合监测 …) has been approved for a year:
    ``official_first`` uses the published figure and shows the recomputation beside it,
    ``recomputed`` always judges the value computed from the data elements (the published figure,
    if any, is only shown). ``conditions`` are further boolean conditions of the verdict.
    ``rule_basis`` overrides the catalog's basis of the indicator's rule (``Catalog.rule_bases``).
    """

    id: int
    name: str
    category: str
    unit: str
    precision: int = 1
    max_value: float | None = None
    target: Target
    responsible_units: tuple[str, ...]
    formula: Formula
    definition: str = ""
    standards: tuple[str, ...] = ()
    value_source: ValueSource = "recomputed"
    conditions: tuple[Condition, ...] = ()
    rule_basis: RuleBasis | None = None

    @property
    def lead_unit(self) -> str:
        return self.responsible_units[0]


class Catalog(_Frozen):
    """An indicator set: ``framework`` is the set's id, with its ``version`` and ``title`` (its name).

    A provincial variant names its base in ``extends`` (resolved by the loader: the base's goals,
    categories, elements and indicators plus the variant's additions). ``rule_bases`` gives the basis
    of every verdict rule (an indicator may override it with its own ``rule_basis``).
    """

    framework: str
    version: str
    title: str
    source: str
    extends: str | None = None
    note: str = ""
    rule_bases: dict[RuleName, RuleBasis] = Field(default_factory=dict)
    goals: tuple[Goal, ...]
    categories: tuple[Category, ...]
    data_elements: tuple[DataElement, ...]
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        goals = {g.code for g in self.goals}
        cats = {c.code for c in self.categories}
        elems = {e.code for e in self.data_elements}
        for c in self.categories:
            if c.goal not in goals:
                raise ValueError(f"类别 {c.code} 引用了不存在的目标 {c.goal}")
        ids = [i.id for i in self.indicators]
        if len(ids) != len(set(ids)):
            raise ValueError("指标序号重复")
        if len(elems) != len(self.data_elements):
            raise ValueError("数据元素代码重复")
        unbased = sorted(
            {i.target.rule for i in self.indicators if i.rule_basis is None} - set(self.rule_bases)
        )
        if unbased:
            raise ValueError(f"以下评价规则未写明依据（官方规定或本系统约定）：{'、'.join(unbased)}")
        for ind in self.indicators:
            if ind.category not in cats:
                raise ValueError(f"指标 {ind.id} 引用了不存在的类别 {ind.category}")
            missing = [c for c in ind.formula.element_codes() if c not in elems]
            if missing or not ind.formula.element_codes():
                raise ValueError(f"指标 {ind.id} 的公式引用了不存在的数据元素 {missing}")
            for cond in ind.conditions:
                if cond.element not in elems:
                    raise ValueError(f"指标 {ind.id} 的附加条件引用了不存在的数据元素 {cond.element}")
                if self.element(cond.element).kind != "boolean":
                    raise ValueError(f"指标 {ind.id} 的附加条件 {cond.element} 须为是/否数据元素")
        return self

    # -- look-ups -------------------------------------------------------------------------------
    @property
    def set_id(self) -> str:
        return self.framework

    def identity(self) -> dict[str, str]:
        """``{id, version, name}`` of this indicator set (as ``assess --json`` prints it)."""
        return {"id": self.framework, "version": self.version, "name": self.title}

    def basis_of(self, ind: Indicator, target: Target | None = None) -> RuleBasis:
        """The basis of the rule that judges ``ind`` (``target``: the effective target, which a
        region's override may have given another rule)."""
        rule = (target or ind.target).rule
        if ind.rule_basis is not None and rule == ind.target.rule:
            return ind.rule_basis
        if rule in self.rule_bases:
            return self.rule_bases[rule]
        raise KeyError(f"评价规则 {rule} 未写明依据")

    def indicator(self, ident: int | str) -> Indicator:
        key = int(ident)
        for ind in self.indicators:
            if ind.id == key:
                return ind
        raise KeyError(f"未知指标：{ident}")

    def element(self, code: str) -> DataElement:
        for e in self.data_elements:
            if e.code == code:
                return e
        raise KeyError(f"未知数据元素：{code}")

    def category(self, code: str) -> Category:
        return next(c for c in self.categories if c.code == code)

    def goal(self, code: str) -> Goal:
        return next(g for g in self.goals if g.code == code)

    def goal_of(self, ind: Indicator) -> Goal:
        return self.goal(self.category(ind.category).goal)

    def indicators_using(self, element_code: str) -> list[Indicator]:
        return [i for i in self.indicators if element_code in i.formula.element_codes()]

    def indicators_conditioned_on(self, element_code: str) -> list[Indicator]:
        """Indicators whose verdict has ``element_code`` as a further condition."""
        return [i for i in self.indicators if any(c.element == element_code for c in i.conditions)]
