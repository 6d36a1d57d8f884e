"""Values of the 卢氏县 demo that no calculator produces: the units' statistics (示例数据).

These figures are synthetic but plausible (docs/demo.md: GDP and sector figures of 卢氏县 were not
found in public sources). Real facts are marked as such. They are chosen so the demo shows every
verdict: 达标, 基本达标 (one dip under 稳定提高), 未达标, 数据缺失 (statistics bureau has not
supplied 2025 yet) and 不适用 (no contaminated plot re-developed).
"""

from __future__ import annotations

YEARS = (2020, 2021, 2022, 2023, 2024, 2025)

# element → values for 2020..2025 (None = not supplied), in the element's unit (万元, 元, 个, 是/否).
SERIES: dict[str, tuple[float | bool | None, ...]] = {
    "gdp": (1_182_000, 1_251_000, 1_302_000, 1_368_000, 1_431_000, 1_497_000),
    "eco_env_investment": (33_100, 36_300, 40_400, 42_400, 47_200, 43_400),
    "eco_product_output_per_capita": (3_620, 3_910, 4_180, 4_430, 4_760, None),
    "disposable_income_per_capita": (16_480, 17_860, 18_900, 20_150, 21_320, 22_510),
    "green_organic_output": (61_200, 66_900, 72_500, 78_800, 77_300, 84_600),
    "agri_output": (452_000, 471_000, 488_000, 503_000, 512_000, 526_000),
    "eco_processing_output": (118_000, 131_000, 146_000, 160_500, 176_800, 195_200),
    "industrial_output": (402_000, 421_000, 440_000, 461_000, 480_000, 498_000),
    "eco_tourism_revenue": (215_000, 236_000, 198_000, 284_000, 326_000, 365_000),
    "services_output": (512_000, 538_000, 551_000, 589_000, 618_000, 649_000),
    "eco_compensation_revenue": (61_800, 64_100, 66_300, 68_900, 70_200, 67_400),
    "fiscal_revenue": (158_000, 163_000, 166_500, 172_000, 176_000, 181_000),
    "eco_brands_obtained": (0, 0, 0, 0, 0, 1),
    "system_issued": (False, False, False, True, True, True),
    "system_implemented": (False, False, False, True, True, True),
    "market_issued": (False, False, False, False, True, True),
    "market_implemented": (False, False, False, False, True, True),
}

# Notes shown with a value (and evidence files attached in the demo).
NOTES: dict[tuple[str, int], str] = {
    ("eco_brands_obtained", 2025): "2025年命名为国家生态文明建设示范区（公开信息）",
    ("system_issued", 2023): "卢办〔2023〕16号《卢氏县“绿水青山就是金山银山”实践创新基地建设工作方案》",
    ("market_issued", 2024): "示例数据：生态产品价值实现机制实施意见（示例文号）",
}
EVIDENCE_ITEMS = (
    ("eco_brands_obtained", 2025),
    ("system_issued", 2023), ("system_issued", 2024), ("system_issued", 2025),
    ("system_implemented", 2023), ("system_implemented", 2024), ("system_implemented", 2025),
    ("market_issued", 2024), ("market_issued", 2025),
    ("market_implemented", 2024), ("market_implemented", 2025),
)  # fmt: skip
