"""The quantified commitments of 四、主要任务: the plan file, actual values and review, states, the 考核
component, ``workplan show --json`` and the task page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner
from wpsupport import REGION, T0, clock

from liangshan.cli import app as cli_app
from liangshan.demo.build import PROFILE, seed_site, unit_accounts
from liangshan.services.accounts import hash_password
from liangshan.services.permissions import PermissionDenied, actor_for_user
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models_workplan import WpCommitment, WpPlan, WpTask
from liangshan.store.regions import find_unit, load_profile
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition
from liangshan.web.app import create_app
from liangshan.workplan.commitments import meets, report_actual, review_actual, unit_counts
from liangshan.workplan.errors import PlanFileError, WorkplanError
from liangshan.workplan.plan import LUSHI_PLAN, load_plan
from liangshan.workplan.scoring import gather_facts

PASSWORD = "Commit-Test-2026"


def _plan_commitments() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(task node, commitment) for every commitment of the plan file."""
    doc = yaml.safe_load(LUSHI_PLAN.read_text(encoding="utf-8"))
    out = []
    for t in doc["tasks"]:
        for node in [t, *(t.get("subtasks") or [])]:
            out += [(node, c) for c in node.get("commitments") or []]
    return out


def test_plan_file_holds_the_seeds_quantified_commitments() -> None:
    """Each number, percentage, 全覆盖 and title of 四、主要任务 the issue names is a commitment whose
    source is the task's own words."""
    found = _plan_commitments()
    sources = " ".join(c["source"] for _, c in found)
    for words in (
        "农村饮用水水源地水质达标率达100%",
        "覆盖全县所有村庄",
        "稳定3亿棒",
        "百万亩连翘",
        "百万亩核桃",
        "国家园林县城",
        "国家卫生县城",
        "国家文明县城",
        "国家森林城市",
        "国家级全域旅游示范区",
        "国家级香菇产业集群",
        "1名主管领导和联络员",
    ):
        assert words in sources, words
    for node, c in found:
        assert c["source"] in node["text"]
        assert c.get("lead", node.get("lead"))  # every commitment has a named lead


def test_every_commitment_loads_with_its_lead(plan_db: str) -> None:
    expected = {c["code"]: (node, c) for node, c in _plan_commitments()}
    with session_scope(plan_db) as s:
        rows = s.scalars(select(WpCommitment).where(WpCommitment.region_code == REGION)).all()
        assert sorted(r.code for r in rows) == sorted(expected)
        for r in rows:
            node, c = expected[r.code]
            task = s.get(WpTask, r.task_id)
            assert task is not None and task.title == node["title"]
            assert r.lead_name == c.get("lead", node.get("lead"))
            assert set(r.years) == {"2023", "2024", "2025"}


