"""``liangshan workplan``: the work plan — organisation, phases, tasks, digest, unit scores, bundle,
verification route and meeting minutes."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from liangshan import localtime
from liangshan.cli.common import console, db_url, emit_json, err_console, fail
from liangshan.cli.options import ActorOpt, RegionOpt
from liangshan.store.errors import StoreError
from liangshan.store.safe_cells import append_row, csv_row

if TYPE_CHECKING:
    from liangshan.services.uploads import CheckedUpload

app = typer.Typer(
    help="工作方案：领导小组、实施步骤、主要任务、调度督办、考核、资料包与核查路线", no_args_is_help=True
)

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
DateOpt = Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD（默认今天）")]
STATE_STYLE = {"overdue": "red", "due_soon": "yellow", "done": "green", "done_late": "magenta"}
COMMITMENT_STYLE = {"met": "green", "not_met": "red", "not_reported": "yellow"}


def _date(text: str | None) -> date:
    if not text:
        return localtime.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD，收到：{text}")


def _url(db: str | None) -> str:
    from liangshan.store.service import ensure_db

    return ensure_db(db_url(db))


def _pct(v: float | None) -> str:
    return "未报送" if v is None else f"{v:.0f}%"


@app.command()
def load(
    region: RegionOpt,
    file: Annotated[Path | None, typer.Option("--file", help="工作方案 YAML（默认卢氏县方案）")] = None,
    db: DbOpt = None,
) -> None:
    """为已有地区载入工作方案（任务、阶段节点、资料清单）。"""
    from liangshan.store.db import session_scope
    from liangshan.workplan.plan import LUSHI_PLAN, load_plan

    url = _url(db)
    try:
        with session_scope(url) as s:
            plan = load_plan(s, region, file or LUSHI_PLAN)
            title = plan.title
    except StoreError as e:
        fail(str(e))
    console.print(f"已载入工作方案：{title}（{region}）")


@app.command()
def show(region: RegionOpt, date_: DateOpt = None, db: DbOpt = None, json: JsonOpt = False) -> None:
    """领导小组与办公室、实施步骤与节点、七项主要任务（牵头/配合单位、关联指标、进展）及其量化承诺（逐年目标与实际）。"""
    from liangshan.store.db import session_scope
    from liangshan.workplan.plan import plan_dict
    from liangshan.workplan.tracking import STATE_LABELS

    on = _date(date_)
    try:
        with session_scope(_url(db)) as s:
            data = plan_dict(s, region, on)
    except StoreError as e:
        fail(str(e))
    if json:
        emit_json(data)
        return
    org = data["organisation"]
    console.print(f"[bold]{data['plan']['title']}[/]（{data['plan']['doc_number']}）  截至 {data['as_of']}")
    console.print(f"\n[bold]{org['group_name']}[/]")
    console.print("组长：" + "；".join(f"{p['name']}（{p['title']}）" for p in org["leaders"]))
    console.print("副组长：" + "；".join(f"{p['name']}（{p['title']}）" for p in org["deputy_leaders"]))
    console.print("成员单位：" + "、".join(org["member_units"]))
    off = org["office"]
    console.print(
        f"{off['name']}（设在{off['location']}）主任："
        + "；".join(p["name"] for p in off["director"])
        + "  副主任："
        + "；".join(p["name"] for p in off["deputy_directors"])
    )
    t = Table(title="实施步骤与节点", show_lines=False)
    for col in ("阶段", "节点", "责任单位", "期限", "状态"):
        t.add_column(col)
    for ph in data["phases"]:
        for i, m in enumerate(ph["milestones"]):
            style = STATE_STYLE.get(m["state"], "")
            label = STATE_LABELS[m["state"]]
            t.add_row(
                ph["name"] if i == 0 else "",
                m["title"],
                m["owner"] or "—",
                m["due"] or "未定",
                f"[{style}]{label}[/]" if style else label,
            )
    console.print(t)
    t = Table(title="主要任务", show_lines=True)
    for col in ("任务", "牵头单位", "配合单位", "关联指标", "进展"):
        t.add_column(col, overflow="fold")
    for tk in data["tasks"]:
        rows = [(f"（{tk['code']}）{tk['title']}", tk)] + [
            (f"  {x['code']}. {x['title']}", x) for x in tk["subtasks"]
        ]
        for label, x in rows:
            t.add_row(
                label,
                x["lead_unit"] or "—",
                "、".join(x["cooperating_units"]) or "—",
                "、".join(str(i) for i in x["indicators"]) or "—",
                _pct(x["progress"]["percent"]),
            )
    console.print(t)
    _print_commitments(data)


def _print_commitments(data: dict[str, Any]) -> None:
    """The tasks' commitments: lead unit, target and, per plan year, target / actual and state."""
    overview = data.get("commitments") or {}
    years: list[int] = overview.get("years") or []
    if not years:
        return
    t = Table(title="任务量化承诺（目标／实际，只计审核通过的实际值）", show_lines=True)
    for col in ("任务", "承诺", "牵头单位", "目标", *(f"{y}年" for y in years)):
        t.add_column(col, overflow="fold")
    for tk in data["tasks"]:
        for x in [tk, *tk["subtasks"]]:
            label = f"（{tk['code']}）" + (f"{x['code']}" if x is not tk else "")
            for c in x["commitments"]:
                cells = []
                for y in c["years"]:
                    style = COMMITMENT_STYLE.get(y["status"], "")
                    state = f"[{style}]{y['status_label']}[/]" if style else y["status_label"]
                    pending = f"（{y['pending_status']}）" if y["pending_status"] else ""
                    cells.append(f"{y['target_text']}／{y['actual_text']} {state}{pending}")
                t.add_row(label, c["name"], c["lead_unit"], c["target_text"], *cells)
    console.print(t)
    year = overview.get("count_year")
    t = Table(title=f"{year}年承诺达成情况（按牵头单位）")
    for col in ("牵头单位", "有目标", "已达到", "未达到", "未报送"):
        t.add_column(col)
    for u in overview["by_lead_unit"]:
        t.add_row(u["unit"], *(str(u[k]) for k in ("total", "met", "not_met", "not_reported")))
    console.print(t)


