"""The standard documents the calculators apply, spelled once.

Every :class:`~liangshan.provenance.Provenance` built by :mod:`liangshan.services.calculators` takes its
``standard`` text from these constants, so the CLI, the web upload, the demo and the batch jobs record
the same spelling. (The air and water standard modules compose their own text from the editions they
applied: :mod:`liangshan.standards.air.indicator`, ``standards.water.*.computed_values``; their
documents are listed here for the specs.)
"""

from __future__ import annotations

# Air (indicator 1): the editions actually applied are recorded per year by standards.air.indicator.
HJ633_2012 = "HJ633-2012"
HJ633_2026 = "HJ633-2026"
HJ663_2013 = "HJ663-2013"
GB3095_2012 = "GB3095-2012"

# Water (indicators 2–4): as recorded by standards.water.*.computed_values.
GB3838_2002 = "GB3838-2002"
GBT14848_2017 = "GB/T14848-2017"
HUANBAN_2011_22 = "环办〔2011〕22号"
SURFACE_WATER = f"{GB3838_2002}; {HUANBAN_2011_22}"
DRINKING_WATER = f"{GB3838_2002}; {GBT14848_2017}; {HUANBAN_2011_22}"
GROUNDWATER = GBT14848_2017

# Soil (indicators 5, 6).
SOIL_FARMLAND = "农业农村部《受污染耕地安全利用率核算方法（试行）》(2020)"
SOIL_PLOTS = "环办土壤函〔2023〕7号（公式口径 UNVERIFIED，见 docs/ecology.md）"

# Land cover (indicator 7) and ecological redline (indicator 9).
LAND_CLASSES_GBT21010 = "GB/T 21010-2017"
FOREST_GRASS_COVER = "环生态〔2019〕76号（林草覆盖率）"
REDLINE_2022 = "生态保护红线（三区三线 2022）"
HJ1142_2020 = "HJ 1142-2020"
NOT_DECREASE_RULE = "不减少判定（本系统约定）"
REDLINE = f"{REDLINE_2022}; {HJ1142_2020}; {NOT_DECREASE_RULE}"

# Species richness (indicator 8).
SPECIES = "HJ 623-2011（物种丰富度口径，UNVERIFIED 细节见 docs/ecology.md）"

# GEP (indicator 10).
GEP_GUIDE_2020 = "《陆地生态系统生产总值（GEP）核算技术指南》(生态环境部环境规划院, 2020)"
GEP_SPEC_2022 = "《生态产品总值核算规范（试行）》(2022)"
GEP = f"{GEP_GUIDE_2020}; {GEP_SPEC_2022}"

# Public satisfaction survey (indicator 17).
SURVEY = "本系统推荐做法（无官方抽样规则）；Wilson 置信区间；分层设计方差"


def land_standard(scheme: str, classes_name: str | None) -> str:
    """The land-cover standard text: the class scheme (or the user's class table) + 林草覆盖率 method."""
    if classes_name is not None:
        first = f"用户地类对照表 {classes_name}"
    elif scheme == "gbt21010-2017":
        first = LAND_CLASSES_GBT21010
    else:
        first = scheme
    return f"{first}; {FOREST_GRASS_COVER}"