def test_show_json_lists_rural_drinking_water(plan_db: str) -> None:
    """Acceptance: 四(五)2 lists 农村饮用水水源地水质达标率 100 % with its lead unit and yearly values."""
    res = CliRunner().invoke(
        cli_app, ["workplan", "show", "--region", REGION, "--db", plan_db, "--date", "2026-03-02", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    five = data["tasks"][4]
    t52 = five["subtasks"][1]
    assert (five["code"], t52["code"], t52["lead_unit"]) == ("五", "2", "农业农村局")
    c = next(c for c in t52["commitments"] if c["name"] == "农村饮用水水源地水质达标率")
    assert (c["unit"], c["comparator"], c["target"], c["target_text"]) == ("%", ">=", 100, "≥100%")
    assert c["lead_unit"] == "市生态环境局卢氏分局"
    assert [(y["year"], y["target"]) for y in c["years"]] == [(2023, 100), (2024, 100), (2025, 100)]
    assert c["source"] == "确保农村饮用水水源地水质达标率达100%" and c["element"] == "indicator:2"
    assert all(y["status"] == "not_reported" for y in c["years"])  # no data in this database
    assert t52["commitment_counts"] == {"year": 2025, "total": 2, "met": 0, "not_met": 0, "not_reported": 2}
    # the lead is named, not inferred: 发改委 is listed first on the agriculture task and cooperates
    t61 = data["tasks"][5]["subtasks"][0]
    assert t61["lead_unit"] == "农业农村局" and t61["cooperating_units"][0] == "发改委"
    assert data["commitments"]["years"] == [2023, 2024, 2025] and data["commitments"]["count_year"] == 2025
    table = CliRunner().invoke(
        cli_app, ["workplan", "show", "--region", REGION, "--db", plan_db, "--date", "2026-03-02"]
    )
    assert table.exit_code == 0 and "任务量化承诺" in table.stdout and "承诺达成情况" in table.stdout


def _profile_only(url: str) -> None:
    ensure_db(url)
    with session_scope(url) as s:
        load_profile(s, PROFILE, at=T0)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # a task's lead must be one of its units
        ("        lead: 农业农村局\n        indicators: [12, 13]",
         "        lead: 统计局\n        indicators: [12, 13]",
         r"tasks\[6\]\.subtasks\[1\]\.lead.*统计局"),
        # and must be written
        ("        lead: 住建局\n        indicators: []\n", "        indicators: []\n",
         r"tasks\[5\]\.subtasks\[1\].*缺少 lead"),
        # a commitment's lead: the task's units, the member units or the office
        ("            lead: 城市管理局\n            evidence: 农村生活垃圾",
         "            lead: 卫健委\n            evidence: 农村生活垃圾",
         r"tasks\[5\]\.subtasks\[2\]\.commitments\[2\]\.lead.*卫健委"),
        ("            unit: 亿棒", "            unit: 亿根", r"commitments\[1\]\.unit.*亿根"),
        ('            target: 3\n            comparator: ">="',
         '            target: 3\n            comparator: "=>"',
         r"tasks\[6\]\.subtasks\[1\]\.commitments\[1\]\.comparator"),
        ("source: 推进百万亩连翘全面提质增效", "source: 推进一百万亩连翘全面提质增效",
         r"commitments\[4\]\.source.*逐字"),
        ("years: {2023: 3, 2024: 3, 2025: 3}", "years: {2023: 3, 2025: 3}", r"commitments\[1\]\.years"),
        ("element: indicator:2", "element: indicator:3x", r"commitments\[1\]\.element"),
    ],
)  # fmt: skip
def test_bad_plan_is_refused_and_nothing_written(
    sqlite_db: str, tmp_path: Path, old: str, new: str, where: str
) -> None:
    _profile_only(sqlite_db)
    raw = LUSHI_PLAN.read_text(encoding="utf-8")
    assert raw.count(old) == 1, old
    bad = tmp_path / "bad_plan.yaml"
    bad.write_text(raw.replace(old, new), encoding="utf-8")
    with pytest.raises(PlanFileError, match=where) as err, session_scope(sqlite_db) as s:
        load_plan(s, REGION, bad, at=T0)
    assert str(bad) in str(err.value)
    with session_scope(sqlite_db) as s:
        assert s.scalar(select(func.count()).select_from(WpPlan)) == 0
        assert s.scalar(select(func.count()).select_from(WpCommitment)) == 0


def test_meets() -> None:
    assert meets(">=", 100.0, 100.0) and not meets(">=", 100.0, 99.9)
    assert meets("<=", 5.0, 4.0) and not meets("<=", 5.0, 5.5)
    assert meets("==", 4.0, 4.0) and not meets("==", 4.0, 5.0)
    assert meets("bool", True, True) and not meets("bool", True, False)


