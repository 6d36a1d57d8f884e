"""``liangshan batch``: Dask batch jobs over national-size raw data, and loading their results."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from liangshan.cli.common import console, db_url, emit_json, err_console, fail
from liangshan.cli.land import ClassesOpt, LayerOpt, MaxCellsOpt, SchemeOpt

app = typer.Typer(
    help="批量计算（Dask）：全国规模原始数据按区域计算指标，结果写成 Parquet，再记入数据库",
    no_args_is_help=True,
    add_completion=False,
)

OutOpt = Annotated[Path, typer.Option("--out", help="结果文件（Parquet，每个区域-年份一行）")]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Dask 调度器地址（如 tcp://10.0.0.1:8786）；缺省在本机启动")
]
WorkersOpt = Annotated[int, typer.Option("--workers", help="本机 Dask 工作进程数（每个单线程）")]
MemoryOpt = Annotated[str, typer.Option("--memory-limit", help="每个本机工作进程的内存上限，如 2GB、512MiB")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出摘要")]


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """Progress bar on stderr (stdout stays clean for --json)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield step


@contextmanager
def _client(scheduler: str | None, workers: int, memory_limit: str) -> Iterator[Any]:
    from liangshan.batch.cluster import client

    try:
        c = client(scheduler, workers, memory_limit)
    except (OSError, ValueError, TimeoutError) as exc:
        fail(f"无法启动或连接 Dask 集群：{exc}")
    with c:
        yield c


def _run(job: Callable[[], Any]) -> Any:
    """Run a batch job; input errors and lost workers end the command with a clear message."""
    from distributed.scheduler import KilledWorker

    try:
        return job()
    except KilledWorker as exc:
        fail(f"Dask 工作进程反复退出（多半是内存不足：调大 --memory-limit 或减小任务）：{exc}")
    except ValueError as exc:
        fail(str(exc))


def _summary(frame: Any, out: Path, seconds: float, extra: dict[str, Any], as_json: bool) -> None:
    errors = int(frame["error"].is_not_null().sum())
    info = {
        "out": str(out),
        "rows": frame.height,
        "regions": frame["region"].n_unique(),
        "errors": errors,
        "seconds": round(seconds, 2),
        **extra,
    }
    if as_json:
        emit_json(info)
        return
    console.print(
        f"已写出 {frame.height} 行（{info['regions']} 个区域）→ {out}，用时 {seconds:.1f} s"
        + (f"；其中 {errors} 行未能计算（见 error 列）" if errors else ""),
        highlight=False,
    )


