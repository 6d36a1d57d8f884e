"""Assessment engine: pure functions from approved values to verdicts (no database inside)."""

from liangshan.assess.index import Assessment, ConditionCheck, IndicatorResult, assess, equal_weights
from liangshan.assess.rules import FAIL, MISSING, NA, PARTIAL, PASS, VERDICTS, RegionProfile
from liangshan.assess.values import (
    Observation,
    OfficialFigure,
    indicator_key,
    official_key,
    ratio_of_sums,
    round_half_even,
)

__all__ = [
    "FAIL",
    "MISSING",
    "NA",
    "PARTIAL",
    "PASS",
    "VERDICTS",
    "Assessment",
    "ConditionCheck",
    "IndicatorResult",
    "Observation",
    "OfficialFigure",
    "RegionProfile",
    "assess",
    "equal_weights",
    "indicator_key",
    "official_key",
    "ratio_of_sums",
    "round_half_even",
]