def test_actuals_reported_by_lead_reviewed_and_scored(plan_db: str) -> None:
    tick = clock()
    with session_scope(plan_db) as s:
        users = unit_accounts(s)
        agri_unit, city_unit = find_unit(s, REGION, "农业农村局"), find_unit(s, REGION, "城市管理局")
        assert agri_unit is not None and city_unit is not None
        agri, city = actor_for_user(s, users["农业农村局"]), actor_for_user(s, users["城市管理局"])
        office = actor_for_user(s, "office")
        # only the lead unit (or the office) reports; evidence is required; linked figures are not asked
        with pytest.raises(PermissionDenied, match="农业农村局"):
            report_actual(s, city, REGION, "shiitake_scale", 2025, 3.1, evidence="年报", at=next(tick))
        with pytest.raises(WorkplanError, match="证明材料"):
            report_actual(s, agri, REGION, "shiitake_scale", 2025, 3.1, evidence=" ", at=next(tick))
        with pytest.raises(WorkplanError, match="两山指数"):
            report_actual(
                s, office, REGION, "rural_drinking_water", 2025, 100, evidence="监测", at=next(tick)
            )
        with pytest.raises(WorkplanError, match="超出范围"):
            report_actual(s, city, REGION, "rural_waste_coverage", 2025, 101, evidence="台账", at=next(tick))
        first = report_actual(
            s, agri, REGION, "shiitake_scale", 2025, 2.9, evidence="年报初稿", at=next(tick)
        )
        assert unit_counts(s, REGION, 2025)[agri_unit.id] == {
            "total": 4,
            "met": 0,
            "not_met": 0,
            "not_reported": 4,
        }
        with pytest.raises(WorkplanError, match="理由"):
            review_actual(s, office, first.id, "return", at=next(tick))
        with pytest.raises(PermissionDenied):
            review_actual(s, agri, first.id, "approve", at=next(tick))
        review_actual(s, office, first.id, "return", note="请按统计年报口径填报", at=next(tick))
        second = report_actual(
            s, agri, REGION, "shiitake_scale", 2025, 3.3, evidence="2025年统计年报", at=next(tick)
        )
        assert second.version == 2
        review_actual(s, office, second.id, "approve", at=next(tick))
        with pytest.raises(WorkplanError, match="锁定"):
            report_actual(s, agri, REGION, "shiitake_scale", 2025, 3.4, evidence="年报", at=next(tick))
        waste = report_actual(
            s, city, REGION, "rural_waste_coverage", 2025, 96.5, evidence="台账", at=next(tick)
        )
        review_actual(s, office, waste.id, "approve", at=next(tick))
        garden = report_actual(
            s, office, REGION, "national_garden_county", 2025, "否", evidence="说明", at=next(tick)
        )
        assert garden.value_bool is False and garden.unit_id != office.unit_id  # filed under the lead unit
    with session_scope(plan_db) as s:
        assert unit_counts(s, REGION, 2025)[agri_unit.id] == {
            "total": 4,
            "met": 1,
            "not_met": 0,
            "not_reported": 3,
        }
        assert unit_counts(s, REGION, 2025)[city_unit.id] == {
            "total": 2,
            "met": 0,
            "not_met": 1,
            "not_reported": 1,
        }
        # the 2026 assessment judges 2025's commitments (commitment_year_lag 1)
        facts = {f.unit: f.counts for f in gather_facts(s, REGION, 2026)}
        assert facts["农业农村局"]["commitments_met"] == (1.0, 4.0)
        assert facts["城市管理局"]["commitments_met"] == (0.0, 2.0)
        assert facts["统计局"]["commitments_met"] == (0.0, 0.0)  # leads none: the component does not apply
        # the 2025 assessment (judging 2024) has none of these
        assert {f.unit: f.counts for f in gather_facts(s, REGION, 2025)}["农业农村局"]["commitments_met"] == (
            0.0,
            1.0,
        )  # 香菇产业规模 2024 (≥3亿棒) is its only 2024 target and is not reported
    res = CliRunner().invoke(
        cli_app, ["workplan", "show", "--region", REGION, "--db", plan_db, "--date", "2026-03-02", "--json"]
    )
    data = json.loads(res.stdout)
    t61 = data["tasks"][5]["subtasks"][0]
    shiitake = next(c for c in t61["commitments"] if c["code"] == "shiitake_scale")
    y25 = shiitake["years"][2]
    assert (y25["actual"], y25["status"], y25["actual_evidence"]) == (3.3, "met", "2025年统计年报")
    garden = next(
        c for c in data["tasks"][4]["subtasks"][0]["commitments"] if c["code"] == "national_garden_county"
    )
    assert garden["years"][2]["status"] == "not_reported" and garden["years"][2]["pending_status"] == "待审核"
    rows = {u["unit"]: u for u in data["commitments"]["by_lead_unit"]}
    assert rows["城市管理局"]["not_met"] == 1 and rows["农业农村局"]["met"] == 1


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("wpcommit")
    url = f"sqlite:///{tmp / 'web.db'}"
    users = {"office": "office", **seed_site(url, hash_password(PASSWORD))}
    tick = clock()
    with session_scope(url) as s:
        load_plan(s, REGION, at=T0)
        # indicator 2's data elements, approved: 2024 all 5 sources compliant, 2025 4 of 5
        for code, year, value in (("dws_compliant", 2024, 5), ("dws_total", 2024, 5),
                                  ("dws_compliant", 2025, 4), ("dws_total", 2025, 5)):  # fmt: skip
            sub = submit_value(s, region=REGION, item=code, year=year, value=value, user="u01", at=next(tick))
            transition(s, sub.id, "approve", "office", at=next(tick))
    yield create_app(url, tmp / "files", secret_key="k" * 40), users
    dispose_engines()


