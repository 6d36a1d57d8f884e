"""Water quality from monitoring samples: GB 3838-2002 + 环办〔2011〕22号 (surface water), centralised
drinking-water sources, GB/T 14848-2017 (groundwater).

Modules: :mod:`.limits` (tables as data), :mod:`.classify` (vectorized single-item and single-factor
classification), :mod:`.surface_water`, :mod:`.drinking_water`, :mod:`.groundwater` (evaluations per
year) and :mod:`.io` (long-form CSV/Parquet reader with validation).
"""