@app.command("commitment-report")
def commitment_report(
    region: RegionOpt,
    code: Annotated[str, typer.Option("--code", help="承诺编号（见 workplan show --json）")],
    year: Annotated[int, typer.Option("--year", help="年度")],
    value: Annotated[str, typer.Option("--value", help="实际值：数值，或 是/否")],
    evidence: Annotated[str, typer.Option("--evidence", help="证明材料（如：2025年水质监测报告）")],
    note: Annotated[str, typer.Option("--note", help="说明")] = "",
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            help="证明材料文件（可重复）：PDF、图片、docx/xlsx/pptx 或 ZIP，每个不超过 20 MB，与网页报送相同",
        ),
    ] = None,
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """报送任务量化承诺某年的实际值（牵头单位或领导小组办公室；报送后待办公室审核），可附证明材料文件。"""
    from liangshan.cli.common import workspace_actor
    from liangshan.services.permissions import PermissionDenied
    from liangshan.services.uploads import UploadRejected
    from liangshan.workplan.commitment_desk import report_with_files
    from liangshan.workplan.commitments import VALUE_STATUS_LABELS, get_commitment

    ws, actor = workspace_actor(db, user)
    try:
        uploads = [_evidence_upload(p) for p in files or []]  # every file checked before anything is written
        with ws.write() as s:
            row = report_with_files(
                s, actor, ws.files_dir, region, code, year, value,
                evidence=evidence, note=note, uploads=uploads,
            )  # fmt: skip
            out: dict[str, Any] = {
                "id": row.id,
                "code": code,
                "name": get_commitment(s, region, code).name,
                "year": year,
                "version": row.version,
                "status": row.status,
                "files": [u.filename for u in uploads],
            }
    except PermissionDenied as e:
        fail(e.message)
    except (StoreError, UploadRejected) as e:
        fail(str(e))
    if json:
        emit_json(out)
        return
    attached = f"，附证明材料 {len(out['files'])} 个" if out["files"] else ""
    console.print(
        f"已报送承诺“{out['name']}”{year}年实际值（第 {out['version']} 版，记录号 {out['id']}，"
        f"{VALUE_STATUS_LABELS[out['status']]}{attached}）",
        highlight=False,
    )