@app.command("air")
def air_cmd(
    dataset: Annotated[Path, typer.Argument(help="小时数据 Parquet 数据集（文件或目录，可按 hive 分区）")],
    stations: Annotated[Path, typer.Option("--stations", help="站点表 CSV：station,region[,region_name]")],
    out: OutOpt,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    memory_limit: MemoryOpt = "2GB",
    edition: Annotated[
        str, typer.Option("--edition", help="标准版本：auto（按日期）、HJ633-2012、HJ633-2026")
    ] = "auto",
    area_method: Annotated[str, typer.Option("--area-method", help="区域值：hourly 或 daily")] = "hourly",
    o3_start: Annotated[
        int, typer.Option("--o3-window-start", help="当日首个 O3 8 小时窗口的起始小时（-7…0）")
    ] = 0,
    columns: Annotated[
        str | None, typer.Option("--columns", help="列名映射，如 'pm2_5=PM2.5,time=监测时间'")
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="读取任务的最大行数（按行组划分）")
    ] = 250_000,
    stations_per_task: Annotated[
        int, typer.Option("--stations-per-task", help="计算任务的站点数（整区域划分）")
    ] = 32,
    scratch: Annotated[
        Path | None,
        typer.Option(
            "--scratch",
            help="中间文件目录（须对所有工作进程可见；"
            "缺省：本机集群且 /dev/shm 空间足够时用它，否则为系统临时目录）",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """按区域、年份计算环境空气质量优良天数比例（指标 1），与 `liangshan air good-days` 逐区域结果相同。"""
    from liangshan.batch.air import AirOptions, run_air
    from liangshan.batch.results import write_results

    opts = AirOptions(
        edition=edition, area_method=area_method, o3_first_window_start=o3_start, columns=columns
    )
    t0 = time.perf_counter()
    with _client(scheduler, workers, memory_limit) as c, _progress() as step:
        res = _run(
            lambda: run_air(
                c,
                dataset,
                stations,
                options=opts,
                chunk_rows=chunk_rows,
                stations_per_task=stations_per_task,
                scratch_dir=scratch,
                progress=step,
            )
        )
    write_results(res.frame, out)
    extra = {"station_hours": res.station_hours, "files": res.files, "tasks": res.chunks + res.compute_tasks}
    _summary(res.frame, out, time.perf_counter() - t0, extra, as_json)
    if not as_json:
        _preview(
            res.frame, ("region", "region_name", "year", "valid_days", "good_days", "ratio", "n_stations")
        )


@app.command("land")
def land_cmd(
    tiles: Annotated[Path, typer.Argument(help="地类栅格分块目录（同一坐标系、同一网格的 GeoTIFF 镶嵌）")],
    boundaries: Annotated[
        Path, typer.Argument(help="区域边界（GeoJSON / GeoPackage / Shapefile），含区划代码字段")
    ],
    out: OutOpt,
    year: Annotated[int, typer.Option("--year", help="数据年份")],
    code_field: Annotated[str, typer.Option("--code-field", help="边界文件中的区划代码字段")] = "code",
    name_field: Annotated[str | None, typer.Option("--name-field", help="区域名称字段")] = None,
    zone: Annotated[
        str, typer.Option("--zone", help="地形区：山区、丘陵区、平原区，或面积占比如 山区=0.7,丘陵区=0.3")
    ] = "山区",
    zone_field: Annotated[
        str | None, typer.Option("--zone-field", help="逐区域地形区字段（山区/丘陵区/平原区；空值用 --zone）")
    ] = None,
    classes: ClassesOpt = None,
    scheme: SchemeOpt = "gbt21010-2017",
    max_missing_percent: Annotated[
        float, typer.Option("--max-missing-percent", help="区域内允许无地类的面积占比上限 %")
    ] = 1.0,
    max_cells: MaxCellsOpt = 1_000_000,
    layer: LayerOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    memory_limit: MemoryOpt = "2GB",
    as_json: JsonOpt = False,
) -> None:
    """按区域计算林草覆盖率（指标 7）：逐分块精确覆盖面积按地类相加，比例在汇总后计算。"""
    from liangshan.batch.land import LandOptions, run_land
    from liangshan.batch.results import write_results
    from liangshan.services.calculators.land import parse_zone

    try:
        opts = LandOptions(
            year=year,
            code_field=code_field,
            name_field=name_field,
            zone=parse_zone(zone),
            zone_field=zone_field,
            classes=classes,
            scheme=scheme,
            max_missing_percent=max_missing_percent,
            max_cells_in_memory=max_cells,
            layer=layer,
        )
    except ValueError as exc:
        fail(str(exc))
    t0 = time.perf_counter()
    with _client(scheduler, workers, memory_limit) as c, _progress() as step:
        res = _run(lambda: run_land(c, tiles, boundaries, opts, progress=step))
    write_results(res.frame, out)
    extra = {"tiles": res.tiles, "pieces": res.pieces, "raster_cells": res.raster_cells}
    _summary(res.frame, out, time.perf_counter() - t0, extra, as_json)
    if not as_json:
        _preview(res.frame, ("region", "region_name", "coverage_percent", "land_area_km2", "tiles", "error"))


def _preview(frame: Any, cols: tuple[str, ...], n: int = 10) -> None:
    table = Table(title=f"前 {min(n, frame.height)} 行（共 {frame.height} 行）")
    for c in cols:
        table.add_column(c, justify="left" if c in ("region", "region_name", "error") else "right")
    digits = {"ratio": 1}
    for row in frame.head(n).select(cols).iter_rows():
        table.add_row(
            *[
                "—" if v is None else f"{v:.{digits.get(c, 2)}f}" if isinstance(v, float) else str(v)
                for c, v in zip(cols, row, strict=True)
            ]
        )
    console.print(table)


@app.command("load")
def load_cmd(
    results: Annotated[Path, typer.Argument(help="liangshan batch air/land 的结果文件（Parquet）")],
    db: Annotated[
        str | None,
        typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）"),
    ] = None,
    user: Annotated[str, typer.Option("--user", help="记录人")] = "system",
    skip_errors: Annotated[
        bool, typer.Option("--skip-errors", help="跳过未能计算的行（缺省：有这样的行则不记录任何数据）")
    ] = False,
    skip_locked: Annotated[
        bool,
        typer.Option(
            "--skip-locked", help="跳过已审核锁定且数值会改变的区域-年份（缺省：有则不记录任何数据）"
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """把批量结果记为各区域数据元的新版本（附来源：计算器、标准版本、参数、输入文件 sha256），待审核。"""
    from liangshan.batch.results import check_against_db, read_results, results_by_region
    from liangshan.services.computed import record_computed
    from liangshan.store.service import ensure_db

    try:
        by_region, failed = results_by_region(read_results(results))
    except ValueError as exc:
        fail(str(exc))
    if failed and not skip_errors:
        first = failed[0]
        fail(
            f"{results.name} 有 {len(failed)} 行未能计算（如区域 {first['region']} {first['year']} 年："
            f"{first['error']}）；用 --skip-errors 只记录其余各行"
        )
    for region, res in by_region.items():
        for cv in res:
            missing = [k for k, v in cv.values.items() if v is None]
            if missing:
                fail(f"区域 {region} {cv.year} 年 {'、'.join(missing)} 无计算值，未记录任何数据")
    url = ensure_db(db_url(db))
    unknown, locked = check_against_db(url, by_region)
    if unknown:
        listed = "、".join(unknown[:10]) + (f" 等 {len(unknown)} 个" if len(unknown) > 10 else "")
        fail(f"数据库中没有这些区域：{listed}；请先建立区域，未记录任何数据")
    if locked and not skip_locked:
        listed = "、".join(f"{r} {y}年 {c}（第 {v} 版）" for r, y, c, v in locked[:5])
        fail(
            f"{len(locked)} 个数据元已审核通过并锁定，新结果会改变它们：{listed}"
            f"{' 等' if len(locked) > 5 else ''}；须由办公室说明理由重新打开，或用 --skip-locked 跳过这些"
            "区域-年份。未记录任何数据"
        )
    skip = {(r, y) for r, y, _c, _v in locked}
    by_region = {
        r: kept for r, res in by_region.items() if (kept := [cv for cv in res if (r, cv.year) not in skip])
    }
    ids: list[int] = []
    t0 = time.perf_counter()
    for region, res in by_region.items():  # one transaction per region
        try:
            ids += record_computed(res, region=region, db_url=url, user=user)
        except ValueError as exc:  # changed since the check (e.g. approved meanwhile)
            fail(f"区域 {region}：{exc}（之前的区域已记录；重新运行本命令会跳过已记录的相同结果）")
    n_rows = sum(len(v) for v in by_region.values())
    info = {
        "regions": len(by_region),
        "rows": n_rows,
        "skipped": len(failed),
        "skipped_locked": len(skip),
        "submission_ids": len(ids),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if as_json:
        emit_json({**info, "submission_ids": ids})
        return
    console.print(
        f"已记入 {len(by_region)} 个区域的 {n_rows} 个区域-年份结果：新提交 {len(ids)} 条数据元版本"
        "（与已记录的值和来源相同的不重复记录），待审核"
        + (f"；跳过未能计算的 {len(failed)} 行" if failed else "")
        + (f"；跳过已锁定的 {len(skip)} 个区域-年份" if skip else ""),
        highlight=False,
    )
