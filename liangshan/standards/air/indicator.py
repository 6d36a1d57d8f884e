"""Hand-over of 优良天数比例 (indicator 1) to the store: one :class:`ComputedValues` per year.

Data elements: ``air_good_days`` (优良天数) and ``air_valid_days`` (有效监测天数); the indicator is their
ratio (docs/air.md). The provenance carries the input hashes, editions, parameters and the components an
auditor needs (ratio, days per category, days not counted and why).
"""

from __future__ import annotations

from typing import Any

from liangshan.provenance import ComputedValues, InputFile, Provenance
from liangshan.standards.air.tables import COMPANION

CALCULATOR = "liangshan.standards.air.annual.annual_stats"
COMPONENTS = (
    "ratio",
    "categories",
    "heavy_days",
    "invalid_day_count",
    "invalid_days",
    "incomplete_exceedance_days",
    "days",
    "annual",
    "limits",
)
#: present when a list of sand-dust days was given: the declared days, the 扣沙 figures and, when the
#: 扣沙 figures are the values, the 不扣沙 ones
DUST_COMPONENTS = ("dust_days", "dust_excluded", "dust_included")


def indicator_values(
    report: list[dict[str, Any]],
    inputs: list[InputFile],
    parameters: dict[str, Any],
    region: str | None = None,
) -> list[ComputedValues]:
    """ComputedValues for indicator 1 from :func:`liangshan.standards.air.annual.good_days_report` rows.

    Parameters
    ----------
    report : list of dict
        Area rows (one per year) of ``good_days_report``.
    inputs : list of InputFile
        Hashes of the raw files the report was computed from.
    parameters : dict
        Calculator parameters (edition, area method, O3 window start, rounding, required statistics, …).
    region : str, optional
        Region code (e.g. ``"411224"``).
    """
    out = []
    for year in report:
        standards = sorted({s for ed in year["editions"] for s in (ed, COMPANION[ed]["validity"])})
        prov = Provenance(
            calculator=CALCULATOR,
            standard="; ".join([*standards, year["limits"]]),
            parameters=dict(parameters),
            inputs=list(inputs),
            components={
                **{k: year[k] for k in COMPONENTS},
                **{k: year[k] for k in DUST_COMPONENTS if k in year},
            },
        )
        values: dict[str, float | bool | None] = {
            "air_good_days": float(year["good_days"]),
            "air_valid_days": float(year["valid_days"]),
        }
        out.append(ComputedValues(year=int(year["year"]), values=values, provenance=prov, region=region))
    return out