def _evidence_upload(path: Path) -> CheckedUpload:
    """An evidence file checked as the web form checks an upload
    (:func:`liangshan.services.uploads.check_upload`: size, type from the content, name); at most the
    limit + 1 bytes are read, so an oversized file is refused without loading it."""
    from liangshan.services.uploads import DEFAULT_MAX_BYTES, UploadRejected, check_upload

    if not path.is_file():
        raise UploadRejected(f"文件不存在：{path}", 400)
    try:
        with path.open("rb") as fh:
            data = fh.read(DEFAULT_MAX_BYTES + 1)
    except OSError:
        raise UploadRejected(f"无法读取文件：{path}", 400) from None
    return check_upload(data, path.name, DEFAULT_MAX_BYTES)


@app.command("commitment-review")
def commitment_review(
    value_id: Annotated[int, typer.Argument(help="实际值记录号（报送时显示）")],
    action: Annotated[str, typer.Option("--action", help="approve（通过）或 return（退回）")],
    note: Annotated[str, typer.Option("--note", help="意见（退回时必填）")] = "",
    user: ActorOpt = None,
    db: DbOpt = None,
) -> None:
    """审核任务量化承诺的实际值（领导小组办公室）：通过后计入进展与考核，退回须写明理由。"""
    from liangshan.cli.common import workspace_actor
    from liangshan.services.permissions import PermissionDenied
    from liangshan.workplan.commitments import VALUE_STATUS_LABELS, review_actual

    ws, actor = workspace_actor(db, user)
    try:
        with ws.write() as s:
            row = review_actual(s, actor, value_id, action, note=note)
            status = row.status
    except PermissionDenied as e:
        fail(e.message)
    except StoreError as e:
        fail(str(e))
    console.print(f"实际值记录 {value_id}：{VALUE_STATUS_LABELS[status]}", highlight=False)


