"""``liangshan report``: the 情况说明技术报告 (docx/pdf), its 附表 (xlsx) or the briefing deck (pptx);
with ``--kind progress`` the 年度建设进展报告 of ``--year`` (docx/pdf), with ``--kind review`` the 复核资料包
(zip). See docs/report.md and docs/after-naming.md."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from liangshan.cli.common import console, db_url, emit_json, err_console, fail


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        region: Annotated[str, typer.Option(help="地区代码（GB/T 2260），如 411224")],
        out: Annotated[Path, typer.Option("--out", help="输出文件，如 报告.docx")],
        report_kind: Annotated[
            str,
            typer.Option(
                "--kind",
                help="technical 情况说明技术报告（默认）、progress 年度建设进展报告、review 复核资料包",
            ),
        ] = "technical",
        year: Annotated[
            int | None, typer.Option("--year", help="年度建设进展报告的年度，如 2025（--kind progress 必填）")
        ] = None,
        fmt: Annotated[
            str | None, typer.Option("--format", help="docx、pdf、xlsx 或 pptx（默认取 --out 的扩展名）")
        ] = None,
        round_id: Annotated[
            int | None, typer.Option("--round", help="评估批次编号（默认进行中的批次）")
        ] = None,
        years: Annotated[str | None, typer.Option(help="评估年份，如 2023-2025（代替批次年份）")] = None,
        target_year: Annotated[
            int | None, typer.Option(help="问题指标须达标的年份（趋势测算用，默认评估期后一年）")
        ] = None,
        score: Annotated[bool, typer.Option(help="附加参考评分（非官方，等权重）")] = False,
        support_unit: Annotated[
            str | None, typer.Option(help="封面“技术支持”单位（不填则封面不列此行）")
        ] = None,
        allow_empty: Annotated[
            bool, typer.Option("--allow-empty", help="地区在评估年份没有审核通过的数据时仍生成（空白）报告")
        ] = False,
        official_fonts: Annotated[
            bool,
            typer.Option(
                help="写入公文字体名（仿宋_GB2312、黑体、方正小标宋简体），供装有这些字体的 Word 使用"
            ),
        ] = False,
        measures: Annotated[Path | None, typer.Option(help="其他完善措施库 YAML")] = None,
        cases: Annotated[Path | None, typer.Option(help="其他典型案例库 YAML")] = None,
        db: Annotated[
            str | None,
            typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）"),
        ] = None,
        json: Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")] = False,
    ) -> None:
        """生成“两山指数”自评估情况说明技术报告（Word/PDF）、附表（Excel）或汇报演示文稿（PPT）。"""
        from liangshan.assess import equal_weights
        from liangshan.catalog import load_catalog
        from liangshan.report.cases import load_cases
        from liangshan.report.charts import ChartFontError
        from liangshan.report.fonts import FontSet
        from liangshan.report.generate import FORMATS, generate
        from liangshan.report.measures import load_measures
        from liangshan.report.pdf import PdfConversionError
        from liangshan.store.errors import StoreError
        from liangshan.store.service import parse_years

        if report_kind not in KINDS:
            fail(f"--kind 只能是 {'、'.join(KINDS)}（收到：{report_kind}）")
        if report_kind != "technical":
            _after_naming(report_kind, region, out, fmt, year, db, json)
            return
        if year is not None:
            fail("--year 只用于 --kind progress；技术报告的年份用 --years 或 --round")
        kind = (fmt or out.suffix.lstrip(".")).lower()
        if kind not in FORMATS:
            fail(f"--format 只能是 {'、'.join(FORMATS)}（收到：{fmt or out.suffix or '无扩展名'}）")
        ext = out.suffix.lstrip(".").lower()
        if ext != kind:
            fail(
                f"输出文件 {out} 的扩展名（{out.suffix or '无'}）与格式 {kind} 不一致，"
                f"请改为 {out.with_suffix('.' + kind).name} 或去掉 --format"
            )
        if round_id is not None and years:
            fail("--round 与 --years 只能选一个")
        problem = _unwritable(out)
        if problem:
            fail(problem)
        options: dict[str, object] = {
            "support_unit": (support_unit or "").strip(),
            "allow_empty": allow_empty,
        }
        if target_year is not None:
            options["target_year"] = target_year
        if official_fonts:
            options["fonts"] = FontSet.official()
        try:
            if measures:
                options["measures"] = load_measures(measures)
            if cases:
                options["cases"] = load_cases(cases)
            ys = parse_years(years, (0, 0)) if years else None
        except (ValueError, StoreError) as e:
            fail(str(e))
        weights = equal_weights(load_catalog()) if score else None
        url = db_url(db)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=json,
        ) as bar:
            task = bar.add_task("准备", total=100)

            def progress(label: str, fraction: float) -> None:
                bar.update(task, description=label, completed=round(100 * fraction))

            # written in a temporary folder and moved into place: nothing is left behind on an error
            with tempfile.TemporaryDirectory(prefix="liangshan-report-") as tmp:
                try:
                    made = generate(
                        url,
                        region,
                        kind,
                        Path(tmp) / f"report.{kind}",
                        round_id=round_id,
                        years=ys,
                        weights=weights,
                        progress=progress,
                        **options,
                    )
                    out.parent.mkdir(parents=True, exist_ok=True)
                    path = Path(shutil.move(str(made), str(out)))
                except (StoreError, PdfConversionError, ChartFontError, ValueError) as e:
                    bar.stop()
                    fail(str(e))
                except OSError as e:
                    bar.stop()
                    fail(f"无法写入 {out}（{_os_reason(e)}），请换一个输出目录或文件名")
        size = path.stat().st_size
        if json:
            emit_json({"region": region, "format": kind, "out": str(path), "bytes": size})
        else:
            console.print(f"已生成{_LABEL[kind]}：{path}（{size / 1024:,.0f} KB）")


KINDS = ("technical", "progress", "review")


def _after_naming(
    report_kind: str, region: str, out: Path, fmt: str | None, year: int | None, db: str | None, json: bool
) -> None:
    """``--kind progress`` (年度建设进展报告, docx/pdf) and ``--kind review`` (复核资料包, zip)."""
    from liangshan.report.kinds import KIND_FORMATS, KIND_LABELS
    from liangshan.report.pdf import PdfConversionError
    from liangshan.store.errors import StoreError

    kind = (fmt or out.suffix.lstrip(".")).lower()
    allowed = KIND_FORMATS[report_kind]
    if kind not in allowed:
        what = KIND_LABELS[report_kind]
        fail(f"{what}的格式只能是 {'、'.join(allowed)}（收到：{fmt or out.suffix or '无扩展名'}）")
    if out.suffix.lstrip(".").lower() != kind:
        fail(
            f"输出文件 {out} 的扩展名（{out.suffix or '无'}）与格式 {kind} 不一致，"
            f"请改为 {out.with_suffix('.' + kind).name}"
        )
    if report_kind == "progress" and year is None:
        fail("--kind progress 须给出 --year（报告年度，如 2025）")
    problem = _unwritable(out)
    if problem:
        fail(problem)
    url = db_url(db)
    with tempfile.TemporaryDirectory(prefix="liangshan-report-") as tmp:
        try:
            if report_kind == "progress":
                from liangshan.report.progress import generate_progress

                assert year is not None
                made = generate_progress(url, region, kind, Path(tmp) / f"progress.{kind}", year=year)
                extra: dict[str, object] = {"year": year}
            else:
                from liangshan.report.review_package import build_review_package

                made = Path(tmp) / "review.zip"
                extra = build_review_package(url, region, made)
                extra.pop("out", None)
            out.parent.mkdir(parents=True, exist_ok=True)
            path = Path(shutil.move(str(made), str(out)))
        except (StoreError, PdfConversionError, ValueError) as e:
            fail(str(e))
        except OSError as e:
            fail(f"无法写入 {out}（{_os_reason(e)}），请换一个输出目录或文件名")
    size = path.stat().st_size
    if json:
        emit_json(
            {"region": region, "kind": report_kind, "format": kind, "out": str(path), "bytes": size, **extra}
        )
        return
    if report_kind == "progress":
        console.print(f"已生成{year}年度建设进展报告：{path}（{size / 1024:,.0f} KB）")
    else:
        ys = extra.get("years") or []
        years_text = "、".join(str(y) for y in ys) if isinstance(ys, list) else ""
        console.print(
            f"已生成复核资料包：{path}（{size / 1024:,.0f} KB；年度建设进展报告 {years_text or '无'}；"
            f"问题整改台账 {extra.get('incidents', 0)} 项；文件 {extra.get('files', 0)} 个）"
        )


def _os_reason(e: OSError) -> str:
    reasons = {
        errno.EACCES: "无写权限",
        errno.EPERM: "无写权限",
        errno.ENOENT: "目录不存在且无法创建",
        errno.EROFS: "只读文件系统",
        errno.ENOSPC: "磁盘空间不足",
        errno.EISDIR: "目标是文件夹",
    }
    return reasons.get(e.errno or 0, f"系统错误代码 {e.errno}")


def _unwritable(out: Path) -> str | None:
    """Why ``out`` cannot be written (None when it can): a folder, a read-only file or folder."""
    if out.is_dir():
        return f"输出路径 {out} 是文件夹，请给出文件名，如 {out / '报告.docx'}"
    if out.exists() and not os.access(out, os.W_OK):
        return f"输出文件 {out} 不可写（只读），请换一个文件名或目录"
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"无法在 {parent} 中写入 {out.name}（目录不存在或无写权限），请换一个输出目录"
    return None


_LABEL = {"docx": " Word 报告", "pdf": " PDF 报告", "xlsx": " Excel 附表", "pptx": "汇报演示文稿"}
