"""The indicator catalog as data: goals, categories, data elements and indicators.

``load_catalog()`` reads ``two_mountains.yaml`` (附件2 of the seed) into typed models and checks
its internal consistency (every category's goal exists, every formula's element exists, ids unique).
"""

from liangshan.catalog.loader import load_catalog
from liangshan.catalog.models import (
    Catalog,
    Category,
    Condition,
    DataElement,
    Formula,
    Goal,
    Indicator,
    Target,
)

__all__ = [
    "Catalog",
    "Category",
    "Condition",
    "DataElement",
    "Formula",
    "Goal",
    "Indicator",
    "Target",
    "load_catalog",
]
