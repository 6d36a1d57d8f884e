"""The plain rasterstats script a user would write for 林草覆盖率 (benchmark peer, not liangshan).

``python benchmarks/land_rasterstats.py RASTER.tif BOUNDARY.geojson`` — read the boundary (GeoJSON), reproject
it to the raster's CRS with pyproj, count the class codes by cell centre with
``rasterstats.zonal_stats(categorical=True)``, and print forest, grass and land areas (counts × cell area)
and the coverage as JSON. GB/T 21010-2017 codes 0301–0306 = forest, 0401–0404 = grass (the groups of
liangshan's built-in table; 0307 其他林地 is not forest).
"""

import json
import sys

import pyproj
import rasterio
import shapely
from rasterstats import zonal_stats

raster, boundary = sys.argv[1], sys.argv[2]
with open(boundary, encoding="utf-8") as fh:
    features = json.load(fh)["features"]
geom = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
with rasterio.open(raster) as ds:
    crs, t = ds.crs, ds.transform
to_raster = pyproj.Transformer.from_crs("EPSG:4490", crs.to_wkt(), always_xy=True)
geom = shapely.transform(geom, lambda xy: shapely.get_coordinates(
    shapely.points(*to_raster.transform(xy[:, 0], xy[:, 1]))))  # fmt: skip
counts = zonal_stats([shapely.geometry.mapping(geom)], raster, categorical=True)[0]
cell_km2 = abs(t.a * t.e) / 1e6
forest = sum(n for c, n in counts.items() if 301 <= int(c) <= 306) * cell_km2
grass = sum(n for c, n in counts.items() if 401 <= int(c) <= 404) * cell_km2
land = sum(counts.values()) * cell_km2
out = {"forest_area_km2": forest, "grass_area_km2": grass, "land_area_km2": land}
print(json.dumps({**out, "coverage_percent": 100 * (forest + grass) / land, "counts": counts}))
