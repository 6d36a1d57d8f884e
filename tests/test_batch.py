"""``liangshan batch``: Dask batch results equal the single-region calculators; loading with provenance.

One local cluster of 2 worker processes serves the module (started once, ≈ 2 s).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyogrio.raw
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin
from rasterio.windows import Window
from typer.testing import CliRunner

from liangshan.batch.air import AirOptions, run_air
from liangshan.batch.land import LandOptions, run_land
from liangshan.batch.results import computed_from_json, read_results, write_results
from liangshan.cli import app
from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.indicator import COMPONENTS
from liangshan.standards.land_cover import RasterError, china_albers, land_coverage

runner = CliRunner()
POLLUTANTS = ("so2", "no2", "pm10", "pm2_5", "co", "o3")


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    from liangshan.batch.cluster import client

    with client(None, workers=2, memory_limit="1GiB") as c:
        yield c


def _norm(x: Any) -> Any:
    return json.loads(json.dumps(x, ensure_ascii=False, default=str))


# ------------------------------------------------------------------------------------------------ air
STATIONS = {  # station → region
    "A1": "410101",
    "A2": "410101",
    "A3": "410101",
    "B1": "410102",
    "C1": "410103",
    "C2": "410103",
    "D1": "410104",  # listed, no data
}


def _hourly(start: str, end: str, stations: dict[str, str], seed: int) -> pl.DataFrame:
    """Synthetic station-hours with missing hours, polluted episodes, invalid and incomplete days."""
    rng = np.random.default_rng(seed)
    t = np.arange(np.datetime64(start, "h"), np.datetime64(end, "h"))
    frames = []
    for k, name in enumerate(stations):
        n = t.size
        base = np.exp(rng.normal(0, 0.45, n)) * (1 + 0.1 * k)
        season = np.cos(2 * np.pi * (t - t[0]).astype(int) / 8784)
        hour = (t - t.astype("datetime64[D]")).astype(int)
        df = pl.DataFrame(
            {
                "station": name,
                "time": t.astype("datetime64[us]"),
                "so2": np.round(9 * base),
                "no2": np.round(28 * base),
                "pm10": np.round((65 + 35 * season) * base),
                "pm2_5": np.round((38 + 25 * season) * base),
                "co": np.round(0.8 * base, 1),
                "o3": np.round(
                    (95 - 45 * season) * (0.4 + 0.6 * np.clip(np.sin(np.pi * (hour - 6) / 14), 0, 1))
                ),
            }
        )
        drop = rng.random(n) < 0.03  # scattered missing hours
        frames.append(df.filter(~pl.Series(drop)))
    df = pl.concat(frames)
    day = pl.col("time").dt.date()
    # region B: 2024-03-05 with 10 hours (invalid); C: 2024-02-10 polluted with only 15 hours (incomplete but
    # exceeding); everyone: a polluted week in January
    df = df.filter(
        ~((pl.col("station") == "B1") & (day == pl.date(2024, 3, 5)) & (pl.col("time").dt.hour() >= 10))
        & ~(
            pl.col("station").str.starts_with("C")
            & (day == pl.date(2024, 2, 10))
            & (pl.col("time").dt.hour() < 9)
        )
    )
    polluted = (day >= pl.date(2024, 1, 20)) & (day <= pl.date(2024, 1, 26)) | (day == pl.date(2024, 2, 10))
    df = df.with_columns(
        pl.when(polluted).then(pl.col("pm2_5") * 4).otherwise(pl.col("pm2_5")).alias("pm2_5")
    )
    # CO missing for a day at every station of region A → area invalid that day
    df = df.with_columns(
        pl.when(pl.col("station").str.starts_with("A") & (day == pl.date(2024, 6, 1)))
        .then(None)
        .otherwise(pl.col("co"))
        .alias("co")
    )
    return df


def _write_dataset(df: pl.DataFrame, root: Path, seed: int) -> None:
    """Hive-partitioned by month, rows shuffled, several row groups per file; one month with string times."""
    rng = np.random.default_rng(seed)
    df = df.with_columns(pl.col("time").dt.strftime("%Y-%m").alias("_month"))
    for (month,), part in df.partition_by("_month", as_dict=True).items():
        d = root / f"month={month}"
        d.mkdir(parents=True)
        part = part.drop("_month")[rng.permutation(part.height)]
        if month.endswith("-03"):
            part = part.with_columns(pl.col("time").dt.strftime("%Y-%m-%dT%H:%M"))
        part.write_parquet(d / "part-0.parquet", row_group_size=700)


def _stations_csv(path: Path, stations: dict[str, str]) -> Path:
    rows = ["station,region,region_name"] + [f"{s},{r},区域{r[-1]}" for s, r in stations.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _single(
    df: pl.DataFrame, region: str, stations: dict[str, str], tmp: Path, *extra: str
) -> dict[str, Any]:
    """``liangshan air good-days --json`` on one region's rows."""
    mine = [s for s, r in stations.items() if r == region]
    path = tmp / f"single_{region}.parquet"
    df.filter(pl.col("station").is_in(mine)).write_parquet(path)
    res = runner.invoke(app, ["air", "good-days", str(path), "--json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _assert_equal_air(
    frame: pl.DataFrame, single: dict[str, Any], region: str, *, same_stations: bool
) -> None:
    rows = frame.filter(pl.col("region") == region).sort("year")
    assert rows["year"].to_list() == [y["year"] for y in single["years"]]
    for row, y in zip(rows.iter_rows(named=True), single["years"], strict=True):
        cv = computed_from_json(row["computed"])
        assert cv.region == region and cv.year == y["year"]
        assert cv.values == {"air_good_days": float(y["good_days"]), "air_valid_days": float(y["valid_days"])}
        assert _norm(cv.provenance.components) == _norm({k: y[k] for k in COMPONENTS})
        assert (row["good_days"], row["valid_days"], row["ratio"]) == (
            y["good_days"],
            y["valid_days"],
            y["ratio"],
        )
        assert row["editions"] == y["editions"] and row["attained"] == y["attained"]
        params = dict(cv.provenance.parameters)
        assert (
            params == single["parameters"]
            if same_stations
            else params["stations"] == single["parameters"]["stations"]
        )
        names = [f.name for f in cv.provenance.inputs]
        assert names[-1] == "stations.csv" and all(n.startswith("air/month=") for n in names[:-1])


@pytest.fixture(scope="module")
def air_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pl.DataFrame]:
    tmp = tmp_path_factory.mktemp("air")
    data = {s: r for s, r in STATIONS.items() if s != "D1"}
    df = _hourly("2024-01-01T00", "2025-01-01T00", data, seed=3)
    df = df.filter(~(pl.col("station").str.starts_with("C") & (pl.col("time") < pl.datetime(2024, 1, 3, 5))))
    _write_dataset(df, tmp / "air", seed=4)
    return tmp / "air", _stations_csv(tmp / "stations.csv", STATIONS), df


