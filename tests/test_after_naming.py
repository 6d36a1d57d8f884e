"""After naming: base status, the incidents register, early warnings, the annual progress report and
the review package (docs/after-naming.md)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from liangshan.assess import Observation, RegionProfile, assess
from liangshan.catalog import Catalog, load_catalog
from liangshan.cli import app
from liangshan.services.base_status import get_status, set_status, status_of, write_status
from liangshan.services.checks import EntryError
from liangshan.services.incidents import add_incident, list_incidents, register_xlsx, update_incident
from liangshan.services.permissions import Actor, PermissionDenied, system_actor
from liangshan.services.warnings import early_warnings, for_unit
from liangshan.services.workspace import Workspace
from liangshan.store.db import session_scope
from liangshan.store.models import Region
from liangshan.store.models_after import BaseStatus, Incident, IncidentUpdate
from liangshan.store.service import ensure_db

R = "411224"
LUSHI = RegionProfile(R, "卢氏县", "山区")


def _ws(url: str) -> Workspace:
    ensure_db(url)
    with session_scope(url) as s:
        if s.get(Region, R) is None:
            s.add(Region(code=R, name="卢氏县", level="county"))
    return Workspace(url, Path("/nonexistent"), load_catalog())


def _system(ws: Workspace) -> Actor:
    with ws.read() as s:
        return system_actor(s)


# ---- base status ----------------------------------------------------------------------------------
def test_status_defaults_checks_and_baseline(db: str) -> None:
    ws = _ws(db)
    actor = _system(ws)
    first = get_status(ws, actor, R)
    assert first["status"] == "创建中" and not first["recorded"] and first["baseline_year"] is None
    with pytest.raises(EntryError, match="状态为“已命名”时须填写申报日期"):
        set_status(ws, actor, R, status="已命名", named_on="2025-09-01")
    with pytest.raises(EntryError, match="命名日期 2024-01-01 早于申报日期 2024-06-01"):
        set_status(ws, actor, R, status="已命名", applied_on="2024-06-01", named_on="2024-01-01")
    with pytest.raises(EntryError, match="基地状态应为"):
        set_status(ws, actor, R, status="已验收")
    with ws.read() as s:
        assert s.get(BaseStatus, R) is None  # nothing written by the refused changes
    out = set_status(ws, actor, R, status="创建中", started_on="2023-06-06")
    assert out["baseline_year"] == 2023 and out["baseline_label"] == "创建基准年"
    out = set_status(
        ws, actor, R, status="已命名", applied_on="2024-06-01", named_on="2025-09", named_doc="环函"
    )
    assert out["baseline_year"] == 2025 and out["baseline_label"] == "命名基准年"
    assert out["next_review_year"] == 2028 and out["started_on"] == "2023-06-06"  # kept from before
    assert out["basis"]["issued_on"] == "2024-02-01"
    hist = get_status(ws, actor, R)["history"]
    assert [h["status"] for h in hist] == ["已命名", "创建中"] and hist[0]["before"] == "创建中"


def test_only_the_office_changes_the_status(db: str) -> None:
    ws = _ws(db)
    leader = Actor(
        id=9, username="leader", display_name="领导", role="leader", region=R, regions=frozenset({R})
    )
    assert get_status(ws, leader, R)["can_edit"] is False
    with pytest.raises(PermissionDenied):
        set_status(ws, leader, R, status="已申报", applied_on="2025-01-01")


# ---- incidents ------------------------------------------------------------------------------------
def test_register_is_append_only_with_effective_state_and_risk(db: str) -> None:
    ws = _ws(db)
    actor = _system(ws)
    central = add_incident(
        ws,
        actor,
        R,
        kind="中央生态环境保护督察",
        occurred_on="2024-05-20",
        title="采砂迹地修复不到位",
        responsible_unit="水利局",
        due_on="2025-06-30",
    )
    other = add_incident(
        ws,
        actor,
        R,
        kind="其他",
        occurred_on="2024-01-02",
        title="一般问题",
        responsible_unit="住建局",
        due_on="2030-01-01",
    )
    assert central["serious"] and not other["serious"]
    reg = list_incidents(ws, actor, R, today=date(2025, 7, 1))
    states = {r["id"]: r["state"] for r in reg["items"]}
    assert states == {central["id"]: "逾期", other["id"]: "整改中"}  # past its due date → 逾期
    assert reg["risks"] == [central["id"]] and reg["counts"]["逾期"] == 1
    assert list_incidents(ws, actor, R, today=date(2025, 1, 1))["items"][1]["state"] == "整改中"
    with pytest.raises(EntryError, match="状态为“已整改”时须填写完成日期"):
        update_incident(ws, actor, central["id"], status="已整改", note="完成")
    with pytest.raises(EntryError, match="完成日期 2023-01-01 早于问题发生/交办日期 2024-05-20"):
        update_incident(ws, actor, central["id"], status="已整改", note="完成", done_on="2023-01-01")
    done = update_incident(ws, actor, central["id"], status="已整改", note="验收销号", done_on="2025-08-01")
    assert done["state"] == "已整改" and not done["risk"] and done["due_on"] == "2025-06-30"
    assert [h["status"] for h in done["history"]] == ["整改中", "已整改"]
    with ws.read() as s:
        assert len(list(s.scalars(select(IncidentUpdate)))) == 3
        assert s.get(Incident, central["id"]).title == "采砂迹地修复不到位"  # type: ignore[union-attr]
    with pytest.raises(EntryError, match="问题类别应为"):
        add_incident(ws, actor, R, kind="环保", occurred_on="2024-01-01", title="x", responsible_unit="y")
    with pytest.raises(EntryError, match="发生/交办日期不是有效日期"):
        add_incident(ws, actor, R, kind="其他", occurred_on="2024-02-30", title="x", responsible_unit="y")
    with ws.read() as s:
        assert len(list(s.scalars(select(Incident)))) == 2


def test_register_xlsx_is_formula_safe() -> None:
    row = {
        "id": 1,
        "kind": "其他",
        "occurred_on": "2024-01-01",
        "title": '=HYPERLINK("http://x")',
        "description": "",
        "responsible_unit": "水利局",
        "serious": False,
        "state": "整改中",
        "due_on": None,
        "done_on": None,
        "latest_note": "+1",
        "evidence": "",
        "example": False,
    }
    ws = load_workbook(io.BytesIO(register_xlsx([row], "台账"))).active
    assert ws is not None
    assert ws["D3"].value == '=HYPERLINK("http://x")' and ws["D3"].data_type == "s" and ws["D3"].quotePrefix
    assert ws["B2"].value == "类别"


# ---- early warnings -------------------------------------------------------------------------------
def test_warnings_below_target_turn_and_consecutive_fall(catalog: Catalog) -> None:
    years = (2023, 2024, 2025)
    obs = {("indicator:1", y): Observation(v, 1) for y, v in zip(years, (92.0, 91.0, 89.0), strict=True)}
    obs |= {("indicator:4", y): Observation(v, 1) for y, v in zip(years, (80.0, 85.0, 84.0), strict=True)}
    found = early_warnings(assess(catalog, LUSHI, years, obs))
    by = {(w.indicator_id, w.kind) for w in found}
    assert (1, "below_target") in by and (1, "consecutive_fall") in by
    assert (4, "trend_turn") in by and (4, "below_target") not in by  # one dip: 基本达标, not below
    turn = next(w for w in found if w.kind == "trend_turn")
    assert turn.years == (2024, 2025) and turn.values == ("85.0%", "84.0%")
    assert (
        turn.text
        == "地下水水质达到或优于III类水的比例由升转降：2025年 84.0%，低于2024年的 85.0%（目标“稳定提高”）"
    )
    fall = next(w for w in found if w.kind == "consecutive_fall")
    assert "2023年 92.0%、2024年 91.0%、2025年 89.0%" in fall.text
    assert turn.lead_unit == catalog.indicator(4).responsible_units[0]
    mine = for_unit([w.to_dict() for w in found], [turn.lead_unit])
    assert mine and all(w["lead_unit"] == turn.lead_unit for w in mine)
    steady = {("indicator:1", y): Observation(v, 1) for y, v in zip(years, (92.0, 93.0, 94.0), strict=True)}
    assert [w for w in early_warnings(assess(catalog, LUSHI, years, steady)) if w.indicator_id == 1] == []


# ---- progress report, CLI, review package (the demo) ---------------------------------------------
def _heading_texts(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")]


def test_progress_report_cli_acceptance(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "p.docx"
    res = CliRunner().invoke(
        app,
        [
            "report",
            "--region",
            R,
            "--kind",
            "progress",
            "--year",
            "2025",
            "--format",
            "docx",
            "--out",
            str(out),
            "--db",
            demo_db,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "已生成2025年度建设进展报告" in res.output
    doc = Document(str(out))
    heads = _heading_texts(doc)
    assert heads[:3] == ["一、基地建设基本情况", "（一）基地状态", "（二）管理依据"]
    for h in (
        "二、“两山指数”指标年度变化",
        "三、主要任务推进情况",
        "四、典型案例",
        "五、存在问题",
        "（一）指标预警",
        "（二）突发环境事件与督察问题整改",
        "六、下一年度工作计划",
    ):
        assert h in heads
    table = next(
        t for t in doc.tables if t.rows[0].cells[1].text == "指标" and t.rows[0].cells[3].text == "2023年"
    )
    header = [c.text for c in table.rows[0].cells]
    assert header == ["序号", "指标", "目标", "2023年", "2025年", "变化", "判定"]
    assert len(table.rows) == 21
    twenty = [c.text for c in table.rows[20].cells]
    assert (
        twenty[:2] == ["20", "生态环保投入占 GDP 比重"]
        and twenty[5].startswith("下降")
        and twenty[6] == "未达标"
    )
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "【低于目标】生态环保投入占 GDP 比重：2025年 2.90% ≤ 3%，未达到目标" in body
    assert "（牵头单位：财政局）" in body and "创建基准年" in body and "对“两山”基地称号构成风险" in body
    commits = next(t for t in doc.tables if t.rows[0].cells[1].text == "量化承诺")
    got = {r.cells[1].text: (r.cells[0].text, r.cells[2].text, r.cells[4].text, r.cells[5].text)
           for r in commits.rows[1:]}  # fmt: skip
    assert got["农村饮用水水源地水质达标率"] == ("（五）2", "市生态环境局卢氏分局", "100%", "已达到")
    assert got["农村生活垃圾收运处置体系覆盖的村庄比例"][3] == "未达到"
    assert "2025年有目标的量化承诺" in body
    risk_table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "影响称号")
    assert {r.cells[3].text for r in risk_table.rows[1:]} == {"整改中", "已整改"}
    bad = CliRunner().invoke(
        app, ["report", "--region", R, "--kind", "progress", "--out", str(out), "--db", demo_db]
    )
    assert bad.exit_code == 2 and "须给出 --year" in bad.output
    bad = CliRunner().invoke(
        app,
        [
            "report",
            "--region",
            R,
            "--kind",
            "progress",
            "--year",
            "2025",
            "--out",
            str(tmp_path / "p.xlsx"),
            "--db",
            demo_db,
        ],
    )
    assert bad.exit_code == 2 and "只能是 docx、pdf" in bad.output


def test_review_package_holds_reports_register_and_checksums(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "review.zip"
    res = CliRunner().invoke(
        app, ["report", "--kind", "review", "--region", R, "--out", str(out), "--db", demo_db]
    )
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        for y in (2023, 2024, 2025):  # the demo's baseline is 2023 (创建基准年)
            assert f"年度建设进展报告/{y}年度建设进展报告.docx" in names
        assert {
            "报告/情况说明技术报告.docx",
            "问题整改台账.xlsx",
            "佐证材料清单.txt",
            "基地状态.json",
        } <= names
        sums = dict(
            reversed(line.split("  ", 1))
            for line in z.read("SHA256SUMS").decode().splitlines()  # type: ignore[misc]
        )
        assert set(sums) == names - {"SHA256SUMS"}
        for name, digest in sums.items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
        sheet = load_workbook(io.BytesIO(z.read("问题整改台账.xlsx"))).active
        assert sheet is not None
        assert {sheet.cell(r, 8).value for r in (3, 4)} == {"整改中", "已整改"}


def test_demo_status_and_write_status_refuses_unknown_fields(demo_db: str) -> None:
    with session_scope(demo_db) as s:
        st = status_of(s, R)
        assert st["status"] == "创建中" and st["started_on"] == "2023-06-06" and st["baseline_year"] == 2023
        with pytest.raises(EntryError, match="未知的基地状态字段"):
            write_status(s, "office", R, at=datetime(2026, 1, 1, tzinfo=UTC), stage="x")


def test_progress_report_as_pdf(demo_db: str, tmp_path: Path) -> None:
    import re
    import shutil

    from pypdf import PdfReader

    from liangshan.report.pdf import find_soffice
    from liangshan.report.progress import generate_progress

    if find_soffice() is None or shutil.which("pdftoppm") is None:
        pytest.skip("未安装 LibreOffice")
    pdf = generate_progress(demo_db, R, "pdf", tmp_path / "p.pdf", year=2025)
    text = re.sub(r"\s+", "", "\n".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages))
    for heading in ("2025年度建设进展报告", "一、基地建设基本情况", "五、存在问题", "六、下一年度工作计划"):
        assert heading in text, heading
    assert "连续两年下降" in text and not (tmp_path / "p.docx").exists()


def test_base_cli_round_trip(demo_db: str) -> None:
    import json

    run = CliRunner().invoke
    db = ["--db", demo_db]
    res = run(app, ["base", "set", "--region", R, "--status", "已申报", "--applied", "2026-03-01", *db])
    assert res.exit_code == 0 and "已更新基地状态：已申报（基准年 2023）" in res.output, res.output
    st = json.loads(run(app, ["base", "status", "--region", R, "--json", *db]).output)
    assert st["status"] == "已申报" and st["applied_on"] == "2026-03-01" and st["started_on"] == "2023-06-06"
    res = run(app, ["base", "set", "--region", R, "--applied", "2022-01-01", *db])
    assert res.exit_code == 2 and "申报日期 2022-01-01 早于启动创建日期 2023-06-06" in res.output
    add = ["base", "incident-add", "--region", R, "--kind", "重特大突发环境事件", "--date", "2025-07-01"]
    add += ["--title", "尾矿库泄漏", "--unit", "应急管理局", "--due", "2030-06-30"]
    res = run(app, [*add, "--json", *db])
    assert res.exit_code == 0, res.output
    new = json.loads(res.output)
    assert new["serious"] and new["state"] == "整改中"
    res = run(app, ["base", "incident-update", str(new["id"]), "--status", "已整改", "--note", "完成",
                    "--done", "2026-05-01", *db])  # fmt: skip
    assert res.exit_code == 0 and "已整改" in res.output
    reg = json.loads(run(app, ["base", "incidents", "--region", R, "--json", *db]).output)
    assert len(reg["items"]) == 3 and len(reg["risks"]) == 1
    res = run(app, ["base", "incident-update", "999", "--status", "整改中", "--note", "x", *db])
    assert res.exit_code == 2 and "没有编号为 999 的问题" in res.output
    warned = json.loads(run(app, ["base", "warnings", "--region", R, "--year", "2025", "--json", *db]).output)
    kinds = {(w["indicator_id"], w["kind"]) for w in warned["warnings"]}
    assert (20, "below_target") in kinds and (15, "consecutive_fall") in kinds
    res = run(app, ["base", "status", "--region", R, "--user", "u01", *db])
    assert res.exit_code == 0
    res = run(app, ["base", "set", "--region", R, "--status", "创建中", "--user", "u01", *db])
    assert res.exit_code == 2 and "只有领导小组办公室可以修改基地状态" in res.output
