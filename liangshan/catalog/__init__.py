"""The indicator catalog as data: goals, categories, data elements and indicators.

``load_catalog()`` reads ``two_mountains.yaml`` (附件2 of the seed) into typed models and checks
its internal consistency (every category's goal exists, every formula's element exists, ids unique,
every verdict rule has its basis). Several indicator sets can be bundled (``catalog_sets``,
``load_set``): a provincial variant extends the base set with its own 特色指标.
"""

from liangshan.catalog.loader import (
    BASE_SET,
    CatalogSetError,
    catalog_sets,
    common_indicator_ids,
    load_catalog,
    load_set,
)
from liangshan.catalog.models import (
    Catalog,
    Category,
    Condition,
    DataElement,
    Formula,
    Goal,
    Indicator,
    RuleBasis,
    Target,
)

__all__ = [
    "BASE_SET",
    "Catalog",
    "CatalogSetError",
    "Category",
    "Condition",
    "DataElement",
    "Formula",
    "Goal",
    "Indicator",
    "RuleBasis",
    "Target",
    "catalog_sets",
    "common_indicator_ids",
    "load_catalog",
    "load_set",
]