def test_air_batch_equals_single_region(
    air_case: tuple[Path, Path, pl.DataFrame], dask_client: Any, tmp_path: Path
) -> None:
    dataset, stations, df = air_case
    res = run_air(dask_client, dataset, stations, chunk_rows=4000, stations_per_task=2, scratch_dir=tmp_path)
    assert not list(tmp_path.iterdir())  # scratch removed
    frame = res.frame
    assert frame["region"].to_list() == ["410101", "410102", "410103"]  # D1 has no data: no row
    assert res.station_hours == df.height and res.files == 12 and res.chunks > 12
    assert frame["region_name"].to_list() == ["区域1", "区域2", "区域3"]
    for region in ("410101", "410102", "410103"):
        _assert_equal_air(frame, _single(df, region, STATIONS, tmp_path), region, same_stations=True)
    c = frame.filter(pl.col("region") == "410103").row(0, named=True)
    assert c["days"] == 364  # the region's data start on 3 January, as in the single run
    b = computed_from_json(frame.filter(pl.col("region") == "410102")["computed"][0])
    assert "2024-03-05" in [d["date"] for d in b.provenance.components["invalid_days"]]


def test_air_batch_multi_year_o3_window(dask_client: Any, tmp_path: Path) -> None:
    """Across a year boundary with O3 windows starting the evening before, and the 2026 edition switch."""
    stations = {"A1": "410101", "A2": "410101", "B1": "410102"}
    df = _hourly("2025-10-01T00", "2026-04-01T00", stations, seed=5)
    df = df.filter(~((pl.col("station") == "A2") & (pl.col("time") >= pl.datetime(2025, 12, 31, 21))))
    _write_dataset(df, tmp_path / "air", seed=6)
    csv = _stations_csv(tmp_path / "stations.csv", {**stations, "D1": "410104"})
    opts = AirOptions(edition="auto", o3_first_window_start=-7, area_method="daily")
    frame = run_air(dask_client, tmp_path / "air", csv, options=opts, scratch_dir=tmp_path).frame
    assert frame.select("region", "year").rows() == [
        ("410101", 2025),
        ("410101", 2026),
        ("410102", 2025),
        ("410102", 2026),
    ]
    extra = ("--o3-window-start", "-7", "--area-method", "daily")
    for region in ("410101", "410102"):
        _assert_equal_air(frame, _single(df, region, stations, tmp_path, *extra), region, same_stations=True)
    assert frame.filter(pl.col("year") == 2026)["editions"].to_list()[0] == ["HJ633-2012", "HJ633-2026"]