def _login(app: FastAPI, username: str) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert m is not None
    data = {"username": username, "password": PASSWORD, "csrf_token": m.group(1), "next": "/"}
    assert c.post("/login", data=data, follow_redirects=False).status_code == 303
    return c


def test_task_page_shows_commitments_and_linked_figure(site: tuple[FastAPI, dict[str, str]]) -> None:
    app, users = site
    office = _login(app, users["office"])
    plan = office.get(f"/api/workplan/{REGION}").json()
    t52 = plan["tasks"][4]["subtasks"][1]
    page = office.get(f"/workplan/tasks/{t52['id']}").text
    assert "量化承诺" in page and "农村饮用水水源地水质达标率" in page and "市生态环境局卢氏分局" in page
    assert (
        'class="table-wrap"' in page
        and "≥100%" in page
        and "取自“两山指数”指标2“集中式饮用水水源地水质达标率”" in page
    )
    twin = office.get(f"/api/workplan/tasks/{t52['id']}").json()["task"]
    water = next(c for c in twin["commitments"] if c["code"] == "rural_drinking_water")
    assert [y["year"] for y in water["years"]] == [2023, 2024, 2025]
    # the approved data of indicator 2 are the actual values: nobody is asked twice
    got = [(y["year"], y["actual"], y["origin"], y["status"]) for y in water["years"]]
    assert got == [
        (2023, None, "none", "not_reported"),
        (2024, 100.0, "element", "met"),
        (2025, 80.0, "element", "not_met"),
    ]
    # a unit account sees the same commitments on a task it is not responsible for
    forest = _login(app, users["林业局"])
    assert "农村饮用水水源地水质达标率" in forest.get(f"/workplan/tasks/{t52['id']}").text


