"""Entry and review through the API and the pages: versions, conflicts, locks, warnings, actions, rounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from websupport import Site

from liangshan.store.db import session_scope
from liangshan.store.models import AssessmentRound, AuditLog, Submission
from liangshan.store.submissions import history

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"


def save(c: TestClient, token: str, item: str, year: int, value: Any, version: int, **kw: Any) -> Any:
    body = {"region": R, "value": value, "expected_version": version, **kw}
    return c.post(f"/api/items/{item}/{year}", json=body, headers={"X-CSRF-Token": token})


def act(c: TestClient, token: str, sid: int, action: str, reason: str = "") -> Any:
    return c.post(f"/api/submissions/{sid}/actions", json={"action": action, "reason": reason},
                  headers={"X-CSRF-Token": token})  # fmt: skip


def test_two_editors_second_save_refused_nothing_lost(site: Site, client_for: Clients) -> None:
    a, ta = client_for("u07")
    b, tb = client_for("office")
    assert save(a, ta, "eco_env_investment", 2023, 45000, 0).status_code == 201
    r1 = save(a, ta, "eco_env_investment", 2023, 45100, 1, action="save")
    r2 = save(b, tb, "eco_env_investment", 2023, 45200, 1, action="save")
    assert r1.status_code == 201 and r2.status_code == 409
    assert "已被u07" in r2.json()["detail"] and "第 2 版" in r2.json()["detail"]
    with session_scope(site.url) as s:
        vs = history(s, R, "eco_env_investment", 2023)
        assert [(v.version, v.value, v.status) for v in vs] == [
            (1, 45000.0, "superseded"),
            (2, 45100.0, "draft"),
        ]
    # the page keeps what the second person typed
    page = b.post("/entry/eco_env_investment/2023", follow_redirects=False,
                  data={"region": R, "value": "45300", "note": "我的说明", "action": "save", "version": "1",
                        "csrf_token": tb})  # fmt: skip
    assert page.status_code == 409 and 'value="45300"' in page.text and "我的说明" in page.text


def test_review_cycle_lock_reopen_and_audit(site: Site, client_for: Clients) -> None:
    u, tu = client_for("u07")
    o, to = client_for("office")
    sid = save(u, tu, "eco_env_investment", 2024, 48000, 0).json()["submission"]["id"]
    actions = u.get(f"/api/submissions/{sid}").json()["actions"]
    assert actions["allowed"] == ["save", "submit"]
    assert "只有领导小组办公室可以审核" in actions["why_not"]["approve"]
    office_actions = o.get(f"/api/submissions/{sid}").json()["actions"]["allowed"]
    assert {"approve", "return", "comment"} <= set(office_actions)
    r = act(o, to, sid, "return")
    assert r.status_code == 422 and "必须填写理由" in r.json()["detail"]
    assert act(o, to, sid, "return", "请附决算报表").json()["status"] == "returned"
    assert act(o, to, sid, "approve").status_code == 409  # returned: the unit must send a new version
    sid2 = save(u, tu, "eco_env_investment", 2024, 48500, 1, note="已附决算").json()["submission"]["id"]
    assert act(o, to, sid, "approve").status_code == 409  # an old version cannot be approved
    assert act(o, to, sid2, "approve").json()["status"] == "approved"
    locked = save(u, tu, "eco_env_investment", 2024, 49000, 2)
    assert locked.status_code == 423 and "审核通过并锁定" in locked.json()["detail"]
    assert "由 office 于" in locked.json()["detail"]
    why = u.get(f"/api/items/eco_env_investment/2024?region={R}").json()["actions"]["why_not"]["save"]
    assert "审核通过并锁定" in why
    assert act(o, to, sid2, "reopen").status_code == 422
    assert act(o, to, sid2, "reopen", "统计口径调整").json()["status"] == "reopened"
    assert save(u, tu, "eco_env_investment", 2024, 49000, 2, note="口径调整").status_code == 201
    detail = o.get(f"/api/items/eco_env_investment/2024?region={R}").json()
    # the reopened version stands (official value) until the revision is approved
    assert [v["status"] for v in detail["versions"]] == ["superseded", "reopened", "submitted"]
    kinds = [(e["who"], e["action"]) for e in detail["events"]]
    assert ("office", "return") in kinds and ("office", "reopen") in kinds and ("office", "approve") in kinds
    with session_scope(site.url) as s:
        log = s.scalars(select(AuditLog).where(AuditLog.action == "reopen")).one()
        assert log.actor == "office" and log.detail == "统计口径调整"


def test_reviewer_comments_leader_reads(client_for: Clients) -> None:
    u, tu = client_for("u07")
    sid = save(u, tu, "eco_env_investment", 2025, 52000, 0).json()["submission"]["id"]
    e, te = client_for("expert")
    assert act(e, te, sid, "comment", "口径请与财政决算一致").status_code == 200
    assert act(e, te, sid, "approve").status_code == 403
    leader, tl = client_for("leader")
    r = act(leader, tl, sid, "comment", "x")
    assert r.status_code == 403 and "只有领导小组办公室和评审专家可以评论" in r.json()["detail"]
    item = leader.get(f"/api/items/eco_env_investment/2025?region={R}").json()
    assert item["actions"]["allowed"] == []
    assert any(ev["action"] == "comment" and "财政决算" in ev["reason"] for ev in item["events"])


def test_year_on_year_warning_needs_a_note(client_for: Clients) -> None:
    c, t = client_for("u07")
    assert save(c, t, "eco_env_investment", 2023, 45000, 0).status_code == 201
    r = save(c, t, "eco_env_investment", 2024, 90000, 0)
    assert r.status_code == 422 and "+100%" in r.json()["detail"] and "备注" in r.json()["detail"]
    draft = save(c, t, "eco_env_investment", 2024, 90000, 0, action="save")
    assert draft.status_code == 201 and draft.json()["checks"][0]["level"] == "warning"
    ok = save(c, t, "eco_env_investment", 2024, 90000, 1, note="当年新增生态修复专项资金")
    assert ok.status_code == 201 and ok.json()["submission"]["status"] == "submitted"
    frag = c.get("/entry/eco_env_investment/2025/check", params={"region": R, "value": "10"})
    assert "提示" in frag.text and "须填写备注" in frag.text
    frag = c.get("/entry/eco_env_investment/2025/check", params={"region": R, "value": "abc"})
    assert "错误" in frag.text


def test_numerator_cannot_exceed_denominator(client_for: Clients) -> None:
    c, t = client_for("office")
    assert save(c, t, "air_valid_days", 2023, 360, 0).status_code == 201
    r = save(c, t, "air_good_days", 2023, 365, 0)
    assert r.status_code == 422 and "分子（365）不能大于分母（360）" in r.json()["detail"]
    r = save(c, t, "air_good_days", 2023, 400, 0)
    assert r.status_code == 422 and "不能超过 366" in r.json()["detail"]
    assert save(c, t, "air_good_days", 2023, 330, 0).status_code == 201


def test_draft_then_submit_without_changes_is_a_transition(site: Site, client_for: Clients) -> None:
    c, t = client_for("u07")
    assert save(c, t, "eco_env_investment", 2023, 45000, 0, action="save").status_code == 201
    same = save(c, t, "eco_env_investment", 2023, 45000, 1, action="save")
    assert same.status_code == 201 and same.json()["changed"] is False
    r = save(c, t, "eco_env_investment", 2023, 45000, 1)
    assert r.json()["submission"]["version"] == 1 and r.json()["submission"]["status"] == "submitted"
    with session_scope(site.url) as s:
        assert len(history(s, R, "eco_env_investment", 2023)) == 1


def test_closed_round_and_year_outside(site: Site, client_for: Clients) -> None:
    c, t = client_for("u07")
    r = save(c, t, "eco_env_investment", 2019, 1, 0)
    assert r.status_code == 409 and "不在评估批次" in r.json()["detail"]
    with session_scope(site.url) as s:
        for rnd in s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == R)):
            rnd.state = "closed"
    r = save(c, t, "eco_env_investment", 2023, 1, 0)
    assert r.status_code == 409 and "已关闭" in r.json()["detail"]
    page = c.get("/entry/eco_env_investment")
    assert "已关闭" in page.text and 'name="value"' not in page.text


def test_evidence_kept_added_and_removed(site: Site, client_for: Clients) -> None:
    c, t = client_for("u07")
    pdf = b"%PDF-1.4\n%%EOF\n"
    up = c.post("/api/evidence", data={"region": R}, files={"file": ("a.pdf", pdf, "application/pdf")},
                headers={"X-CSRF-Token": t})  # fmt: skip
    assert up.status_code == 201
    eid = up.json()["id"]
    s1 = save(c, t, "eco_env_investment", 2023, 45000, 0, evidence_ids=[eid]).json()["submission"]
    assert [e["id"] for e in s1["evidence"]] == [eid]
    s2 = save(c, t, "eco_env_investment", 2023, 45001, 1, note="x").json()["submission"]
    assert [e["filename"] for e in s2["evidence"]] == ["a.pdf"]  # kept by default
    s3 = save(c, t, "eco_env_investment", 2023, 45002, 2, keep_evidence=[]).json()["submission"]
    assert s3["evidence"] == []
    dl = c.get(f"/evidence/{eid}")
    assert dl.status_code == 200 and dl.content == pdf and "attachment" in dl.headers["content-disposition"]
    other, to = client_for("u12")  # 林业局 may not attach 财政局's file
    r = save(other, to, "forest_area_km2", 2023, 2800, 0, evidence_ids=[eid])
    assert r.status_code == 403 and "不是您上传的" in r.json()["detail"]
    with session_scope(site.url) as s:
        assert s.scalars(select(Submission).where(Submission.item_code == "forest_area_km2")).first() is None


def test_pages_render_for_every_role(client_for: Clients) -> None:
    for user in ("u07", "office", "leader", "expert", "analyst"):
        c, _ = client_for(user)
        for path in ("/entry", "/dashboard", "/indicators", "/indicator/20", "/entry/eco_env_investment"):
            r = c.get(path)
            assert r.status_code == 200, (user, path)
            assert "两山基地建设管理系统" in r.text
    o, _ = client_for("office")
    assert "待审核" in o.get("/review").text and "下载 .xlsx" in o.get("/excel").text
    dash = o.get("/api/dashboard").json()
    assert sum(dash["counts"].values()) == 20 and len(dash["completeness"]["units"]) > 10
    u, _ = client_for("u07")
    mine = u.get("/api/dashboard").json()
    assert {i["id"] for i in mine["indicators"]} == {15, 19, 20}
    assert [x["unit"] for x in mine["completeness"]["units"]] == ["财政局"]