def test_air_batch_errors(
    air_case: tuple[Path, Path, pl.DataFrame], dask_client: Any, tmp_path: Path
) -> None:
    dataset, stations, df = air_case
    unknown = _stations_csv(tmp_path / "few.csv", {"A1": "410101"})
    with pytest.raises(AirInputError, match=r"站点 .*不在站点表 few.csv 中"):
        run_air(dask_client, dataset, unknown, scratch_dir=tmp_path)
    # the same station-hour in two files
    dup = tmp_path / "dup"
    (dup / "a").mkdir(parents=True)
    (dup / "b").mkdir()
    one = df.filter(pl.col("station") == "B1").head(30)
    one.write_parquet(dup / "a" / "x.parquet")
    one.tail(3).write_parquet(dup / "b" / "y.parquet")
    with pytest.raises(
        AirInputError,
        match=r"站点 B1 时间 .* 重复（文件 dup/a/x.parquet 第 29 行与文件 dup/b/y.parquet 第 2 行）",
    ):
        run_air(dask_client, dup, stations, scratch_dir=tmp_path)
    # validation errors count rows from the start of the file, as `liangshan air` does
    bad = tmp_path / "bad"
    bad.mkdir()
    rows = (
        df.filter(pl.col("station") == "B1")
        .head(50)
        .with_columns(
            pl.when(pl.int_range(pl.len()) == 44).then(-3.0).otherwise(pl.col("pm10")).alias("pm10")
        )
    )
    rows.write_parquet(bad / "z.parquet", row_group_size=10)
    with pytest.raises(AirInputError, match=r"文件 bad/z.parquet，第 46 行，列 pm10：浓度为负数"):
        run_air(dask_client, bad, stations, chunk_rows=10, scratch_dir=tmp_path)
    single = runner.invoke(app, ["air", "good-days", str(bad / "z.parquet")])
    assert "第 46 行，列 pm10" in single.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("liangshan-batch")]


# ----------------------------------------------------------------------------------------------- land
CODES = np.array([301, 305, 401, 404, 103, 1101, 307], dtype=np.uint16)


def _mosaic(tmp: Path, kind: str) -> tuple[Path, Path, Any]:
    """A 600 × 480 class raster (with a NoData patch), written whole and as 6 uneven tiles."""
    rng = np.random.default_rng(7)
    arr = np.repeat(np.repeat(rng.choice(CODES, size=(48, 60)), 10, axis=0), 10, axis=1)
    arr = np.where(rng.random(arr.shape) < 0.15, rng.choice(CODES, size=arr.shape), arr).astype(np.uint16)
    arr[200:206, 300:312] = 0  # NoData
    if kind == "albers":
        crs = china_albers(pyproj.CRS.from_epsg(4490))
        transform = from_origin(600_000.0, 3_700_000.0, 30.0, 30.0)
    else:
        crs = pyproj.CRS.from_epsg(4490)
        transform = from_origin(110.5, 34.3, 0.0003, 0.0003)
    profile = dict(driver="GTiff", count=1, dtype="uint16", crs=crs.to_wkt(), nodata=0, compress="deflate")
    whole = tmp / "whole.tif"
    with rasterio.open(whole, "w", width=600, height=480, transform=transform, **profile) as ds:
        ds.write(arr, 1)
    tiles = tmp / "tiles"
    (tiles / "row1").mkdir(parents=True)
    for i, (r0, r1) in enumerate(((0, 250), (250, 480))):
        for j, (c0, c1) in enumerate(((0, 170), (170, 400), (400, 600))):
            w = Window(c0, r0, c1 - c0, r1 - r0)
            path = tiles / (f"row{i}" if i else "") / f"t_{i}_{j}.tif"
            with rasterio.open(
                path,
                "w",
                width=c1 - c0,
                height=r1 - r0,
                transform=rasterio.windows.transform(w, transform),
                **profile,
            ) as ds:
                ds.write(arr[r0:r1, c0:c1], 1)
    return whole, tiles, crs