def test_cli_report_and_review(plan_db: str) -> None:
    """``workplan commitment-report`` as the lead unit's account, ``commitment-review`` as the office."""
    with session_scope(plan_db) as s:
        users = unit_accounts(s)
    runner = CliRunner()
    base = ["workplan", "commitment-report", "--region", REGION, "--db", plan_db, "--code", "third_wwtp"]
    args = [*base, "--year", "2025", "--value", "是", "--evidence", "竣工验收报告"]
    denied = runner.invoke(cli_app, [*args, "--user", users["城市管理局"]])
    assert denied.exit_code == 2 and "住建局" in denied.output
    res = runner.invoke(cli_app, [*args, "--user", users["住建局"], "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["name"], out["version"], out["status"]) == ("第三污水处理厂建成投运", 1, "submitted")
    review = ["workplan", "commitment-review", str(out["id"]), "--db", plan_db]
    assert runner.invoke(cli_app, [*review, "--action", "approve", "--user", users["住建局"]]).exit_code == 2
    ok = runner.invoke(cli_app, [*review, "--action", "approve", "--user", "office"])
    assert ok.exit_code == 0 and "已审核" in ok.stdout
    data = json.loads(
        runner.invoke(cli_app, ["workplan", "show", "--region", REGION, "--db", plan_db, "--json"]).stdout
    )
    wwtp = next(c for c in data["tasks"][4]["subtasks"][0]["commitments"] if c["code"] == "third_wwtp")
    assert (wwtp["years"][2]["actual"], wwtp["years"][2]["status"]) == (True, "met")
    water = [*base[:-1], "rural_drinking_water", "--year", "2025", "--value", "100", "--evidence", "监测报告"]
    linked = runner.invoke(cli_app, water)
    assert linked.exit_code == 2 and "指标2“集中式饮用水水源地水质达标率”" in linked.output


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_cli_report_with_evidence_files(
    plan_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``commitment-report --file`` (repeatable) attaches files as the web form does: the same checks
    (type from the content, size), stored as evidence, visible to the lead unit and the office only; a
    bad file refuses the whole report (no version, no evidence record)."""
    from liangshan.config import evidence_root
    from liangshan.store.models import Evidence
    from liangshan.store.models_workplan import WpCommitmentValue
    from liangshan.workplan import commitment_desk as desk

    with session_scope(plan_db) as s:
        users = unit_accounts(s)
    runner = CliRunner()
    (tmp_path / "验收报告.pdf").write_bytes(PDF)
    (tmp_path / "现场照片.png").write_bytes(PNG)
    (tmp_path / "假的.pdf").write_bytes(PNG)  # a PNG named .pdf
    base = ["workplan", "commitment-report", "--region", REGION, "--db", plan_db, "--code", "third_wwtp"]
    args = [*base, "--year", "2025", "--value", "是", "--evidence", "竣工验收报告", "--user", users["住建局"]]

    def counts() -> tuple[int, int]:
        with session_scope(plan_db) as s:
            return (
                int(s.scalar(select(func.count()).select_from(WpCommitmentValue)) or 0),
                int(s.scalar(select(func.count()).select_from(Evidence)) or 0),
            )

    before = counts()
    for bad, words in (
        ([tmp_path / "假的.pdf"], "扩展名 .pdf 与内容（PNG 图片）不符"),
        ([tmp_path / "验收报告.pdf", tmp_path / "没有.pdf"], "文件不存在"),
    ):
        res = runner.invoke(cli_app, [*args, *(x for f in bad for x in ("--file", str(f)))])
        assert res.exit_code == 2 and words in res.output, res.output
        assert counts() == before
    monkeypatch.setattr("liangshan.services.uploads.DEFAULT_MAX_BYTES", 16)  # the limit, read at call time
    big = runner.invoke(cli_app, [*args, "--file", str(tmp_path / "验收报告.pdf")])
    assert big.exit_code == 2 and "超过上限" in big.output and counts() == before
    monkeypatch.undo()

    files = ["--file", str(tmp_path / "验收报告.pdf"), "--file", str(tmp_path / "现场照片.png")]
    res = runner.invoke(cli_app, [*args, *files, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["files"] == ["验收报告.pdf", "现场照片.png"] and out["version"] == 1
    assert counts() == (before[0] + 1, before[1] + 2)
    with session_scope(plan_db) as s:
        ids = sorted(s.scalars(select(Evidence.id)))[-2:]  # the two records of this version
    plain = runner.invoke(cli_app, [*args, "--file", str(tmp_path / "验收报告.pdf")])
    assert plain.exit_code == 0 and "第 2 版" in plain.stdout and "附证明材料 1 个" in plain.stdout
    root = evidence_root(plan_db)
    with session_scope(plan_db) as s:
        lead = actor_for_user(s, users["住建局"])
        other = actor_for_user(s, users["城市管理局"])
        office = actor_for_user(s, "office")
        desk_files = desk.desk(s, office, REGION, 2025, T0.date())
        shown = json.dumps(desk_files, ensure_ascii=False, default=str)
        assert "验收报告.pdf" in shown and "现场照片.png" in shown
        got = {desk.evidence_file(s, a, root, out["id"], i)[1] for a in (lead, office) for i in ids}
        assert got == {"验收报告.pdf", "现场照片.png"}
        path, _, ctype = desk.evidence_file(s, lead, root, out["id"], ids[0])
        assert path.read_bytes() in (PDF, PNG) and ctype in ("application/pdf", "image/png")
        with pytest.raises(PermissionDenied, match="无权查看"):
            desk.evidence_file(s, other, root, out["id"], ids[0])


def test_commitments_need_the_plan_years(sqlite_db: str, tmp_path: Path) -> None:
    _profile_only(sqlite_db)
    bad = tmp_path / "no_years.yaml"
    bad.write_text(
        LUSHI_PLAN.read_text(encoding="utf-8").replace("commitment_years: [2023, 2024, 2025]\n", ""),
        encoding="utf-8",
    )
    with pytest.raises(PlanFileError, match=r"tasks\[1\].*commitment_years"), session_scope(sqlite_db) as s:
        load_plan(s, REGION, bad, at=T0)
