"""Air quality: AQI (HJ 633-2012 / HJ 633-2026), validity and statistics (GB 3095, HJ 663), 优良天数比例.

Public API: :func:`iaqi`, :func:`aqi`, :func:`aqi_from_iaqi`, :func:`hourly_aqi`, :func:`daily_stats`,
:func:`annual_stats`, :func:`read_hourly`.
"""

from liangshan.standards.air.aqi import AQIResult, aqi, aqi_from_iaqi, iaqi
from liangshan.standards.air.errors import AirInputError, AQIWarning
from liangshan.standards.air.inputs import round_half_even

__all__ = ["AQIResult", "AQIWarning", "AirInputError", "aqi", "aqi_from_iaqi", "iaqi", "round_half_even"]