def _regions(whole: Path, crs: Any, tmp: Path) -> tuple[Path, dict[str, Path]]:
    """Six regions over the mosaic in EPSG:4490 (Voronoi cells crossing tile edges; one region of two
    features; one region half outside the mosaic)."""
    with rasterio.open(whole) as ds:
        b = ds.bounds
    w, h = b.right - b.left, b.top - b.bottom
    inner = shapely.box(b.left + 0.02 * w, b.bottom + 0.02 * h, b.right - 0.02 * w, b.top - 0.02 * h)
    fx, fy = np.array([0.28, 0.66, 0.3, 0.7, 0.5]), np.array([0.3, 0.25, 0.75, 0.8, 0.48])  # near tile edges
    pts = shapely.points(b.left + w * fx, b.bottom + h * fy)
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=inner)), inner
    )
    geoms = [*cells]
    codes = ["411201", "411202", "411203", "411204", "411205"]
    first = geoms[0]
    cx = shapely.centroid(first).x
    split = shapely.box(b.left, b.bottom, cx, b.top)  # region 411201 as two features
    geoms[0] = shapely.intersection(first, split)
    geoms.append(shapely.difference(first, split))
    codes.append("411201")
    geoms.append(shapely.box(b.right - 0.1 * w, b.bottom + 0.3 * h, b.right + 0.1 * w, b.bottom + 0.5 * h))
    codes.append("411299")  # half outside the mosaic
    lonlat = pyproj.CRS.from_epsg(4490)
    src = pyproj.CRS.from_user_input(crs)
    tr = pyproj.Transformer.from_crs(src, lonlat, always_xy=True)
    geoms_ll = [
        shapely.transform(
            shapely.segmentize(g, w / 50), lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
        )
        for g in geoms
    ]

    def write(path: Path, gs: list[Any], cs: list[str]) -> Path:
        pyogrio.raw.write(
            path,
            np.array(shapely.to_wkb(gs), dtype=object),
            [np.array(cs, dtype=object), np.array([f"县{c[-2:]}" for c in cs], dtype=object)],
            ["code", "name"],
            geometry_type="MultiPolygon",
            crs="EPSG:4490",
            driver="GPKG",
            promote_to_multi=True,
        )
        return path

    all_path = write(tmp / "counties.gpkg", geoms_ll, codes)
    singles = {}
    for code in sorted(set(codes)):
        idx = [i for i, c in enumerate(codes) if c == code]
        singles[code] = write(tmp / f"county_{code}.gpkg", [geoms_ll[i] for i in idx], [code] * len(idx))
    return all_path, singles


@pytest.mark.parametrize("kind", ["albers", "latlon"])
def test_land_batch_equals_single_raster(kind: str, dask_client: Any, tmp_path: Path) -> None:
    whole, tiles, crs = _mosaic(tmp_path, kind)
    boundaries, singles = _regions(whole, crs, tmp_path)
    opts = LandOptions(year=2024, name_field="name", max_missing_percent=5.0)
    res = run_land(dask_client, tiles, boundaries, opts)
    frame = res.frame
    assert res.tiles == 6 and res.pieces > 6
    assert frame["region"].to_list() == ["411201", "411202", "411203", "411204", "411205", "411299"]
    for code, path in singles.items():
        row = frame.filter(pl.col("region") == code).row(0, named=True)
        if code == "411299":
            assert "超过允许的 5.0%" in row["error"] and row["computed"] is None
            with pytest.raises(ValueError, match=r"超过允许的 5\.0%"):
                land_coverage(whole, path, max_missing_percent=5.0)
            continue
        assert row["error"] is None and row["tiles"] >= 2  # every region crosses a tile edge
        one = land_coverage(whole, path, max_missing_percent=5.0)
        cv = computed_from_json(row["computed"])
        comp = cv.provenance.components
        for key in (
            "forest_area_km2",
            "grass_area_km2",
            "other_area_km2",
            "land_area_km2",
            "boundary_area_km2",
        ):
            assert comp[key] == pytest.approx(getattr(one, key), rel=1e-6), key
            assert row[key] == comp[key]
        # exactextract keeps coverage fractions in single precision: agreement to ~1e-8 relative
        assert comp["coverage_percent"] == pytest.approx(one.coverage_percent, abs=1e-5)
        assert comp["missing_area_km2"] == pytest.approx(one.missing_area_km2, abs=1e-5)
        assert comp["attained"] == one.attained and comp["target_percent"] == one.target_percent
        assert [c["code"] for c in comp["class_areas"]] == [c["code"] for c in one.class_areas]
        for a, b in zip(comp["class_areas"], one.class_areas, strict=True):
            assert a["area_km2"] == pytest.approx(b["area_km2"], rel=1e-6, abs=1e-9)
        assert cv.values["land_area_km2"] == comp["land_area_km2"] and cv.year == 2024
        assert cv.provenance.calculator == "liangshan.standards.land_cover.land_coverage"
        names = [f.name for f in cv.provenance.inputs]
        assert names[-1] == "counties.gpkg" and all(n.startswith("tiles/") for n in names[:-1])
    assert frame.filter(pl.col("region") == "411203")["region_name"].to_list() == ["县03"]