@app.command()
def digest(
    region: RegionOpt,
    date_: DateOpt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只看该单位（名称或别名）")] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="几天内到期算“即将到期”")] = 7,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """每日提醒：各单位已逾期和即将到期的事项（节点、督办、资料、群众监督、数据填报）。"""
    from liangshan.store.db import session_scope
    from liangshan.store.regions import find_unit
    from liangshan.workplan.tracking import digest as make_digest

    on = _date(date_)
    try:
        with session_scope(_url(db)) as s:
            uid = None
            if unit:
                u = find_unit(s, region, unit)
                if u is None:
                    fail(f"地区 {region} 没有单位“{unit}”")
                uid = u.id
            data = make_digest(s, region, on, horizon_days=horizon, unit_id=uid)
    except StoreError as e:
        fail(str(e))
    if json:
        emit_json({"region": region, "date": on.isoformat(), "horizon_days": horizon, "units": data})
        return
    if not data:
        console.print(f"{on.isoformat()}：没有逾期或 {horizon} 天内到期的事项")
        return
    for entry in data:
        console.print(
            f"\n[bold]{entry['unit']}[/]  已逾期 {len(entry['overdue'])} 项，"
            f"{horizon} 天内到期 {len(entry['due_soon'])} 项"
        )
        for key, style in (("overdue", "red"), ("due_soon", "yellow")):
            for it in entry[key]:
                console.print(
                    f"  [{style}]{it['state_label']}[/] {it['due']}  [{it['kind_label']}] {it['title']}"
                )


@app.command()
def score(
    region: RegionOpt,
    year: Annotated[int, typer.Option("--year", help="考核年度")],
    sheet: Annotated[Path | None, typer.Option("--sheet", help="评分表 YAML（默认参考评分表）")] = None,
    date_: DateOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="导出排名表（.csv 或 .xlsx）")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """年度工作目标考核：各单位得分与排名（评分表可配置）。"""
    from liangshan.store.db import session_scope
    from liangshan.workplan.scoring import COMPONENT_LABELS, assess_units, load_sheet

    try:
        sh = load_sheet(sheet)
        with session_scope(_url(db)) as s:
            data = assess_units(s, region, year, as_of=_date(date_) if date_ else None, sheet=sh)
    except StoreError as e:
        fail(str(e))
    comps = list(sh.weights)
    if out is not None:
        _write_scores(data, comps, out)
    if json:
        emit_json(data)
        return
    t = Table(title=f"{year}年{sh.name}（截至 {data['as_of']}）")
    for col in (
        "排名",
        "单位",
        "得分",
        "等次",
        *(f"{COMPONENT_LABELS[c]}({sh.weights[c]:g})" for c in comps),
    ):
        t.add_column(col)
    for u in data["units"]:
        cells = []
        for c in comps:
            comp = u["components"][c]
            cells.append("—" if comp["rate"] is None else f"{100 * comp['rate']:.0f}%")
        t.add_row(
            str(u["rank"] or "—"),
            u["unit"],
            "—" if u["score"] is None else f"{u['score']:.1f}",
            u["grade"] or "无考核内容",
            *cells,
        )
    console.print(t)
    if out is not None:
        console.print(f"已导出：{out}")


def _write_scores(data: dict[str, Any], comps: list[str], out: Path) -> None:
    from liangshan.workplan.scoring import COMPONENT_LABELS

    header = ["排名", "单位", "得分", "等次"]
    for c in comps:
        header += [f"{COMPONENT_LABELS[c]}", f"{COMPONENT_LABELS[c]}分子", f"{COMPONENT_LABELS[c]}分母"]
    rows: list[list[Any]] = []
    for u in data["units"]:
        row: list[Any] = [
            u["rank"],
            u["unit"],
            None if u["score"] is None else round(u["score"], 2),
            u["grade"],
        ]
        for c in comps:
            comp = u["components"][c]
            row += [
                None if comp["rate"] is None else round(comp["rate"], 4),
                comp["numerator"],
                comp["denominator"],
            ]
        rows.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = f"{data['year']}年度考核"
        ws.append(header)
        for r in rows:
            append_row(ws, r)
        wb.save(out)
    elif out.suffix.lower() == ".csv":
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(csv_row(r) for r in rows)
    else:
        fail(f"--out 只支持 .csv 或 .xlsx：{out}")


@app.command()
def bundle(
    region: RegionOpt,
    out: Annotated[Path, typer.Option("--out", help="输出 ZIP 文件")],
    date_: DateOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
    report: Annotated[
        bool,
        typer.Option("--report/--no-report", help="附情况说明技术报告（Word、PDF）、附表和各指标佐证材料"),
    ] = True,
) -> None:
    """导出申报/核查资料包（ZIP：报告、附表、佐证材料、资料清单文件、目录、manifest.json 与 SHA256SUMS）。"""
    from liangshan.config import evidence_root
    from liangshan.store.db import session_scope
    from liangshan.workplan.bundle import export_bundle

    url = _url(db)
    extra: list[tuple[str, bytes]] = []
    if report:
        import tempfile

        from liangshan.report.content import EmptyReportError
        from liangshan.report.generate import generate
        from liangshan.report.pdf import PdfConversionError

        with tempfile.TemporaryDirectory(prefix="liangshan-bundle-") as tmp:
            try:
                for fmt, name in (("docx", "情况说明技术报告.docx"), ("pdf", "情况说明技术报告.pdf"),
                                  ("xlsx", "评估附表.xlsx")):  # fmt: skip
                    path = generate(url, region, fmt, Path(tmp) / name)
                    extra.append((f"报告/{name}", path.read_bytes()))
            except EmptyReportError as e:  # a plan without values yet: the checklist files alone
                extra.clear()
                err_console.print(f"[yellow]提示[/]：未附报告——{e}", highlight=False)
            except (StoreError, PdfConversionError, ValueError) as e:
                fail(f"生成报告失败：{e}（可加 --no-report 只导出资料清单文件）")
    try:
        with session_scope(url) as s:
            manifest = export_bundle(
                s,
                region,
                evidence_root(url),
                out,
                as_of=_date(date_),
                values_evidence=report,
                extra_files=extra,
            )
    except StoreError as e:
        fail(str(e))
    done = sum(1 for i in manifest["items"] if i["status"] == "done")
    if json:
        emit_json(
            {"out": str(out), "items": len(manifest["items"]), "done": done, "files": manifest["file_count"]}
        )
        return
    console.print(
        f"已导出资料包：{out}（{len(manifest['items'])} 项资料，已完成 {done} 项，"
        f"文件 {manifest['file_count']} 个）"
    )


@app.command()
def route(
    region: RegionOpt,
    out: Annotated[Path, typer.Option("--out", help="输出路线单 .docx")],
    geojson: Annotated[Path | None, typer.Option("--geojson", help="底图边界 GeoJSON（WGS 84）")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="另存路线图 PNG")] = None,
    speed: Annotated[float, typer.Option("--speed", help="平均车速（公里/小时）")] = 40.0,
    road_factor: Annotated[float, typer.Option("--road-factor", help="道路距离 / 直线距离")] = 1.0,
    return_to_start: Annotated[bool, typer.Option("--return", help="返回出发点")] = False,
    start_time: Annotated[str, typer.Option("--start-time", help="出发时间 HH:MM")] = "08:30",
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """现场核查路线：按最近邻 + 2-opt 排序点位，估算距离与时间，输出路线单（含路线图）。"""
    from liangshan.store.db import session_scope
    from liangshan.store.models import Region
    from liangshan.workplan.documents import write_route_sheet
    from liangshan.workplan.mapping import read_boundaries, route_map_png

    try:
        with session_scope(_url(db)) as s:
            from liangshan.workplan.verification import region_route

            pts, rt, rows = region_route(
                s,
                region,
                speed_kmh=speed,
                road_factor=road_factor,
                return_to_start=return_to_start,
                start_time=start_time,
            )
            reg = s.get(Region, region)
            name = reg.name if reg else region
        bounds = read_boundaries(geojson) if geojson else []
    except (StoreError, ValueError) as e:
        fail(str(e))
    image = route_map_png(
        pts, rt.order, boundaries=bounds, title=f"{name}现场核查路线", closed=return_to_start
    )
    if png:
        png.write_bytes(image)
    totals = {
        "total_km": rt.total_km,
        "drive_minutes": rt.drive_minutes,
        "total_minutes": rt.total_minutes,
        "parameters": rt.parameters,
    }
    write_route_sheet(rows, totals, out, title=f"{name}现场核查路线单", map_png=image)
    if json:
        emit_json(
            {
                "out": str(out),
                **totals,
                "stops": [
                    {k: r[k] for k in ("seq", "name", "distance_km", "arrive", "depart")} for r in rows
                ],
            }
        )
        return
    t = Table(
        title=f"{name}现场核查路线（全程约 {rt.total_km:.1f} 公里，"
        f"含停留约 {rt.total_minutes / 60:.1f} 小时）"
    )
    for col in ("序", "点位", "责任单位", "上一段(km)", "到达", "离开"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            str(r["seq"]), r["name"], r["owner"] or "—", f"{r['distance_km']:.1f}", r["arrive"], r["depart"]
        )
    console.print(t)
    console.print(f"已写出路线单：{out}")


@app.command()
def minutes(
    meeting_id: Annotated[int, typer.Argument(help="调度会议编号")],
    out: Annotated[Path, typer.Option("--out", help="输出会议纪要 .docx")],
    db: DbOpt = None,
) -> None:
    """导出调度会议纪要（会议情况、议题、议定事项、督办事项）。"""
    from liangshan.store.db import session_scope
    from liangshan.store.models import Region
    from liangshan.workplan.documents import write_minutes
    from liangshan.workplan.tracking import meeting_dict

    try:
        with session_scope(_url(db)) as s:
            m = meeting_dict(s, meeting_id)
            reg = s.get(Region, m["region"])
            name = reg.name if reg else ""
    except StoreError as e:
        fail(str(e))
    write_minutes(m, out, region_name=name)
    console.print(
        f"已写出会议纪要：{out}（{m['title']}，议定事项 {len(m['decisions'])} 项，"
        f"督办 {len(m['actions'])} 项）"
    )
