"""GEP (生态系统生产总值) accounting engine.

Items are declarative specs (:mod:`.items`): each declares its parameters with units, the physical
quantity formula and the valuation; :mod:`.engine` evaluates them for a year at current or constant
prices from a workbook (:mod:`.workbook`, YAML or Excel) and optional rasters (:mod:`.rasters`).

References
----------
- 《陆地生态系统生产总值（GEP）核算技术指南》, 生态环境部环境规划院 & 中国科学院生态环境研究中心, 2020.
- 《生态产品总值核算规范（试行）》, 国家发展改革委 & 国家统计局, 2022.
- docs/gep.md (formula details and all default coefficients UNVERIFIED; prices must be supplied).
"""

from liangshan.standards.gep.engine import (
    DOUBLE_COUNTING_RULES,
    GepResult,
    ItemValue,
    YearGep,
    account,
    account_years,
)
from liangshan.standards.gep.items import CATEGORIES, ITEMS, ItemSpec, Output, Param, describe_items
from liangshan.standards.gep.rasters import GepRasterError
from liangshan.standards.gep.workbook import (
    GepParameterError,
    GepWorkbookError,
    Workbook,
    load_workbook,
    parse_workbook,
)

__all__ = [
    "CATEGORIES",
    "DOUBLE_COUNTING_RULES",
    "ITEMS",
    "GepParameterError",
    "GepRasterError",
    "GepResult",
    "GepWorkbookError",
    "ItemSpec",
    "ItemValue",
    "Output",
    "Param",
    "Workbook",
    "YearGep",
    "account",
    "account_years",
    "describe_items",
    "load_workbook",
    "parse_workbook",
]
