"""Core commands: demo, assess, import, export, history, audit (``catalog``: cli/catalogs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from liangshan.assess import equal_weights
from liangshan.assess.index import SCORE_LABEL, Assessment
from liangshan.catalog import Catalog, load_catalog
from liangshan.cli.common import console, db_url, emit_json, fail, workspace_actor
from liangshan.store.errors import StoreError

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
COLOURS = {
    "达标": "green",
    "基本达标": "yellow",
    "未达标": "red",
    "数据缺失": "magenta",
    "不适用": "bright_black",
}


def catalog_dict(cat: Catalog) -> dict[str, Any]:
    """The catalog as nested JSON: goals → categories → indicators, plus the data elements."""
    goals = []
    for g in cat.goals:
        cats = []
        for c in (c for c in cat.categories if c.goal == g.code):
            inds = [i.model_dump(mode="json") for i in cat.indicators if i.category == c.code]
            for d in inds:
                d["target_text"] = d["target"]["text"]
            cats.append({"code": c.code, "name": c.name, "indicators": inds})
        goals.append({"code": g.code, "name": g.name, "categories": cats})
    return {
        "framework": cat.framework,
        "version": cat.version,
        "title": cat.title,
        "source": cat.source,
        "goals": goals,
        "data_elements": [e.model_dump(mode="json") for e in cat.data_elements],
    }


def _demo_accounts_hint(url: str, explicit_db: bool) -> None:
    """Say which demo accounts cannot log in yet (no password) and the command that sets one."""
    from liangshan.services.accounts import list_users
    from liangshan.services.permissions import SYSTEM
    from liangshan.store.db import session_scope

    with session_scope(url) as s:
        waiting = [u.username for u in list_users(s) if u.active and not u.has_password and u.role != SYSTEM]
    if not waiting:
        return
    names = "、".join(waiting[:3]) + (" 等" if len(waiting) > 3 else "")
    command = "liangshan user demo-passwords" + (f" --db {url}" if explicit_db else "")
    console.print(
        f"示例账号 {len(waiting)} 个（{names}）尚未设置密码，暂时不能登录。运行 {command} 给它们设置同一个"
        "示例密码并列出账号；登录后须先修改密码（仅在本机演示时加 --demo，不要求修改）。",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        db: DbOpt = None,
        json: JsonOpt = False,
        work_dir: Annotated[Path | None, typer.Option(help="保留示例原始数据的目录")] = None,
        counties: Annotated[
            int, typer.Option(min=0, max=9999, help="另加的示例县个数（数值由卢氏县数据按固定规则生成）")
        ] = 0,
    ) -> None:
        """建立卢氏县示例数据库（已存在则不变）。"""
        from liangshan.demo.build import REGION, build_demo
        from liangshan.demo.counties import synthetic_counties

        url = db_url(db)
        with console.status("正在生成示例数据并计算……") if not json else _null():
            created = build_demo(url, work_dir, counties=counties)
        added = [c.code for c in synthetic_counties(counties)] if created else []
        if json:
            emit_json({"region": REGION, "created": created, "db": url, "counties": added})
        else:
            console.print(f"示例数据库{'已建立' if created else '已存在，未改动'}：{url}（卢氏县 {REGION}）")
            if added:
                span = f"{added[0]}—{added[-1]}"
                console.print(f"另加示例县 {len(added)} 个（合成数值）：{span}", highlight=False)
            _demo_accounts_hint(url, db is not None)

    @app.command()
    def assess(
        region: Annotated[str, typer.Option(help="地区代码（GB/T 2260），如 411224")],
        years: Annotated[
            str | None, typer.Option(help="评估年份，如 2023-2025（默认为评估批次年份）")
        ] = None,
        round_id: Annotated[int | None, typer.Option("--round", help="评估批次编号")] = None,
        include_pending: Annotated[bool, typer.Option(help="预览：未审核的填报也参与计算")] = False,
        score: Annotated[bool, typer.Option(help=f"附加{SCORE_LABEL}（等权重）")] = False,
        weights: Annotated[Path | None, typer.Option(help="权重 YAML（指标序号: 权重）")] = None,
        db: DbOpt = None,
        json: JsonOpt = False,
    ) -> None:
        """按目标规则评估各指标（达标/基本达标/未达标/数据缺失/不适用）。"""
        from liangshan.services.assessment import run_assessment

        w = None
        if weights:
            w = {int(k): float(v) for k, v in yaml.safe_load(weights.read_text(encoding="utf-8")).items()}
        elif score:
            w = equal_weights(load_catalog())
        try:
            result = run_assessment(db_url(db), region, years, round_id, include_pending, w)
        except StoreError as e:
            fail(str(e))
        if json:
            emit_json(result.to_dict())
        else:
            print_assessment(result)

    @app.command("import")
    def import_(
        file: Annotated[Path, typer.Argument(help="CSV 或 XLSX：region, item, year, value[, unit, note]")],
        user: Annotated[
            str | None,
            typer.Option("--user", "--as", help="以数据库中哪个账号的名义导入（缺省：命令行操作员 system）"),
        ] = None,
        round_id: Annotated[
            int | None, typer.Option("--round", help="评估批次编号（默认进行中的批次）")
        ] = None,
        approve: Annotated[bool, typer.Option(help="导入后直接审核通过（领导小组办公室）")] = False,
        db: DbOpt = None,
        json: JsonOpt = False,
    ) -> None:
        """导入填报数值（与网页填报相同的规则）；任何一行有误则全部不写入。"""
        from liangshan.services.imports import import_file
        from liangshan.services.permissions import PermissionDenied

        if not file.exists():
            fail(f"文件不存在：{file}")
        try:
            ws, actor = workspace_actor(db, user)
            result = import_file(ws, actor, file, round_id=round_id, approve=approve)
        except PermissionDenied as e:
            fail(e.message)
        except StoreError as e:
            fail(str(e))
        out = [
            {
                "id": x.id,
                "region": x.region_code,
                "item": x.item_code,
                "year": x.year,
                "version": x.version,
                "status": x.status,
            }
            for x in result.written
        ]
        if json:
            emit_json({"imported": len(out), "submissions": out})
        else:
            console.print(f"已导入 {len(out)} 条（{'已审核通过' if approve else '待审核'}）：{file}")

    @app.command()
    def export(
        out: Annotated[Path, typer.Option("--out", help="输出文件")],
        fmt: Annotated[str, typer.Option("--format", help="xlsx 或 csv")] = "xlsx",
        region: Annotated[str | None, typer.Option(help="只导出该地区")] = None,
        years: Annotated[str | None, typer.Option(help="年份，如 2023-2025")] = None,
        db: DbOpt = None,
    ) -> None:
        """导出各数据项的最新版本（可修改后再导入）。"""
        from liangshan.store.db import session_scope
        from liangshan.store.service import ensure_db, parse_years
        from liangshan.store.values_io import export_rows, write_export

        if fmt not in ("xlsx", "csv"):
            fail("--format 只能是 xlsx 或 csv")
        url = ensure_db(db_url(db))
        try:
            ys = parse_years(years, (0, 0)) if years else None
            with session_scope(url) as s:
                rows = export_rows(s, load_catalog(), region, ys)
        except StoreError as e:
            fail(str(e))
        write_export(rows, out, fmt)
        console.print(f"已导出 {len(rows)} 条：{out}")

    @app.command()
    def history(
        region: Annotated[str, typer.Option(help="地区代码")],
        item: Annotated[str, typer.Option(help="数据元素代码或 indicator:N")],
        year: Annotated[int, typer.Option(help="年份")],
        db: DbOpt = None,
        json: JsonOpt = False,
    ) -> None:
        """某数据项的全部版本与审核记录（谁、何时、改了什么）。"""
        from sqlalchemy import select

        from liangshan.store.db import session_scope
        from liangshan.store.models import Review
        from liangshan.store.service import ensure_db
        from liangshan.store.submissions import history as versions

        url = ensure_db(db_url(db))
        with session_scope(url) as s:
            subs = versions(s, region, item, year)
            reviews = s.scalars(
                select(Review)
                .where(Review.submission_id.in_([x.id for x in subs]))
                .order_by(Review.at, Review.id)
            ).all()
            data: list[dict[str, Any]] = [
                {
                    "version": x.version,
                    "value": x.value,
                    "unit": x.value_unit,
                    "status": x.status,
                    "note": x.note,
                    "by": x.created_by,
                    "at": x.created_at.isoformat(),
                    "provenance": x.provenance,
                    "reviews": [
                        {
                            "action": r.action,
                            "from": r.from_status,
                            "to": r.to_status,
                            "reason": r.reason,
                            "by": r.actor,
                            "at": r.at.isoformat(),
                        }
                        for r in reviews
                        if r.submission_id == x.id
                    ],
                }
                for x in subs
            ]
        if json:
            emit_json(data)
            return
        if not data:
            fail(f"{region} {item} {year}年 没有填报记录")
        t = Table(title=f"{region} {item} {year}年 填报历史")
        for col in ("版本", "数值", "状态", "填报人", "时间", "审核记录"):
            t.add_column(col)
        for d in data:
            rv = "；".join(f"{r['by']} {r['action']} {r['reason']}".strip() for r in d["reviews"])
            t.add_row(str(d["version"]), _cell(d["value"]), d["status"], d["by"], d["at"][:19], rv)
        console.print(t)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def print_assessment(a: Assessment) -> None:
    """The verdict table as a county office reads it."""
    t = Table(
        title=f"{a.region.name}（{a.region.code}）“两山指数”自评估 {a.years[0]}—{a.years[-1]}年",
        show_lines=False,
    )
    for col in ("序号", "指标", "目标", *[f"{y}年" for y in a.years], "结论", "说明"):
        t.add_column(col, overflow="fold")
    for r in a.results:
        vals = [_cell(v) for v in r.values().values()]
        colour = COLOURS[r.verdict]
        t.add_row(
            str(r.indicator.id),
            r.indicator.name,
            r.target.text,
            *vals,
            f"[{colour}]{r.verdict}[/]",
            r.judgement.reason,
        )
    console.print(t)
    counts = "，".join(f"{k} {v} 项" for k, v in a.counts().items())
    console.print(f"共 {len(a.results)} 项指标：{counts}")
    sc = a.score()
    if sc is not None:
        console.print(f"{SCORE_LABEL}：{sc}")


def _cell(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    return f"{v:g}" if isinstance(v, float) else str(v)
