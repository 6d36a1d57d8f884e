"""Every entry point writes through the same services: the web, ``liangshan import`` and a calculator's
``--to-indicator`` refuse a closed round with the same message; the one number parser; the command
line's actor (``--user`` / ``system``); the office's review, round and evidence commands; audit JSON
without NaN. SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from typer.testing import CliRunner

from liangshan.catalog import load_catalog
from liangshan.cli import app as cli
from liangshan.demo.build import seed_site
from liangshan.provenance import ComputedValues
from liangshan.services.accounts import hash_password
from liangshan.services.checks import EntryError, parse_boolean, parse_number, parse_value
from liangshan.services.computed import RecordRefused, record_computed
from liangshan.store.db import NonFiniteJSONError, session_scope
from liangshan.store.models import AssessmentRound, AuditLog, Submission, SubmissionEvidence
from liangshan.store.submissions import audit
from liangshan.web.app import create_app

R = "411224"
PASSWORD = "test-password-1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
runner = CliRunner()


@pytest.fixture(scope="module")
def pw_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def site(db: str, pw_hash: str) -> str:
    seed_site(db, pw_hash, values=False, extra_regions=1)
    return db


@pytest.fixture
def web(site: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(site, tmp_path / "files", secret_key="k" * 40)) as c:
        yield c


def login(c: TestClient, username: str) -> dict[str, str]:
    r = c.post("/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def n_subs(url: str) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(Submission)) or 0)


def invoke(*args: str, input: str | None = None):
    return runner.invoke(cli, list(args), input=input)


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["region", "item", "year", "value", "unit", "note"])
        w.writerows(rows)
    return path


def survey_file(path: Path) -> Path:
    """150 answers of which 138 are satisfied (很满意 + 满意)."""
    rows = ["很满意,A,城镇"] * 90 + ["满意,B,农村"] * 48 + ["不满意,B,农村"] * 12
    path.write_text("answer,township,urban_rural\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def round_id(url: str, region: str = R) -> int:
    with session_scope(url) as s:
        return int(s.scalars(select(AssessmentRound.id).where(AssessmentRound.region_code == region)).one())


def one_line(text: str) -> str:
    return " ".join(text.split())


# --- the acceptance test: a closed round refuses every entry point with the same message -------------


def test_closed_round_refused_alike_by_web_import_and_calculator(site: str, web: TestClient, tmp_path: Path):
    res = invoke("round", "close", str(round_id(site)), "--reason", "自评估报告已上报", "--user", "office",
                 "--db", site)  # fmt: skip
    assert res.exit_code == 0, res.output
    with session_scope(site) as s:
        rnd = s.get(AssessmentRound, round_id(site))
        assert rnd is not None and rnd.state == "closed"
        message = f"评估批次“{rnd.name}”已关闭（截止日期 {rnd.deadline}），不能再填报或修改"
    before = n_subs(site)
    # (a) the web (JSON API) as the office
    h = login(web, "office")
    body = {"region": R, "value": "138", "action": "submit", "expected_version": 0}
    r = web.post("/api/items/survey_satisfied/2024", json=body, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "closed"
    assert r.json()["detail"] == message
    # (b) liangshan import, as the same office account
    f = write_csv(tmp_path / "v.csv", [[R, "survey_satisfied", 2024, 138, "", ""]])
    res = invoke("import", str(f), "--user", "office", "--db", site)
    assert res.exit_code == 2
    assert f"第 2 行，列“year”：{message}" in one_line(res.stderr) and "未写入任何数据" in res.stderr
    # (c) a calculator's --to-indicator (as the command line's operator)
    sv = survey_file(tmp_path / "survey.csv")
    res = invoke("survey", str(sv), "--to-indicator", "--region", R, "--year", "2024", "--db", site)
    assert res.exit_code == 2
    assert message in one_line(res.stderr)
    assert n_subs(site) == before
    # reopened (with a reason), the same three writes go in
    res = invoke("round", "reopen", str(round_id(site)), "--reason", "补报", "--user", "office", "--db", site)
    assert res.exit_code == 0, res.output
    assert web.post("/api/items/survey_satisfied/2024", json=body, headers=h).status_code == 201
    res = invoke("survey", str(sv), "--to-indicator", "--region", R, "--year", "2024", "--db", site)
    assert res.exit_code == 0, res.output
    with session_scope(site) as s:
        actions = [
            a for (a,) in s.execute(select(AuditLog.action).where(AuditLog.entity == "assessment_round"))
        ]
        assert actions.count("close_round") == 1 and actions.count("reopen_round") == 1


# --- one number parser --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("NaN", "有限数值"),
        ("inf", "有限数值"),
        ("-Infinity", "有限数值"),
        (float("nan"), "有限数值"),
        (float("inf"), "有限数值"),
        ("1e400", "超出范围"),
        (10**400, "超出范围"),
        ("12,5", "逗号有歧义"),
        ("1,23", "逗号有歧义"),
        ("1,2345.5", "逗号有歧义"),
        ("1_000", "下划线"),
        ("", "请填写数值"),
        ("   ", "请填写数值"),
        ("1" * 51, "过长"),
        ("约一百", "应为数值"),
        ("12 5", "应为数值"),
        (True, "应为数值"),
        ("0x10", "应为数值"),
    ],
)
def test_parse_number_refuses(raw: object, message: str) -> None:
    with pytest.raises(EntryError, match=message):
        parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.5", 1234.5),
        ("1，497，000", 1497000.0),
        ("１２３", 123.0),
        (" -3 ", -3.0),
        ("1e5", 100000.0),
        (".5", 0.5),
        (42, 42.0),
        (2.5, 2.5),
    ],
)
def test_parse_number_accepts(raw: object, value: float) -> None:
    assert parse_number(raw) == value


def test_parse_boolean_and_value_by_kind() -> None:
    cat = load_catalog()
    assert parse_boolean("是") is True and parse_boolean("否") is False and parse_boolean(1) is True
    with pytest.raises(EntryError, match="是/否"):
        parse_boolean("也许")
    with pytest.raises(EntryError, match="请选择"):
        parse_boolean("")
    assert parse_value("是", cat.element("system_issued"), None) is True
    with pytest.raises(EntryError, match="是/否"):
        parse_value("3", cat.element("system_issued"), None)
    with pytest.raises(EntryError, match="有限数值"):
        parse_value("nan", cat.element("gdp"), None)


def test_web_and_import_share_the_parser(site: str, web: TestClient, tmp_path: Path) -> None:
    h = login(web, "office")
    for raw in ("NaN", "12,5", "1_000", "1e400"):
        r = web.post(
            "/api/items/gdp/2024", json={"region": R, "value": raw, "expected_version": 0}, headers=h
        )
        assert r.status_code == 422, (raw, r.text)
        f = write_csv(tmp_path / "p.csv", [[R, "gdp", 2024, raw, "", ""]])
        res = invoke("import", str(f), "--db", site)
        assert res.exit_code == 2 and "第 2 行，列“value”" in res.stderr
        assert r.json()["detail"] in one_line(res.stderr)
    assert n_subs(site) == 0


# --- the command line's actor and the one write path ----------------------------------------------------


def test_import_as_user_follows_permissions(site: str, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "v.csv", [[R, "gdp", 2024, 1431000, "万元", ""]])
    res = invoke("import", str(f), "--user", "nobody", "--db", site)
    assert res.exit_code == 2 and "用户不存在：nobody" in res.stderr
    res = invoke("import", str(f), "--user", "leader", "--db", site)  # a leader only reads
    assert res.exit_code == 2 and "只能查看，不能填报" in res.stderr
    res = invoke("import", str(f), "--user", "office", "--db", site)
    assert res.exit_code == 0, res.output
    with session_scope(site) as s:
        sub = s.scalars(select(Submission)).one()
        assert (sub.created_by, sub.status, sub.round_id) == ("office", "submitted", round_id(site))
    # a unit account may import its own data elements only, and never approve
    g = write_csv(tmp_path / "g.csv", [[R, "gdp", 2025, 1497000, "万元", ""]])
    res = invoke("import", str(g), "--user", "u01", "--approve", "--db", site)
    assert res.exit_code == 2 and "只有领导小组办公室可以审核" in res.stderr
    # another region is outside the office's scope; the system operator may write anywhere
    o = write_csv(tmp_path / "o.csv", [["900001", "gdp", 2025, 1, "万元", ""]])
    res = invoke("import", str(o), "--user", "office", "--db", site)
    assert res.exit_code == 2 and "无权导入地区 900001" in res.stderr
    rows = [[R, "gdp", 2025, "12,5", "", ""], ["900001", "gdp", 2025, 1, "", ""]]
    both = write_csv(tmp_path / "b.csv", rows)
    res = invoke("import", str(both), "--user", "office", "--db", site)  # every problem at once
    assert res.exit_code == 2 and "2 处错误" in res.stderr
    assert "第 2 行，列“value”" in res.stderr and "第 3 行，列“region”：无权导入地区 900001" in res.stderr
    res = invoke("import", str(o), "--db", site, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["submissions"][0]["region"] == "900001"
    assert n_subs(site) == 2


def test_import_checks_ratio_against_stored_values(site: str, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "valid.csv", [[R, "air_valid_days", 2024, 300, "", ""]])
    assert invoke("import", str(f), "--db", site).exit_code == 0
    g = write_csv(tmp_path / "good.csv", [[R, "air_good_days", 2024, 330, "", ""]])
    res = invoke("import", str(g), "--db", site)
    assert res.exit_code == 2
    assert "第 2 行，列“value”" in res.stderr and "分子（330）不能大于分母（300）" in one_line(res.stderr)
    assert n_subs(site) == 1


def test_to_indicator_refuses_bad_numbers_and_locked_values(site: str) -> None:
    from liangshan.provenance import Provenance

    prov = Provenance(calculator="test", standard="none")
    bad = ComputedValues(region=R, year=2024, values={"air_good_days": math.inf, "air_valid_days": 365.0},
                         provenance=prov)  # fmt: skip
    with pytest.raises(EntryError, match="有限数值"):
        record_computed([bad], region=R, db_url=site)
    ratio = ComputedValues(region=R, year=2024, values={"air_good_days": 330.0, "air_valid_days": 300.0},
                           provenance=prov)  # fmt: skip
    with pytest.raises(EntryError, match="分子"):
        record_computed([ratio], region=R, db_url=site)
    with pytest.raises(RecordRefused, match="只能查看"):
        record_computed([ratio], region=R, db_url=site, user="leader")
    assert n_subs(site) == 0
    with session_scope(site) as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "submission")) == 0
        )


# --- the office's commands ----------------------------------------------------------------------------


def test_review_approve_audited_and_listed_first(site: str, tmp_path: Path) -> None:
    f = write_csv(
        tmp_path / "v.csv", [[R, "gdp", 2024, 1431000, "万元", ""], [R, "gdp", 2023, 1300000, "万元", ""]]
    )
    res = invoke("import", str(f), "--user", "u01", "--db", site)  # GDP is supplied by 统计局
    assert res.exit_code == 2 and "由统计局填报，不属于本单位" in res.stderr
    assert invoke("import", str(f), "--db", site).exit_code == 0
    common = ["--region", R, "--item", "gdp", "--db", site]
    res = invoke("review", "approve", *common, "--year", "2023", "--user", "expert")
    assert res.exit_code == 2 and "只有领导小组办公室可以审核" in res.stderr
    res = invoke("review", "return", *common, "--year", "2023", "--user", "office")
    assert res.exit_code == 2 and "退回必须填写理由" in res.stderr
    res = invoke("review", "approve", *common, "--year", "2023", "--user", "office")
    assert res.exit_code == 0, res.output
    with session_scope(site) as s:
        sub = s.scalars(select(Submission).where(Submission.year == 2023)).one()
        assert sub.status == "approved"
        entry = s.scalars(
            select(AuditLog).where(AuditLog.action == "approve", AuditLog.entity_id == str(sub.id))
        ).one()
        assert entry.actor == "office"
    res = invoke("review", "list", "--region", R, "--db", site, "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["item"], r["year"], r["status"]) for r in rows] == [
        ("gdp", 2023, "approved"),
        ("gdp", 2024, "submitted"),
    ]
    assert rows[0]["item_name"].startswith("地区生产总值") and rows[0]["status_label"] == "已审核通过"
    assert rows[0]["submitted_by"] == "system" and rows[0]["value"] == 1300000
    res = invoke("review", "list", "--region", R, "--status", "submitted", "--db", site, "--json")
    assert [r["year"] for r in json.loads(res.stdout)] == [2024]
    res = invoke(
        "review", "reopen", *common, "--year", "2023", "--user", "office", "--reason", "数据口径调整"
    )
    assert res.exit_code == 0, res.output
    res = invoke("review", "list", "--region", R, "--db", site)
    assert res.exit_code == 0 and "已重新打开" in res.stdout


def test_round_commands(site: str) -> None:
    rid = str(round_id(site))
    res = invoke("round", "close", rid, "--user", "office", "--db", site)
    assert res.exit_code == 2 and "关闭评估批次必须填写理由" in res.stderr
    res = invoke("round", "close", rid, "--user", "u01", "--reason", "x", "--db", site)
    assert res.exit_code == 2 and "只有领导小组办公室可以管理评估批次" in res.stderr
    res = invoke("round", "create", "--region", R, "--name", "2027年自评估", "--start-year", "2024",
                 "--end-year", "2026", "--db", site)  # fmt: skip
    assert res.exit_code == 2 and "已有进行中的评估批次" in res.stderr
    assert invoke("round", "close", rid, "--reason", "已上报", "--db", site).exit_code == 0
    res = invoke("round", "create", "--region", R, "--name", "2027年自评估", "--start-year", "2024",
                 "--end-year", "2026", "--deadline", "2027-06-30", "--db", site, "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    new = json.loads(res.stdout)
    assert new["state"] == "open" and new["deadline"] == "2027-06-30"
    res = invoke("round", "list", "--region", R, "--db", site, "--json")
    assert [r["state"] for r in json.loads(res.stdout)["rounds"]] == ["open", "closed"]
    with session_scope(site) as s:
        q = select(AuditLog.actor, AuditLog.action, AuditLog.detail)
        log = s.execute(q.where(AuditLog.entity == "assessment_round").order_by(AuditLog.id)).all()
        assert [tuple(x) for x in log][-2:] == [
            ("system", "close_round", "已上报"),
            ("system", "create_round", ""),
        ]


def test_evidence_attach(site: str, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "v.csv", [[R, "eco_env_investment", 2024, 47000, "", "决算"]])
    pdf = tmp_path / "决算报告.pdf"
    pdf.write_bytes(PDF)
    common = ["--region", R, "--item", "eco_env_investment", "--year", "2024", "--db", site]
    res = invoke("evidence", "attach", str(pdf), *common, "--user", "u07")
    assert res.exit_code == 2 and "尚无填报数值" in res.stderr
    assert invoke("import", str(f), "--db", site).exit_code == 0
    fake = tmp_path / "报告.pdf"
    fake.write_bytes(b"not a pdf at all")
    res = invoke("evidence", "attach", str(fake), *common, "--user", "office")
    assert res.exit_code == 2 and "不是可接受的类型" in res.stderr
    res = invoke("evidence", "attach", str(pdf), *common, "--user", "leader")
    assert res.exit_code == 2 and "只能查看" in res.stderr
    res = invoke("evidence", "attach", str(pdf), *common, "--user", "office", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)["submission"]
    assert (out["version"], out["status"], out["value"], out["note"]) == (2, "submitted", 47000, "决算")
    assert [e["filename"] for e in out["evidence"]] == ["决算报告.pdf"]
    with session_scope(site) as s:
        assert s.scalar(select(func.count()).select_from(SubmissionEvidence)) == 1
    # approved → locked; the file is not attached
    assert invoke("review", "approve", *common[:-2], "--user", "office", "--db", site).exit_code == 0
    res = invoke("evidence", "attach", str(pdf), *common, "--user", "office")
    assert res.exit_code == 2 and "锁定" in res.stderr
    assert n_subs(site) == 2


def test_user_commands_use_the_accounts_service(site: str) -> None:
    src = (Path(__file__).parents[1] / "liangshan" / "cli" / "web.py").read_text(encoding="utf-8")
    # the user commands import no web module: only `serve` starts the server (liangshan.web.serving)
    webs = {line.strip() for line in src.splitlines() if "liangshan.web" in line and "import" in line}
    assert webs == {"from liangshan.web.serving import serve as run_server"}, webs
    res = invoke("user", "add", "zhang", "--role", "unit", "--unit", "财政局", "--db", site, input="short\n")
    assert res.exit_code == 2 and "密码至少 8 个字符" in res.stderr
    res = invoke("user", "add", "system", "--role", "office", "--db", site, input=PASSWORD + "\n")
    assert res.exit_code == 2 and "保留" in res.stderr
    res = invoke("user", "add", "zhang", "--role", "unit", "--unit", "财政局", "--region", R, "--db", site,
                 input=PASSWORD + "\n")  # fmt: skip
    assert res.exit_code == 0, res.output
    res = invoke(
        "user", "add", "ZHANG", "--role", "office", "--region", R, "--db", site, input=PASSWORD + "\n"
    )
    assert res.exit_code == 2 and "用户名已存在" in res.stderr
    assert invoke("user", "passwd", "zhang", "--db", site, input="another-pass-9\n").exit_code == 0
    res = invoke("user", "list", "--db", site)
    assert res.exit_code == 0 and "zhang" in res.stdout and "财政局" in res.stdout
    with session_scope(site) as s:
        log = s.execute(select(AuditLog.actor, AuditLog.action).where(AuditLog.entity == "user")).all()
        assert [tuple(x) for x in log] == [("cli", "create"), ("cli", "passwd")]


# --- audit JSON holds no NaN / Infinity ---------------------------------------------------------------


def test_audit_json_refuses_non_finite(site: str) -> None:
    for bad in (float("nan"), float("inf"), -float("inf")):
        # SQLite's driver calls the serializer inside SQLAlchemy (wrapped in StatementError); psycopg's
        # JSON dumper calls it directly, so PostgreSQL raises the error itself
        with pytest.raises((StatementError, NonFiniteJSONError)) as info, session_scope(site) as s:
            audit(s, "system", "test", "submission", 1, after={"value": bad})
            s.flush()
        err = info.value
        assert isinstance(err.orig if isinstance(err, StatementError) else err, NonFiniteJSONError)
    with session_scope(site) as s:
        audit(s, "system", "test", "submission", 1, after={"value": 1.5})
    with session_scope(site) as s:
        assert [a.after for a in s.scalars(select(AuditLog).where(AuditLog.action == "test"))] == [
            {"value": 1.5}
        ]
