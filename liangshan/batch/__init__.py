"""Batch jobs on Dask for national-size raw data: many regions in one run, results as Parquet.

* :mod:`liangshan.batch.air` — 优良天数比例 (indicator 1) per region and year from a partitioned Parquet
  dataset of hourly station data larger than memory; every region-year goes through the same calculator
  chain as ``liangshan air good-days``.
* :mod:`liangshan.batch.land` — 林草覆盖率 (indicator 7) per region from a directory of raster tiles (a
  tiled mosaic); every tile × region piece goes through :func:`liangshan.standards.land_cover.land_coverage`
  and the class areas are added up before any ratio is formed.
* :mod:`liangshan.batch.results` — the result files (one row per region-year, with the calculator output
  and its provenance as JSON) and loading them into the database as submissions.
* :mod:`liangshan.batch.cluster` — a local Dask cluster (processes, one thread each) or a scheduler address.
"""