def test_land_tiles_checked(tmp_path: Path, dask_client: Any) -> None:
    whole, tiles, crs = _mosaic(tmp_path, "albers")
    boundaries, _ = _regions(whole, crs, tmp_path)
    (tiles / "extra.tif").write_bytes(whole.read_bytes())  # overlaps every tile
    with pytest.raises(RasterError, match="重叠"):
        run_land(dask_client, tiles, boundaries, LandOptions(year=2024))


# ------------------------------------------------------------------------------------ CLI and loading
@pytest.fixture(scope="module")
def results(
    air_case: tuple[Path, Path, pl.DataFrame], dask_client: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Result files written by the CLI: ``batch air`` starts its own local cluster of 2 workers,
    ``batch land`` connects to the module's cluster with ``--scheduler``."""
    tmp = tmp_path_factory.mktemp("cli")
    dataset, stations, _ = air_case
    air_out = tmp / "air.parquet"
    res = runner.invoke(
        app,
        ["batch", "air", str(dataset), "--stations", str(stations), "--out", str(air_out), "--workers", "2",
         "--memory-limit", "1GiB", "--scratch", str(tmp)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "已写出 3 行（3 个区域）" in res.stdout
    whole, tiles, crs = _mosaic(tmp, "albers")
    boundaries, _ = _regions(whole, crs, tmp)
    land_out = tmp / "land.parquet"
    res = runner.invoke(
        app,
        ["batch", "land", str(tiles), str(boundaries), "--out", str(land_out), "--year", "2024",
         "--max-missing-percent", "5", "--scheduler", dask_client.scheduler.address, "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert (summary["rows"], summary["errors"], summary["tiles"]) == (6, 1, 6)
    return {"air": air_out, "land": land_out}


def _regions_in_db(url: str, codes: list[str]) -> None:
    from liangshan.store.db import session_scope
    from liangshan.store.models import Region
    from liangshan.store.service import ensure_db

    ensure_db(url)
    with session_scope(url) as s:
        for code in codes:
            s.add(Region(code=code, name=f"测试{code}", level="county"))


def test_load_results_into_db(results: dict[str, Path], db: str) -> None:
    from liangshan.store.db import session_scope
    from liangshan.store.submissions import latest

    _regions_in_db(db, ["410101", "410102", "411201", "411202", "411203", "411204", "411205"])
    load = ["batch", "load", str(results["air"]), "--db", db, "--json"]
    res = runner.invoke(app, load)
    assert res.exit_code != 0 and "数据库中没有这些区域：410103" in res.output  # nothing recorded
    _regions_in_db(db, ["410103"])
    out = json.loads(runner.invoke(app, load).stdout)
    assert (out["regions"], out["rows"], len(out["submission_ids"])) == (3, 3, 6)
    again = json.loads(runner.invoke(app, load).stdout)
    assert again["submission_ids"] == []  # same values and provenance: no new versions
    frame = read_results(results["air"])
    with session_scope(db) as s:
        sub = latest(s, "410102", "air_good_days", 2024)
        assert sub is not None and sub.status == "submitted"
        assert sub.value == frame.filter(pl.col("region") == "410102")["good_days"][0]
        assert sub.provenance["inputs"][-1]["name"] == "stations.csv"
        assert sub.provenance["parameters"]["stations"] == ["B1"]

    land = ["batch", "load", str(results["land"]), "--db", db]
    res = runner.invoke(app, land)
    assert res.exit_code != 0 and "1 行未能计算" in res.output and "--skip-errors" in res.output
    res = runner.invoke(app, [*land, "--skip-errors"])
    assert res.exit_code == 0, res.output
    assert "已记入 5 个区域的 5 个区域-年份结果：新提交 15 条" in res.stdout
    with session_scope(db) as s:
        sub = latest(s, "411203", "forest_area_km2", 2024)
        assert sub is not None and sub.provenance["calculator"].endswith("land_coverage")


def test_results_file_checked(tmp_path: Path) -> None:
    bad = tmp_path / "x.parquet"
    write_results(pl.DataFrame({"a": [1]}), bad)
    res = runner.invoke(app, ["batch", "load", str(bad), "--db", f"sqlite:///{tmp_path / 'db.sqlite'}"])
    assert res.exit_code == 2 and "不是 liangshan batch 的结果文件" in res.output
