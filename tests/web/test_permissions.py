# ruff: noqa: E501  (the permission table reads best one case per line)
"""Permission matrix: every role × every route × own/other unit/region, on the server.

Roles: anonymous, a unit user (财政局 u07), the office of 卢氏县, the office of another county
(office001, region 900001), a leader, a reviewer (expert) and the technical analyst. Objects: the
unit's own item (生态环保投入) and another unit's (GDP, 统计局), their submissions and evidence, and
the same in the other county. Every route of the app must appear here (or in EXEMPT with the test
that covers it), so a new route cannot ship unchecked.

The work plan (工作方案) routes use the plan loaded in both counties: a task where 财政局 is a
cooperating unit and one where it is not, other units' progress reports, meetings, follow-up actions
owned by 财政局 / 统计局 / the other county, supervision reports routed to 财政局 / 统计局 / the other
county (with photos), surveys. The public pages (/public/...) answer every role alike: 卢氏县 has
published its page (progress, survey, supervision channel; not the index), the other county has
not. Each role's client has its own address, so the public rate limits count per role; the limits
themselves, the absence of personal data, CSRF on every write and escaping are tested below the
matrix.
"""

from __future__ import annotations

import io
import itertools
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from websupport import login, make_site

from liangshan import localtime
from liangshan.services.permissions import actor_for_user
from liangshan.services.uploads import CheckedUpload
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Unit, User
from liangshan.store.models_workplan import (
    WpAttachment,
    WpMilestone,
    WpReport,
    WpSurveyResponse,
    WpTask,
    WpTaskUnit,
)
from liangshan.store.submissions import submit_value
from liangshan.web.app import create_app
from liangshan.web.routes.workplan_common import SURVEY_COOKIE
from liangshan.workplan.commitment_desk import report_with_files
from liangshan.workplan.plan import load_plan, office_unit
from liangshan.workplan.public import set_settings
from liangshan.workplan.supervision import Photo, route_report, submit_report
from liangshan.workplan.survey import open_survey, submit_response
from liangshan.workplan.tracking import ActionSpec, add_action, add_progress, create_meeting

HOME, OTHER = "411224", "900001"
ROLES = ("anon", "unit", "office", "office_other", "leader", "reviewer", "analyst")
USERS = {
    "unit": "u07",
    "office": "office",
    "office_other": "office001",
    "leader": "leader",
    "reviewer": "expert",
    "analyst": "analyst",
}
PDF = b"%PDF-1.4\n%%EOF\n"
COMMITMENT = "rural_waste_coverage"  # a task commitment led by 城市管理局 (not the unit's 财政局)
_years = itertools.count(1900)
_fixture_clients = itertools.count(1)
_survey_years = itertools.count(2100)  # a survey of its own year each (one open survey per region-year)
TODAY = localtime.today()
SURVEY_YEAR = TODAY.year


def png(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class World:
    app: Any
    url: str
    files: Path
    clients: dict[str, tuple[TestClient, str]]
    ids: dict[str, Any]

    def pending(self, region: str = HOME, item: str = "eco_env_investment") -> int:
        """A fresh submitted value (its own year, so actions on it never collide)."""
        with session_scope(self.url) as s:
            return submit_value(s, region=region, item=item, year=next(_years), value=1.0, user="u07").id

    def version(self, region: str, item: str, year: int) -> int:
        c, _ = self.clients["office" if region == HOME else "office_other"]
        cur = c.get(f"/api/items/{item}/{year}", params={"region": region}).json()["current"]
        return int(cur["version"]) if cur else 0

    # fresh work-plan objects (so a write by one role never changes what the next role meets)
    def action(self, owner: str) -> int:
        """A new follow-up action owned by ``owner`` (a key of ``ids``: unit07, stats, unit_region)."""
        region = OTHER if owner == "unit_region" else HOME
        with session_scope(self.url) as s:
            spec = ActionSpec(f"督办事项{next(_fixture_clients)}", self.ids[owner], TODAY - timedelta(days=3))
            return add_action(s, region, spec, actor="office").id

    def report(self, region: str = HOME, routed_to: str | None = None) -> int:
        """A new public supervision report, routed to ``routed_to`` (a key of ``ids``) if given."""
        with session_scope(self.url) as s:
            rep, _ = submit_report(s, region, category="环境污染", location="某河段", text="河道里有人倾倒垃圾，气味很大。",
                                   client=f"fixture-{next(_fixture_clients)}", files_root=self.files)  # fmt: skip
            if routed_to:
                route_report(s, rep.id, self.ids[routed_to], actor="office")
            return rep.id

    def commitment_value(
        self, region: str = HOME, year: int = 2024, with_file: bool = False
    ) -> tuple[int, int]:
        """A fresh submitted actual value of 城市管理局's commitment (reported by the office of ``region``),
        and the evidence file attached to it (0 without ``with_file``)."""
        with session_scope(self.url) as s:
            office = actor_for_user(s, "office" if region == HOME else "office001")
            ups = (
                [
                    CheckedUpload(
                        "台账.pdf", "pdf", "application/pdf", PDF + str(next(_fixture_clients)).encode()
                    )
                ]
                if with_file
                else []
            )
            row = report_with_files(
                s, office, self.files, region, COMMITMENT, year, 99.0, evidence="覆盖村庄台账", uploads=ups
            )
            ev = s.scalars(select(WpAttachment.evidence_id).where(WpAttachment.entity == "commitment_value",
                                                                  WpAttachment.entity_id == row.id)).first()  # fmt: skip
            return row.id, int(ev or 0)

    def survey(self, region: str = HOME, answers: int = 1) -> int:
        """A new open survey (its own year) with ``answers`` responses."""
        with session_scope(self.url) as s:
            sv = open_survey(s, region, next(_survey_years), actor="office")
            for _ in range(answers):
                submit_response(s, sv.id, token=secrets.token_urlsafe(24), answer="满意", township=sv.townships[0],
                                urban_rural="农村", client=f"fixture-{next(_fixture_clients)}")  # fmt: skip
            return sv.id


def _task_where(s: Any, region: str, unit_id: int, member: bool) -> int:
    """A task of ``region`` (with units) that names ``unit_id`` as lead/cooperating unit, or does not."""
    for task in s.scalars(select(WpTask).where(WpTask.region_code == region).order_by(WpTask.seq)):
        units = set(s.scalars(select(WpTaskUnit.unit_id).where(WpTaskUnit.task_id == task.id)))
        if units and (unit_id in units) == member:
            return int(task.id)
    raise AssertionError(f"no task in {region} with member={member}")


def _workplan_objects(s: Any, files: Path, ids: dict[str, Any]) -> None:
    """The work plan of both counties and the objects the matrix points at (ids added to ``ids``)."""
    load_plan(s, HOME)
    load_plan(s, OTHER)
    u07, stats, other = ids["unit07"], ids["stats"], ids["unit_region"]
    office = office_unit(s, HOME)
    assert office is not None
    ids["task_own"] = _task_where(s, HOME, u07, True)
    ids["task_other"] = _task_where(s, HOME, u07, False)
    ids["task_region"] = _task_where(s, OTHER, other, True)
    lead_other = s.scalars(select(WpTaskUnit.unit_id).where(WpTaskUnit.task_id == ids["task_other"])).first()
    ids["prog_home"] = add_progress(s, ids["task_other"], lead_other, reported_on=TODAY, text="进展（示例）",
                                    percent=20, actor="u01").id  # fmt: skip
    ids["prog_region"] = add_progress(s, ids["task_region"], other, reported_on=TODAY, text="进展（示例）",
                                      percent=20, actor="office001").id  # fmt: skip
    for key, region, unit in (("meet_home", HOME, u07), ("meet_region", OTHER, other)):
        m = create_meeting(s, region, title="调度会议（示例）", held_on=TODAY - timedelta(days=10), actor="office",
                           decisions=["按期报送数据"], actions=[ActionSpec("报送数据", unit, TODAY, 1)])  # fmt: skip
        ids[key] = m.id
    ids["ms_office"] = s.scalars(select(WpMilestone.id).where(WpMilestone.region_code == HOME,
                                                                WpMilestone.owner_unit_id == office.id)).first()  # fmt: skip
    ids["survey_home"] = open_survey(s, HOME, SURVEY_YEAR, actor="office").id
    ids["survey_region"] = open_survey(s, OTHER, SURVEY_YEAR, actor="office001").id
    set_settings(s, HOME, PUBLISHED | {"survey_id": ids["survey_home"]}, actor="office")
    for key, region, unit, color in (("own", HOME, u07, (1, 2, 3)), ("other", HOME, stats, (4, 5, 6)),
                                     ("region", OTHER, other, (7, 8, 9))):  # fmt: skip
        rep, code = submit_report(s, region, category="生态破坏", location=f"{key}村后山", text=f"{key}：山坡上有人滥伐林木。",
                                  client=f"fixture-{key}", files_root=files, photos=[Photo(png(color), "现场.png")])  # fmt: skip
        route_report(s, rep.id, unit, actor="office", internal_note="内部说明（示例）")
        ids[f"rep_{key}"], ids[f"receipt_{key}"] = rep.id, code
        ids[f"photo_{key}"] = _photo(s, rep.id)


def _photo(s: Any, report_id: int) -> int:
    from liangshan.store.models_workplan import WpAttachment

    return int(s.scalars(select(WpAttachment.evidence_id).where(WpAttachment.entity == "report",
                                                                WpAttachment.entity_id == report_id)).one())  # fmt: skip


PUBLISHED = {"published": True, "show_progress": True, "supervision": True, "message": "欢迎监督（示例）"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("perm")
    url = f"sqlite:///{tmp / 'perm.db'}"
    site = make_site(url, tmp, extra_regions=1)
    app = create_app(url, site.files, secret_key="p" * 40)
    ids: dict[str, Any] = {}
    with session_scope(url) as s:
        unit07 = s.query(Unit).filter_by(region_code=HOME, name="财政局").one()
        stats = s.query(Unit).filter_by(region_code=HOME, name="统计局").one()
        other = s.query(Unit).filter_by(region_code=OTHER, name="财政局").one()
        ev_own = store_evidence(s, site.files, PDF, "own.pdf", "application/pdf", region=HOME, user="u07",
                                unit_id=unit07.id)  # fmt: skip
        ev_other = store_evidence(s, site.files, PDF + b"1", "gdp.pdf", "application/pdf", region=HOME,
                                  user="u19", unit_id=stats.id)  # fmt: skip
        ev_region = store_evidence(s, site.files, PDF + b"2", "x.pdf", "application/pdf", region=OTHER,
                                   user="office001", unit_id=other.id)  # fmt: skip
        own = submit_value(s, region=HOME, item="eco_env_investment", year=2023, value=45000.0, user="u07",
                           evidence_ids=[ev_own.id])  # fmt: skip
        oth = submit_value(s, region=HOME, item="gdp", year=2022, value=1.0, user="u19", status="draft",
                           evidence_ids=[ev_other.id])  # fmt: skip
        reg = submit_value(s, region=OTHER, item="eco_env_investment", year=2023, value=1.0, user="office001",
                           evidence_ids=[ev_region.id])  # fmt: skip
        ids = {
            "ev_own": ev_own.id, "ev_other": ev_other.id, "ev_region": ev_region.id,
            "sub_own": own.id, "sub_other": oth.id, "sub_region": reg.id,
            "unit_home": stats.id, "unit_region": other.id, "unit07": unit07.id, "stats": stats.id,
        }  # fmt: skip
        _workplan_objects(s, site.files, ids)
    clients: dict[str, tuple[TestClient, str]] = {}
    for i, role in enumerate(ROLES):
        # one client address per role: the public rate limits count per address
        c = TestClient(app, client=(f"192.0.2.{10 + i}", 50000))
        if role == "anon":
            page = c.get("/login")
            m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            clients[role] = (c, m.group(1) if m else "")
        else:
            clients[role] = (c, login(c, USERS[role]))
    yield World(app, url, site.files, clients, ids)
    for c, _ in clients.values():
        c.close()
    dispose_engines()


# --------------------------------------------------------------------------------------------
# Expected status per role. "view" routes: everyone signed in may read in their own region, the unit
# only its own items. Variants: own (the unit's item, 卢氏县), other (another unit's item), region
# (the other county).
ALL = {r: 200 for r in ROLES if r != "anon"}


def exp(base: dict[str, int], **over: int) -> dict[str, int]:
    return {**base, **over}


Req = Callable[[World], dict[str, Any]]


@dataclass
class Case:
    route: tuple[str, str]
    variant: str
    request: Req
    expected: dict[str, int]


def html_get(path: str) -> Req:
    return lambda w: {"method": "GET", "url": path.format(**w.ids)}


def api_get(path: str) -> Req:
    return html_get(path)


def form_post(path: str, data: Callable[[World], dict[str, Any]], files: Any = None) -> Req:
    return lambda w: {"method": "POST", "url": path.format(**w.ids), "data": data(w), "files": files}


def json_post(path: str, body: Callable[[World], dict[str, Any]]) -> Req:
    return lambda w: {"method": "POST", "url": path.format(**w.ids), "json": body(w)}


def entry_form(region: str, item: str, year: int) -> Callable[[World], dict[str, Any]]:
    def make(w: World) -> dict[str, Any]:
        v = w.version(region, item, year)
        base = 300 if item == "air_good_days" else 47000
        return {"region": region, "value": str(base + v), "action": "save", "version": str(v), "note": "x"}

    return make


def entry_json(region: str, item: str, year: int) -> Callable[[World], dict[str, Any]]:
    def make(w: World) -> dict[str, Any]:
        v = w.version(region, item, year)
        base = 300 if item == "air_good_days" else 47000
        return {"region": region, "value": base + v, "action": "save", "expected_version": v, "note": "x"}

    return make


def action_on(kind: str, action: str, html: bool) -> Req:
    def make(w: World) -> dict[str, Any]:
        sid = {
            "own": lambda: w.pending(),
            "other": lambda: w.pending(item="gdp"),
            "region": lambda: w.pending(region=OTHER),
        }[kind]()
        reason = "理由" if action in ("return", "reopen", "comment") else ""
        if html:
            return {"method": "POST", "url": f"/review/{sid}", "data": {"action": action, "reason": reason}}
        return {
            "method": "POST",
            "url": f"/api/submissions/{sid}/actions",
            "json": {"action": action, "reason": reason},
        }

    return make


anon_html, anon_api = {"anon": 303}, {"anon": 401}
DENY_ALL_BUT = lambda ok, code=200, **kw: exp(  # noqa: E731
    {r: 403 for r in ROLES if r != "anon"}, **{r: code for r in ok}, **kw
)
EDITORS = ("unit", "office", "analyst")

CASES: list[Case] = [
    Case(("GET", "/"), "own", html_get("/"), {r: 303 for r in ROLES}),
    Case(("GET", "/login"), "own", html_get("/login"), {r: 200 for r in ROLES}),
    Case(("GET", "/healthz"), "own", html_get("/healthz"), {r: 200 for r in ROLES}),  # public, reveals nothing
    Case(("GET", "/readyz"), "own", html_get("/readyz"), {r: 200 for r in ROLES}),
    # entry list
    Case(("GET", "/entry"), "own", html_get("/entry"), exp(ALL, **anon_html)),
    Case(("GET", "/entry"), "region", html_get(f"/entry?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("GET", "/entry"), "other", html_get("/entry?unit={unit_home}"), exp(ALL, office_other=403, **anon_html)),
    Case(("GET", "/entry"), "unit-of-other-region", html_get("/entry?unit={unit_region}"),
         exp(ALL, office=403, leader=403, reviewer=403, analyst=403, **anon_html)),
    # item page
    Case(("GET", "/entry/{item}"), "own", html_get("/entry/eco_env_investment"), exp(ALL, **anon_html)),
    Case(("GET", "/entry/{item}"), "other", html_get("/entry/gdp"), exp(ALL, unit=403, **anon_html)),
    Case(("GET", "/entry/{item}"), "region", html_get(f"/entry/eco_env_investment?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("GET", "/entry/{item}/{year}/check"), "own",
         html_get(f"/entry/eco_env_investment/2024/check?region={HOME}&value=1"),
         exp(ALL, office_other=403, **anon_html)),
    Case(("GET", "/entry/{item}/{year}/check"), "other",
         html_get(f"/entry/gdp/2024/check?region={HOME}&value=1"), exp(ALL, unit=403, office_other=403, **anon_html)),
    Case(("GET", "/entry/{item}/{year}/check"), "region",
         html_get(f"/entry/gdp/2024/check?region={OTHER}&value=1"), DENY_ALL_BUT(["office_other"], **anon_html)),
    # saving a value
    Case(("POST", "/entry/{item}/{year}"), "own",
         form_post("/entry/eco_env_investment/2024", entry_form(HOME, "eco_env_investment", 2024)),
         DENY_ALL_BUT(EDITORS, 303, **anon_html)),
    Case(("POST", "/entry/{item}/{year}"), "other", form_post("/entry/air_good_days/2024", entry_form(HOME, "air_good_days", 2024)),
         DENY_ALL_BUT(["office", "analyst"], 303, unit=403, **anon_html)),
    Case(("POST", "/entry/{item}/{year}"), "region",
         form_post("/entry/eco_env_investment/2024", entry_form(OTHER, "eco_env_investment", 2024)),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    # evidence
    Case(("GET", "/evidence/{evidence_id}"), "own", html_get("/evidence/{ev_own}"),
         exp(ALL, office_other=403, **anon_html)),
    Case(("GET", "/evidence/{evidence_id}"), "other", html_get("/evidence/{ev_other}"),
         exp(ALL, unit=403, office_other=403, **anon_html)),
    Case(("GET", "/evidence/{evidence_id}"), "region", html_get("/evidence/{ev_region}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    # review
    Case(("GET", "/review"), "own", html_get("/review"), exp(ALL, unit=403, **anon_html)),
    Case(("GET", "/review"), "region", html_get(f"/review?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    # county map
    Case(("GET", "/map"), "own", html_get(f"/map?region={HOME}"), exp(ALL, office_other=403, **anon_html)),
    Case(("GET", "/map"), "region", html_get(f"/map?region={OTHER}"), DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("GET", "/api/map"), "own", api_get(f"/api/map?region={HOME}"), exp(ALL, office_other=403, **anon_api)),
    Case(("GET", "/api/map"), "region", api_get(f"/api/map?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("POST", "/map/layers"), "own",
         form_post("/map/layers", lambda w: {"region": HOME, "layer": "sites"},
                   files={"file": ("p.csv", "名称,经度,纬度\n甲,111.0,34.0\n".encode(), "text/csv")}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/map/layers"), "region",
         form_post("/map/layers", lambda w: {"region": OTHER, "layer": "sites"},
                   files={"file": ("p.csv", "名称,经度,纬度\n甲,111.0,34.0\n".encode(), "text/csv")}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/review/batch"), "own",
         lambda w: {"method": "POST", "url": "/review/batch", "data": {"region": HOME, "ids": [f"{w.pending()}:1"]}},
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/review/batch"), "region",
         lambda w: {"method": "POST", "url": "/review/batch",
                    "data": {"region": OTHER, "ids": [f"{w.pending(region=OTHER)}:1"]}},
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "own", action_on("own", "approve", True),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "other", action_on("other", "return", True),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "region", action_on("region", "approve", True),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "comment", action_on("own", "comment", True),
         DENY_ALL_BUT(["office", "reviewer"], 303, **anon_html)),
    # 待办 (where every user lands after login)
    Case(("GET", "/todo"), "own", html_get("/todo"), exp(ALL, **anon_html)),
    Case(("GET", "/todo"), "region", html_get(f"/todo?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    # dashboard and indicators
    Case(("GET", "/dashboard"), "own", html_get("/dashboard"), exp(ALL, **anon_html)),
    Case(("GET", "/dashboard"), "region", html_get(f"/dashboard?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("GET", "/indicators"), "own", html_get("/indicators"), exp(ALL, **anon_html)),
    Case(("GET", "/indicator/{ind_id}"), "own", html_get("/indicator/20"), exp(ALL, **anon_html)),
    Case(("GET", "/indicator/{ind_id}"), "other", html_get("/indicator/1"), exp(ALL, unit=403, **anon_html)),
    Case(("GET", "/indicator/{ind_id}"), "region", html_get(f"/indicator/20?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    # excel
    Case(("GET", "/excel"), "own", html_get("/excel"), DENY_ALL_BUT(["office", "office_other", "unit"], **anon_html)),
    Case(("GET", "/excel/template"), "own", html_get("/excel/template?unit={unit07}"),
         DENY_ALL_BUT(["office", "unit"], **anon_html)),
    Case(("GET", "/excel/template"), "other", html_get("/excel/template?unit={unit_home}"),
         DENY_ALL_BUT(["office"], **anon_html)),
    Case(("GET", "/excel/template"), "region", html_get(f"/excel/template?unit={{unit_region}}&region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("POST", "/excel/preview"), "own", form_post("/excel/preview", lambda w: {},
         files={"file": ("a.xlsx", b"not a workbook", "application/octet-stream")}),
         DENY_ALL_BUT(["office", "office_other", "unit"], 415, **anon_html)),
    Case(("POST", "/excel/confirm"), "own", form_post("/excel/confirm", lambda w: {"token": "x" * 20}),
         DENY_ALL_BUT(["office", "office_other", "unit"], 400, **anon_html)),
    # API
    Case(("GET", "/api/me"), "own", api_get("/api/me"), exp(ALL, **anon_api)),
    # own account: password change, sessions
    Case(("GET", "/account"), "own", html_get("/account"), exp(ALL, **anon_html)),
    Case(("GET", "/api/account/sessions"), "own", api_get("/api/account/sessions"), exp(ALL, **anon_api)),
    Case(("POST", "/account/password"), "own", form_post("/account/password", lambda w: {
         "old_password": "wrong-password", "new_password": "Qing-shan-2026!", "new_password2": "Qing-shan-2026!"}),
         exp({r: 422 for r in ALL}, **anon_html)),
    Case(("POST", "/api/account/password"), "own", json_post("/api/account/password", lambda w: {
         "old_password": "wrong-password", "new_password": "Qing-shan-2026!"}),
         exp({r: 422 for r in ALL}, **anon_api)),
    Case(("POST", "/account/sessions/end-others"), "own", form_post("/account/sessions/end-others", lambda w: {}),
         exp({r: 303 for r in ALL}, **anon_html)),
    Case(("POST", "/api/account/sessions/end-others"), "own",
         json_post("/api/account/sessions/end-others", lambda w: {}), exp(ALL, **anon_api)),
    Case(("GET", "/api/regions"), "own", api_get("/api/regions"), exp(ALL, **anon_api)),
    Case(("GET", "/api/worklist"), "own", api_get("/api/worklist"), exp(ALL, **anon_api)),
    Case(("GET", "/api/worklist"), "region", api_get(f"/api/worklist?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/items/{item}/{year}"), "own", api_get("/api/items/eco_env_investment/2023"),
         exp(ALL, **anon_api)),
    Case(("GET", "/api/items/{item}/{year}"), "other", api_get("/api/items/gdp/2023"),
         exp(ALL, unit=403, **anon_api)),
    Case(("GET", "/api/items/{item}/{year}"), "region", api_get(f"/api/items/gdp/2023?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("POST", "/api/items/{item}/{year}"), "own",
         json_post("/api/items/eco_env_investment/2025", entry_json(HOME, "eco_env_investment", 2025)),
         DENY_ALL_BUT(EDITORS, 201, **anon_api)),
    Case(("POST", "/api/items/{item}/{year}"), "other", json_post("/api/items/air_good_days/2025", entry_json(HOME, "air_good_days", 2025)),
         DENY_ALL_BUT(["office", "analyst"], 201, **anon_api)),
    Case(("POST", "/api/items/{item}/{year}"), "region",
         json_post("/api/items/air_good_days/2025", entry_json(OTHER, "air_good_days", 2025)), DENY_ALL_BUT(["office_other"], 201, **anon_api)),
    Case(("POST", "/api/evidence"), "own",
         lambda w: {"method": "POST", "url": "/api/evidence", "data": {"region": HOME},
                    "files": {"file": ("a.pdf", PDF, "application/pdf")}},
         DENY_ALL_BUT(EDITORS, 201, **anon_api)),
    Case(("POST", "/api/evidence"), "region",
         lambda w: {"method": "POST", "url": "/api/evidence", "data": {"region": OTHER},
                    "files": {"file": ("a.pdf", PDF, "application/pdf")}},
         DENY_ALL_BUT(["office_other"], 201, **anon_api)),
    Case(("GET", "/api/evidence/{evidence_id}"), "own", api_get("/api/evidence/{ev_own}"),
         exp(ALL, office_other=403, **anon_api)),
    Case(("GET", "/api/evidence/{evidence_id}"), "other", api_get("/api/evidence/{ev_other}"),
         exp(ALL, unit=403, office_other=403, **anon_api)),
    Case(("GET", "/api/evidence/{evidence_id}"), "region", api_get("/api/evidence/{ev_region}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/submissions/{submission_id}"), "own", api_get("/api/submissions/{sub_own}"),
         exp(ALL, office_other=403, **anon_api)),
    Case(("GET", "/api/submissions/{submission_id}"), "other", api_get("/api/submissions/{sub_other}"),
         exp(ALL, unit=403, office_other=403, **anon_api)),
    Case(("GET", "/api/submissions/{submission_id}"), "region", api_get("/api/submissions/{sub_region}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("POST", "/api/submissions/{submission_id}/actions"), "own", action_on("own", "approve", False),
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("POST", "/api/submissions/{submission_id}/actions"), "other", action_on("other", "return", False),
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("POST", "/api/submissions/{submission_id}/actions"), "region", action_on("region", "approve", False),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("POST", "/api/submissions/{submission_id}/actions"), "comment", action_on("own", "comment", False),
         DENY_ALL_BUT(["office", "reviewer"], **anon_api)),
    Case(("GET", "/api/review"), "own", api_get("/api/review"), exp(ALL, unit=403, **anon_api)),
    Case(("GET", "/api/todo"), "own", api_get("/api/todo"), exp(ALL, **anon_api)),
    Case(("GET", "/api/todo"), "region", api_get(f"/api/todo?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/dashboard"), "own", api_get("/api/dashboard"), exp(ALL, **anon_api)),
    Case(("GET", "/api/dashboard"), "region", api_get(f"/api/dashboard?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/indicators/{ind_id}"), "own", api_get("/api/indicators/20"), exp(ALL, **anon_api)),
    Case(("GET", "/api/indicators/{ind_id}"), "other", api_get("/api/indicators/1"),
         exp(ALL, unit=403, **anon_api)),
    # JSON twins of the pages (test_api_twins.py): the same checks as their pages
    Case(("GET", "/api/indicators"), "own", api_get("/api/indicators"), exp(ALL, **anon_api)),
    Case(("GET", "/api/indicators"), "region", api_get(f"/api/indicators?region={OTHER}"), DENY_ALL_BUT(["office_other"], **anon_api)),
    # contributions to a shared element (财政局 cooperates on market_issued, not on eco_product_output_per_capita)
    Case(("GET", "/api/contributions"), "own", api_get(f"/api/contributions?region={HOME}&element=market_issued"), exp(ALL, office_other=403, **anon_api)),
    Case(("GET", "/api/contributions"), "other", api_get(f"/api/contributions?region={HOME}&element=eco_product_output_per_capita"), exp(ALL, unit=403, office_other=403, **anon_api)),
    Case(("GET", "/api/contributions"), "region", api_get(f"/api/contributions?region={OTHER}&element=market_issued"), DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("POST", "/api/contributions"), "own", json_post("/api/contributions", lambda w: {"region": HOME, "element": "market_issued", "year": 2024, "comment": "x", "unit": "财政局"}),
         DENY_ALL_BUT(["unit", "office"], 201, **anon_api)),
    Case(("POST", "/api/contributions"), "other", json_post("/api/contributions", lambda w: {"region": HOME, "element": "eco_product_output_per_capita", "year": 2024, "comment": "x", "unit": "林业局"}),
         DENY_ALL_BUT(["office"], 201, **anon_api)),
    Case(("POST", "/api/contributions"), "region", json_post("/api/contributions", lambda w: {"region": OTHER, "element": "market_issued", "year": 2024, "comment": "x", "unit": "财政局"}),
         DENY_ALL_BUT(["office_other"], 201, **anon_api)),
    Case(("POST", "/entry/{item}/{year}/contribute"), "own", form_post("/entry/market_issued/2024/contribute", lambda w: {"region": HOME, "comment": "x"}),
         DENY_ALL_BUT(["unit"], 303, office=422, **anon_html)),
    Case(("POST", "/entry/{item}/{year}/contribute"), "other", form_post("/entry/eco_product_output_per_capita/2024/contribute", lambda w: {"region": HOME, "comment": "x"}),
         DENY_ALL_BUT([], office=422, **anon_html)),
    Case(("POST", "/entry/{item}/{year}/contribute"), "region", form_post("/entry/market_issued/2024/contribute", lambda w: {"region": OTHER, "comment": "x"}),
         DENY_ALL_BUT(["office_other"], 422, **anon_html)),
    Case(("GET", "/api/items/{item}"), "own", api_get("/api/items/eco_env_investment"), exp(ALL, **anon_api)),
    Case(("GET", "/api/items/{item}"), "other", api_get("/api/items/gdp"), exp(ALL, unit=403, **anon_api)),
    Case(("GET", "/api/items/{item}"), "region", api_get(f"/api/items/eco_env_investment?region={OTHER}"), DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/items/{item}/{year}/check"), "own", api_get(f"/api/items/eco_env_investment/2024/check?region={HOME}&value=1"),
         exp(ALL, office_other=403, **anon_api)),
    Case(("GET", "/api/items/{item}/{year}/check"), "other", api_get(f"/api/items/gdp/2024/check?region={HOME}&value=1"),
         exp(ALL, unit=403, office_other=403, **anon_api)),
    Case(("GET", "/api/excel"), "own", api_get("/api/excel"), DENY_ALL_BUT(["office", "office_other", "unit"], **anon_api)),
    Case(("GET", "/api/excel"), "region", api_get(f"/api/excel?region={OTHER}"), DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/report"), "own", api_get("/api/report"), DENY_ALL_BUT(["office", "office_other"], **anon_api)),
    Case(("GET", "/api/report"), "region", api_get(f"/api/report?region={OTHER}"), DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/completeness"), "own", api_get("/api/completeness"), exp(ALL, **anon_api)),
    Case(("GET", "/api/completeness"), "region", api_get(f"/api/completeness?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/excel/template"), "own", api_get("/api/excel/template?unit={unit07}"),
         DENY_ALL_BUT(["office", "unit"], **anon_api)),
    Case(("GET", "/api/excel/template"), "other", api_get("/api/excel/template?unit={unit_home}"),
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("POST", "/api/excel/preview"), "own",
         lambda w: {"method": "POST", "url": "/api/excel/preview",
                    "files": {"file": ("a.xlsx", b"PK\x03\x04garbage", "application/octet-stream")}},
         DENY_ALL_BUT(["office", "office_other", "unit"], 415, **anon_api)),
    Case(("POST", "/api/excel/confirm"), "own", json_post("/api/excel/confirm", lambda w: {"token": "y" * 20}),
         DENY_ALL_BUT(["office", "office_other", "unit"], 400, **anon_api)),
    # roll-ups of many counties: office, leader, reviewer, at or below their own region (411200 = the city above both)
    Case(("GET", "/regions"), "own", html_get("/regions"), exp(ALL, unit=403, analyst=403, **anon_html)),
    Case(("GET", "/regions"), "region", html_get(f"/regions?region={OTHER}"), DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("GET", "/regions"), "city", html_get("/regions?region=411200"), DENY_ALL_BUT([], **anon_html)),
    Case(("GET", "/api/rollup/{code}"), "own", api_get(f"/api/rollup/{HOME}"), exp(ALL, unit=403, analyst=403, office_other=403, **anon_api)),
    Case(("GET", "/api/rollup/{code}"), "city", api_get("/api/rollup/411200?indicator=1"), DENY_ALL_BUT([], **anon_api)),
    Case(("GET", "/api/rollup/{code}/boundaries"), "own", api_get(f"/api/rollup/{HOME}/boundaries"),
         DENY_ALL_BUT(["office", "leader", "reviewer"], 404, **anon_api)),
    Case(("GET", "/api/rollup/{code}/boundaries"), "city", api_get("/api/rollup/411200/boundaries"), DENY_ALL_BUT([], **anon_api)),
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# Work plan (工作方案) and the public pages. "home" objects are in 卢氏县, "region" ones in the
# other county; "own" / "other" for a unit means its own task, action or routed report vs. another
# unit's. Reads in the plan are open to every signed-in role of the region (a unit sees only its own
# items, digest and routed reports: tested below); writes need the role, the unit and the region.
HOME_READ = exp(ALL, office_other=403, **anon_html)
HOME_API = exp(ALL, office_other=403, **anon_api)
ONLY_OTHER = DENY_ALL_BUT(["office_other"], **anon_html)
ONLY_OTHER_API = DENY_ALL_BUT(["office_other"], **anon_api)
TODAY_S = TODAY.isoformat()
PROGRESS = {"reported_on": TODAY_S, "percent": "30", "text": "完成阶段性工作（示例）"}
DONE = {"status": "done", "done_on": TODAY_S, "note": "已完成"}
REPORT_FORM = {"category": "生态破坏", "location": "某村后山", "text": "有人在山坡上滥伐林木，已砍倒十余棵。"}
SURVEY_FORM = {"answer": "满意", "township": "城关镇", "urban_rural": "城镇"}
UNKNOWN_RECEIPT = "0000-0000-0000-0000"


def public(code: int) -> dict[str, int]:
    return {r: code for r in ROLES}


def post_to(
    url: Callable[[World], str], data: dict[str, Any] | Callable[[World], dict[str, Any]], **extra: Any
) -> Req:
    """A form POST whose URL (and data) are made per request, e.g. around a fresh object."""
    return lambda w: {
        "method": "POST",
        "url": url(w),
        "data": data(w) if callable(data) else dict(data),
        **extra,
    }


def meeting(region: str, unit: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "region": region, "title": "第二次调度会议", "held_on": TODAY_S, "topics": "数据报送",
        "decisions": "各单位按期报送数据", "action_title": ["报送数据"], "action_unit": [str(w.ids[unit])],
        "action_due": [TODAY_S], "action_decision": ["1"],
    }  # fmt: skip


def settings(region: str, published: bool) -> Callable[[World], dict[str, Any]]:
    if not published:
        return lambda w: {"region": region, "message": ""}
    return lambda w: {"region": region, "published": "true", "show_progress": "true", "supervision": "true",
                      "message": PUBLISHED["message"], "survey_id": str(w.ids["survey_home"])}  # fmt: skip


WP_CASES: list[Case] = [
    Case(("GET", "/workplan"), "own", html_get("/workplan"), exp(ALL, **anon_html)),
    Case(("GET", "/workplan"), "region", html_get(f"/workplan?region={OTHER}"), ONLY_OTHER),
    # tasks and progress: a unit reports only on tasks that name it (lead or cooperating)
    Case(("GET", "/workplan/tasks/{task_id}"), "own", html_get("/workplan/tasks/{task_own}"), HOME_READ),
    Case(("GET", "/workplan/tasks/{task_id}"), "other", html_get("/workplan/tasks/{task_other}"), HOME_READ),
    Case(("GET", "/workplan/tasks/{task_id}"), "region", html_get("/workplan/tasks/{task_region}"), ONLY_OTHER),
    Case(("POST", "/workplan/tasks/{task_id}/progress"), "own", form_post("/workplan/tasks/{task_own}/progress", lambda w: PROGRESS),
         DENY_ALL_BUT(["unit", "office"], 303, **anon_html)),
    Case(("POST", "/workplan/tasks/{task_id}/progress"), "other", form_post("/workplan/tasks/{task_other}/progress", lambda w: PROGRESS),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/tasks/{task_id}/progress"), "region", form_post("/workplan/tasks/{task_region}/progress", lambda w: PROGRESS),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/progress/{progress_id}/comment"), "other",
         form_post("/workplan/progress/{prog_home}/comment", lambda w: {"comment": "请补充佐证材料"}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/progress/{progress_id}/comment"), "region",
         form_post("/workplan/progress/{prog_region}/comment", lambda w: {"comment": "请补充佐证材料"}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    # dispatch meetings: the office of the region records them; follow-ups only for its own units
    Case(("GET", "/workplan/meetings"), "own", html_get("/workplan/meetings"), exp(ALL, **anon_html)),
    Case(("GET", "/workplan/meetings"), "region", html_get(f"/workplan/meetings?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/workplan/meetings"), "own", form_post("/workplan/meetings", meeting(HOME, "unit07")),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/meetings"), "region", form_post("/workplan/meetings", meeting(OTHER, "unit_region")),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/meetings"), "unit-of-other-region", form_post("/workplan/meetings", meeting(HOME, "unit_region")),
         DENY_ALL_BUT(["office"], 400, **anon_html)),
    Case(("GET", "/workplan/meetings/{meeting_id}"), "own", html_get("/workplan/meetings/{meet_home}"), HOME_READ),
    Case(("GET", "/workplan/meetings/{meeting_id}"), "region", html_get("/workplan/meetings/{meet_region}"), ONLY_OTHER),
    Case(("GET", "/workplan/meetings/{meeting_id}/minutes.docx"), "own", html_get("/workplan/meetings/{meet_home}/minutes.docx"), HOME_READ),
    Case(("GET", "/workplan/meetings/{meeting_id}/minutes.docx"), "region", html_get("/workplan/meetings/{meet_region}/minutes.docx"), ONLY_OTHER),
    # tracked items: the owner unit marks its own done; cancelling is the office's
    Case(("GET", "/workplan/items"), "own", html_get("/workplan/items"), exp(ALL, **anon_html)),
    Case(("GET", "/workplan/items"), "region", html_get(f"/workplan/items?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/workplan/items/{kind}/{item_id}"), "own", post_to(lambda w: f"/workplan/items/action/{w.action('unit07')}", DONE),
         DENY_ALL_BUT(["unit", "office"], 303, **anon_html)),
    Case(("POST", "/workplan/items/{kind}/{item_id}"), "other", post_to(lambda w: f"/workplan/items/action/{w.action('stats')}", DONE),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/items/{kind}/{item_id}"), "region", post_to(lambda w: f"/workplan/items/action/{w.action('unit_region')}", DONE),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/items/{kind}/{item_id}"), "own-cancel",
         post_to(lambda w: f"/workplan/items/action/{w.action('unit07')}", {"status": "cancelled"}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/items/{kind}/{item_id}"), "own-done-in-future",
         post_to(lambda w: f"/workplan/items/action/{w.action('unit07')}", {**DONE, "done_on": (TODAY + timedelta(days=2)).isoformat()}),
         DENY_ALL_BUT(["unit", "office"], 400, **anon_html)),
    Case(("POST", "/workplan/items/{kind}/{item_id}"), "office-milestone", form_post("/workplan/items/milestone/{ms_office}", lambda w: DONE),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    # office-only: bundle, public settings, surveys; scores for the office and the leader
    Case(("GET", "/workplan/bundle.zip"), "own", html_get("/workplan/bundle.zip"), DENY_ALL_BUT(["office", "office_other"], **anon_html)),
    Case(("GET", "/workplan/bundle.zip"), "region", html_get(f"/workplan/bundle.zip?region={OTHER}"), ONLY_OTHER),
    Case(("GET", "/workplan/scores"), "own", html_get("/workplan/scores"),
         DENY_ALL_BUT(["office", "office_other", "leader"], **anon_html)),
    Case(("GET", "/workplan/scores"), "region", html_get(f"/workplan/scores?region={OTHER}"), ONLY_OTHER),
    Case(("GET", "/workplan/public-admin"), "own", html_get("/workplan/public-admin"), DENY_ALL_BUT(["office", "office_other"], **anon_html)),
    Case(("GET", "/workplan/public-admin"), "region", html_get(f"/workplan/public-admin?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/workplan/public-admin"), "own", form_post("/workplan/public-admin", settings(HOME, True)),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/public-admin"), "region", form_post("/workplan/public-admin", settings(OTHER, False)),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/surveys"), "own", form_post("/workplan/surveys", lambda w: {"region": HOME, "year": str(next(_survey_years))}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/surveys"), "region", form_post("/workplan/surveys", lambda w: {"region": OTHER, "year": str(next(_survey_years))}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/surveys/{survey_id}/{action}"), "own-close", post_to(lambda w: f"/workplan/surveys/{w.survey()}/close", {}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/surveys/{survey_id}/{action}"), "own-record", post_to(lambda w: f"/workplan/surveys/{w.survey(answers=2)}/record", {}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/surveys/{survey_id}/{action}"), "region-close", post_to(lambda w: f"/workplan/surveys/{w.survey(OTHER)}/close", {}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("GET", "/workplan/surveys/{survey_id}/export.csv"), "own", html_get("/workplan/surveys/{survey_home}/export.csv"),
         DENY_ALL_BUT(["office"], **anon_html)),
    Case(("GET", "/workplan/surveys/{survey_id}/export.csv"), "region", html_get("/workplan/surveys/{survey_region}/export.csv"), ONLY_OTHER),
    Case(("GET", "/workplan/survey-codes/{survey_id}"), "own", html_get("/workplan/survey-codes/{survey_home}"),
         DENY_ALL_BUT(["office"], **anon_html)),
    Case(("GET", "/workplan/survey-codes/{survey_id}"), "region", html_get("/workplan/survey-codes/{survey_region}"),
         ONLY_OTHER),
    Case(("POST", "/workplan/survey-codes/{survey_id}"), "own",
         form_post("/workplan/survey-codes/{survey_home}", lambda w: {"n": "1"}), DENY_ALL_BUT(["office"], **anon_html)),
    # supervision reports: the office routes; the unit it was routed to handles it and sees its photos
    Case(("GET", "/workplan/reports"), "own", html_get("/workplan/reports"), exp(ALL, **anon_html)),
    Case(("GET", "/workplan/reports"), "region", html_get(f"/workplan/reports?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/workplan/reports/{report_id}/route"), "own",
         post_to(lambda w: f"/workplan/reports/{w.report()}/route", lambda w: {"unit_id": str(w.ids["stats"])}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/reports/{report_id}/route"), "region",
         post_to(lambda w: f"/workplan/reports/{w.report(OTHER)}/route", lambda w: {"unit_id": str(w.ids["unit_region"])}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/reports/{report_id}/route"), "unit-of-other-region",
         post_to(lambda w: f"/workplan/reports/{w.report()}/route", lambda w: {"unit_id": str(w.ids["unit_region"])}),
         DENY_ALL_BUT(["office"], 400, **anon_html)),
    Case(("POST", "/workplan/reports/{report_id}/status"), "own",
         post_to(lambda w: f"/workplan/reports/{w.report(HOME, 'unit07')}/status", {"status": "in_progress", "public_note": "正在核查"}),
         DENY_ALL_BUT(["unit", "office"], 303, **anon_html)),
    Case(("POST", "/workplan/reports/{report_id}/status"), "other",
         post_to(lambda w: f"/workplan/reports/{w.report(HOME, 'stats')}/status", {"status": "in_progress", "public_note": "正在核查"}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/reports/{report_id}/status"), "region",
         post_to(lambda w: f"/workplan/reports/{w.report(OTHER, 'unit_region')}/status", {"status": "in_progress", "public_note": "正在核查"}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("GET", "/workplan/reports/{report_id}/photos/{evidence_id}"), "own", html_get("/workplan/reports/{rep_own}/photos/{photo_own}"), HOME_READ),
    Case(("GET", "/workplan/reports/{report_id}/photos/{evidence_id}"), "other", html_get("/workplan/reports/{rep_other}/photos/{photo_other}"),
         exp(HOME_READ, unit=403)),
    Case(("GET", "/workplan/reports/{report_id}/photos/{evidence_id}"), "region", html_get("/workplan/reports/{rep_region}/photos/{photo_region}"), ONLY_OTHER),
    Case(("GET", "/workplan/reports/{report_id}/photos/{evidence_id}"), "photo-of-another-report",
         html_get("/workplan/reports/{rep_own}/photos/{photo_other}"), exp({r: 404 for r in ALL}, office_other=403, **anon_html)),
    # JSON API
    Case(("GET", "/api/workplan/{region}"), "own", api_get(f"/api/workplan/{HOME}"), HOME_API),
    Case(("GET", "/api/workplan/{region}"), "region", api_get(f"/api/workplan/{OTHER}"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/{region}/digest"), "own", api_get(f"/api/workplan/{HOME}/digest"), HOME_API),
    Case(("GET", "/api/workplan/{region}/digest"), "region", api_get(f"/api/workplan/{OTHER}/digest"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/{region}/scores"), "own", api_get(f"/api/workplan/{HOME}/scores?year={SURVEY_YEAR}"),
         DENY_ALL_BUT(["office", "leader"], **anon_api)),
    Case(("GET", "/api/workplan/{region}/scores"), "region", api_get(f"/api/workplan/{OTHER}/scores?year={SURVEY_YEAR}"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/meetings/{meeting_id}"), "own", api_get("/api/workplan/meetings/{meet_home}"), HOME_API),
    Case(("GET", "/api/workplan/meetings/{meeting_id}"), "region", api_get("/api/workplan/meetings/{meet_region}"), ONLY_OTHER_API),
    # public pages: the same answer for every role, signed in or not; only what the region published
    Case(("GET", "/public/{region}"), "own", html_get(f"/public/{HOME}"), public(200)),
    Case(("GET", "/public/{region}"), "region-not-published", html_get(f"/public/{OTHER}"), public(404)),
    Case(("GET", "/public/{region}"), "unknown-region", html_get("/public/999999"), public(404)),
    Case(("GET", "/public/{region}/map"), "own", html_get(f"/public/{HOME}/map"), public(200)),
    Case(("GET", "/public/{region}/map"), "region-not-published", html_get(f"/public/{OTHER}/map"), public(404)),
    Case(("GET", "/public/{region}/map.json"), "own", html_get(f"/public/{HOME}/map.json"), public(200)),
    Case(("GET", "/public/{region}/map.json"), "unknown-region", html_get("/public/999999/map.json"), public(404)),
    Case(("GET", "/public/{region}/survey"), "own", html_get(f"/public/{HOME}/survey"), public(200)),
    Case(("GET", "/public/{region}/survey"), "region-not-published", html_get(f"/public/{OTHER}/survey"), public(404)),
    Case(("POST", "/public/{region}/survey"), "own", post_to(lambda w: f"/public/{HOME}/survey", SURVEY_FORM, device=True), public(200)),
    Case(("POST", "/public/{region}/survey"), "region-not-published", post_to(lambda w: f"/public/{OTHER}/survey", SURVEY_FORM, device=True),
         public(404)),
    Case(("GET", "/public/{region}/report"), "own", html_get(f"/public/{HOME}/report"), public(200)),
    Case(("GET", "/public/{region}/report"), "region-not-published", html_get(f"/public/{OTHER}/report"), public(404)),
    Case(("POST", "/public/{region}/report"), "own",
         post_to(lambda w: f"/public/{HOME}/report", REPORT_FORM, files=[("photos", ("现场.png", png(), "image/png"))]), public(200)),
    Case(("POST", "/public/{region}/report"), "region-not-published", post_to(lambda w: f"/public/{OTHER}/report", REPORT_FORM),
         public(404)),
    Case(("GET", "/public/receipt/lookup"), "own", html_get("/public/receipt/lookup"), public(200)),
    Case(("POST", "/public/receipt/lookup"), "own", post_to(lambda w: "/public/receipt/lookup", lambda w: {"code": w.ids["receipt_own"]}),
         public(200)),
    Case(("POST", "/public/receipt/lookup"), "unknown", post_to(lambda w: "/public/receipt/lookup", {"code": UNKNOWN_RECEIPT}), public(404)),
    Case(("POST", "/api/public/receipt"), "own", post_to(lambda w: "/api/public/receipt", lambda w: {"code": w.ids["receipt_region"]}),
         public(200)),
    Case(("POST", "/api/public/receipt"), "unknown", post_to(lambda w: "/api/public/receipt", {"code": UNKNOWN_RECEIPT}), public(404)),
]  # fmt: skip

# Task commitments (量化承诺): the lead unit (城市管理局, not the matrix's 财政局) or the office reports,
# only the office reviews; the evidence files for the office, the read roles and the lead unit.
COMMIT_BODY = {"year": 2024, "value": "99", "evidence": "覆盖村庄台账"}
WP_CASES += [
    Case(("GET", "/workplan/commitments"), "own", html_get(f"/workplan/commitments?region={HOME}"), HOME_READ),
    Case(("GET", "/workplan/commitments"), "region", html_get(f"/workplan/commitments?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/workplan/commitments/{code}/report"), "other",
         form_post(f"/workplan/commitments/{COMMITMENT}/report", lambda w: {**COMMIT_BODY, "region": HOME}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/commitments/{code}/report"), "region",
         form_post(f"/workplan/commitments/{COMMITMENT}/report", lambda w: {**COMMIT_BODY, "region": OTHER}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/workplan/commitment-values/{value_id}/review"), "other",
         post_to(lambda w: f"/workplan/commitment-values/{w.commitment_value(HOME)[0]}/review", {"action": "return", "note": "请补充台账"}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/workplan/commitment-values/{value_id}/review"), "region",
         post_to(lambda w: f"/workplan/commitment-values/{w.commitment_value(OTHER)[0]}/review", {"action": "return", "note": "请补充台账"}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("GET", "/workplan/commitment-values/{value_id}/files/{evidence_id}"), "other",
         lambda w: {"method": "GET", "url": "/workplan/commitment-values/{}/files/{}".format(*w.commitment_value(HOME, 2023, True))},
         exp(HOME_READ, unit=403)),
    Case(("GET", "/workplan/commitment-values/{value_id}/files/{evidence_id}"), "region",
         lambda w: {"method": "GET", "url": "/workplan/commitment-values/{}/files/{}".format(*w.commitment_value(OTHER, 2023, True))},
         ONLY_OTHER),
    Case(("GET", "/api/workplan/{region}/commitments"), "own", api_get(f"/api/workplan/{HOME}/commitments"), HOME_API),
    Case(("GET", "/api/workplan/{region}/commitments"), "region", api_get(f"/api/workplan/{OTHER}/commitments"), ONLY_OTHER_API),
    Case(("POST", "/api/workplan/{region}/commitments/{code}/values"), "other",
         json_post(f"/api/workplan/{HOME}/commitments/{COMMITMENT}/values", lambda w: COMMIT_BODY),
         DENY_ALL_BUT(["office"], 201, **anon_api)),
    Case(("POST", "/api/workplan/{region}/commitments/{code}/values"), "region",
         json_post(f"/api/workplan/{OTHER}/commitments/{COMMITMENT}/values", lambda w: COMMIT_BODY),
         DENY_ALL_BUT(["office_other"], 201, **anon_api)),
    Case(("POST", "/api/workplan/commitment-values/{value_id}/review"), "other",
         lambda w: {"method": "POST", "url": f"/api/workplan/commitment-values/{w.commitment_value(HOME)[0]}/review",
                    "json": {"action": "return", "note": "请补充台账"}},
         DENY_ALL_BUT(["office"], 200, **anon_api)),
    Case(("POST", "/api/workplan/commitment-values/{value_id}/review"), "region",
         lambda w: {"method": "POST", "url": f"/api/workplan/commitment-values/{w.commitment_value(OTHER)[0]}/review",
                    "json": {"action": "return", "note": "请补充台账"}},
         DENY_ALL_BUT(["office_other"], 200, **anon_api)),
]  # fmt: skip
CASES += WP_CASES

# JSON twins of the work-plan pages: the page's rules, with the region in the path.
CASES += [
    Case(("GET", "/api/workplan/{region}/overview"), "own", api_get(f"/api/workplan/{HOME}/overview"), HOME_API),
    Case(("GET", "/api/workplan/{region}/overview"), "region", api_get(f"/api/workplan/{OTHER}/overview"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/tasks/{task_id}"), "own", api_get("/api/workplan/tasks/{task_own}"), HOME_API),
    Case(("GET", "/api/workplan/tasks/{task_id}"), "region", api_get("/api/workplan/tasks/{task_region}"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/{region}/meetings"), "own", api_get(f"/api/workplan/{HOME}/meetings"), HOME_API),
    Case(("GET", "/api/workplan/{region}/meetings"), "region", api_get(f"/api/workplan/{OTHER}/meetings"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/{region}/items"), "own", api_get(f"/api/workplan/{HOME}/items"), HOME_API),
    Case(("GET", "/api/workplan/{region}/items"), "region", api_get(f"/api/workplan/{OTHER}/items"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/{region}/reports"), "own", api_get(f"/api/workplan/{HOME}/reports"), HOME_API),
    Case(("GET", "/api/workplan/{region}/reports"), "region", api_get(f"/api/workplan/{OTHER}/reports"), ONLY_OTHER_API),
    Case(("GET", "/api/workplan/{region}/public-admin"), "own", api_get(f"/api/workplan/{HOME}/public-admin"),
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("GET", "/api/workplan/{region}/public-admin"), "region", api_get(f"/api/workplan/{OTHER}/public-admin"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/workplan/{region}/public"), "own", api_get(f"/api/workplan/{HOME}/public"), public(200)),
    Case(("GET", "/api/workplan/{region}/public"), "region-not-published", api_get(f"/api/workplan/{OTHER}/public"), public(404)),
    Case(("GET", "/api/workplan/{region}/public"), "unknown-region", api_get("/api/workplan/999999/public"), public(404)),
]  # fmt: skip

# 情况说明技术报告 jobs (office only). Cheap requests here (no job is started: a bad format is refused
# after the role and region checks); a real job's privacy (owner, other county, leader) is tested in
# test_report_web.py.
CASES += [
    Case(("GET", "/report"), "own", html_get("/report"), DENY_ALL_BUT(["office", "office_other"], **anon_html)),
    Case(("GET", "/report"), "region", html_get(f"/report?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/report/jobs"), "own", form_post("/report/jobs", lambda w: {"fmt": "exe", "region": HOME}),
         DENY_ALL_BUT(["office"], 422, **anon_html)),
    Case(("POST", "/report/jobs"), "region", form_post("/report/jobs", lambda w: {"fmt": "exe", "region": OTHER}),
         DENY_ALL_BUT(["office_other"], 422, **anon_html)),
    Case(("GET", "/report/jobs/{job_id}"), "unknown", html_get("/report/jobs/not-a-job"), exp({r: 404 for r in ALL}, **anon_html)),
    Case(("GET", "/report/jobs/{job_id}/download"), "unknown", html_get("/report/jobs/not-a-job/download"),
         exp({r: 404 for r in ALL}, **anon_html)),
]  # fmt: skip

# 上传原始数据计算 (raw data → the CLI's calculator → preview → confirm): the entry checks. 财政局 (u07) supplies
# no item with a calculator: its own 生态环保投入 answers 404 (no calculator) to those who may enter it, 分局's
# 优良天数 403. Each preview uploads a small hourly CSV of its own (so each has something to confirm); a confirm
# takes a token the office of the region has just previewed: only that user may confirm it.
_calc_files = itertools.count(1)


def air_upload(year: int = 2023) -> dict[str, Any]:
    k = next(_calc_files)
    lines = ["station,time,so2,no2,pm10,pm2_5,co,o3"]
    lines += [
        f"城关站,{year}-01-0{d}T{h:02d}:00,8,25,60,30,{0.7 + k / 10000:.4f},60"
        for d in (1, 2)
        for h in range(24)
    ]
    return {"file_hourly": ("air.csv", "\n".join(lines).encode(), "text/csv")}


def calc_post(path: str, region: str) -> Req:
    return lambda w: {
        "method": "POST",
        "url": path,
        "data": {"region": region, "calc": "air"},
        "files": air_upload(),
    }


def calc_token(w: World, region: str) -> str:
    c, tok = w.clients["office" if region == HOME else "office_other"]
    r = c.post("/api/calc/air_good_days", data={"region": region, "calc": "air"}, files=air_upload(),
               headers={"X-CSRF-Token": tok})  # fmt: skip
    assert r.status_code == 200 and r.json()["token"], r.text[:300]
    return str(r.json()["token"])


def round_id(w: World, region: str) -> int:
    c, _ = w.clients["office" if region == HOME else "office_other"]
    return int(c.get("/api/rounds", params={"region": region}).json()["rounds"][0]["id"])


NO_CALC = exp({r: 404 for r in ALL}, leader=403, reviewer=403, office_other=403)
ROUND = {"name": "再建一个批次", "start_year": "2026", "end_year": "2028", "deadline": "2029-03-31"}
CASES += [
    Case(("GET", "/calc/{item}"), "own", html_get(f"/calc/eco_env_investment?region={HOME}"), exp(NO_CALC, **anon_html)),
    Case(("GET", "/calc/{item}"), "other", html_get(f"/calc/air_good_days?region={HOME}"), DENY_ALL_BUT(["office", "analyst"], **anon_html)),
    Case(("GET", "/calc/{item}"), "region", html_get(f"/calc/air_good_days?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/calc/{item}"), "own", calc_post("/calc/eco_env_investment", HOME), exp(NO_CALC, **anon_html)),
    Case(("POST", "/calc/{item}"), "other", calc_post("/calc/air_good_days", HOME), DENY_ALL_BUT(["office", "analyst"], **anon_html)),
    Case(("POST", "/calc/{item}"), "region", calc_post("/calc/air_good_days", OTHER), ONLY_OTHER),
    Case(("POST", "/calc/confirm"), "office-token", post_to(lambda w: "/calc/confirm", lambda w: {"token": calc_token(w, HOME), "action": "save"}),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/calc/confirm"), "region-token", post_to(lambda w: "/calc/confirm", lambda w: {"token": calc_token(w, OTHER), "action": "save"}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("GET", "/api/calc/{item}"), "own", api_get(f"/api/calc/eco_env_investment?region={HOME}"), exp(NO_CALC, **anon_api)),
    Case(("GET", "/api/calc/{item}"), "other", api_get(f"/api/calc/air_good_days?region={HOME}"), DENY_ALL_BUT(["office", "analyst"], **anon_api)),
    Case(("GET", "/api/calc/{item}"), "region", api_get(f"/api/calc/air_good_days?region={OTHER}"), ONLY_OTHER_API),
    Case(("POST", "/api/calc/{item}"), "other", calc_post("/api/calc/air_good_days", HOME), DENY_ALL_BUT(["office", "analyst"], **anon_api)),
    Case(("POST", "/api/calc/{item}"), "region", calc_post("/api/calc/air_good_days", OTHER), ONLY_OTHER_API),
    Case(("POST", "/api/calc/confirm"), "office-token", json_post("/api/calc/confirm", lambda w: {"token": calc_token(w, HOME)}),
         DENY_ALL_BUT(["office"], 201, **anon_api)),
    Case(("POST", "/api/calc/confirm"), "region-token", json_post("/api/calc/confirm", lambda w: {"token": calc_token(w, OTHER)}),
         DENY_ALL_BUT(["office_other"], 201, **anon_api)),
    # 评估批次管理: the office of the region. A second open round is refused (409), so nothing changes here.
    Case(("GET", "/rounds"), "own", html_get("/rounds"), DENY_ALL_BUT(["office", "office_other"], **anon_html)),
    Case(("GET", "/rounds"), "region", html_get(f"/rounds?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/rounds"), "own", form_post("/rounds", lambda w: {"region": HOME, **ROUND}), DENY_ALL_BUT(["office"], 409, **anon_html)),
    Case(("POST", "/rounds"), "region", form_post("/rounds", lambda w: {"region": OTHER, **ROUND}), DENY_ALL_BUT(["office_other"], 409, **anon_html)),
    Case(("GET", "/rounds/{round_id}"), "own", lambda w: {"method": "GET", "url": f"/rounds/{round_id(w, HOME)}"},
         DENY_ALL_BUT(["office"], **anon_html)),
    Case(("GET", "/rounds/{round_id}"), "region", lambda w: {"method": "GET", "url": f"/rounds/{round_id(w, OTHER)}"}, ONLY_OTHER),
    Case(("POST", "/rounds/{round_id}/{action}"), "own-deadline",
         post_to(lambda w: f"/rounds/{round_id(w, HOME)}/deadline", {"deadline": "2026-12-31"}), DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/rounds/{round_id}/{action}"), "own-close-without-reason",
         post_to(lambda w: f"/rounds/{round_id(w, HOME)}/close", {"reason": ""}), DENY_ALL_BUT(["office"], 422, **anon_html)),
    Case(("POST", "/rounds/{round_id}/{action}"), "region-deadline",
         post_to(lambda w: f"/rounds/{round_id(w, OTHER)}/deadline", {"deadline": "2026-12-31"}), DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("GET", "/api/rounds"), "own", api_get("/api/rounds"), DENY_ALL_BUT(["office", "office_other"], **anon_api)),
    Case(("GET", "/api/rounds"), "region", api_get(f"/api/rounds?region={OTHER}"), ONLY_OTHER_API),
    Case(("POST", "/api/rounds"), "own", json_post("/api/rounds", lambda w: {"region": HOME, **ROUND, "start_year": 2026, "end_year": 2028}),
         DENY_ALL_BUT(["office"], 409, **anon_api)),
    Case(("POST", "/api/rounds"), "region", json_post("/api/rounds", lambda w: {"region": OTHER, **ROUND, "start_year": 2026, "end_year": 2028}),
         DENY_ALL_BUT(["office_other"], 409, **anon_api)),
    Case(("GET", "/api/rounds/{round_id}"), "own", lambda w: {"method": "GET", "url": f"/api/rounds/{round_id(w, HOME)}"},
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("GET", "/api/rounds/{round_id}"), "region", lambda w: {"method": "GET", "url": f"/api/rounds/{round_id(w, OTHER)}"}, ONLY_OTHER_API),
    Case(("POST", "/api/rounds/{round_id}/actions"), "own-deadline",
         lambda w: {"method": "POST", "url": f"/api/rounds/{round_id(w, HOME)}/actions", "json": {"action": "deadline", "deadline": "2026-12-31"}},
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("POST", "/api/rounds/{round_id}/actions"), "region-deadline",
         lambda w: {"method": "POST", "url": f"/api/rounds/{round_id(w, OTHER)}/actions", "json": {"action": "deadline", "deadline": "2026-12-31"}},
         ONLY_OTHER_API),
]  # fmt: skip

# 官方发布值对账 (/reconcile): every signed-in role reads its region, a unit only its own indicators; a
# published figure is entered by the office, the responsible unit or the analyst (like any value).
OFFICIAL = {
    "year": "2025",
    "value": "3.1",
    "publisher": "测试发布单位",
    "document": "测试公报（测试文号）",
    "published_on": "2026-02-01",
    "explanation": "测试",
    "action": "submit",
}
CASES += [
    Case(("GET", "/reconcile"), "own", html_get("/reconcile"), exp(ALL, **anon_html)),
    Case(("GET", "/reconcile"), "other", html_get(f"/reconcile?region={HOME}&indicator=1"), exp(HOME_READ, unit=403)),
    Case(("GET", "/reconcile"), "region", html_get(f"/reconcile?region={OTHER}"), ONLY_OTHER),
    Case(("GET", "/api/reconcile"), "own", api_get("/api/reconcile"), exp(ALL, **anon_api)),
    Case(("GET", "/api/reconcile"), "other", api_get(f"/api/reconcile?region={HOME}&indicator=1"), exp(HOME_API, unit=403)),
    Case(("GET", "/api/reconcile"), "region", api_get(f"/api/reconcile?region={OTHER}"), ONLY_OTHER_API),
    Case(("POST", "/reconcile/official"), "own", form_post("/reconcile/official", lambda w: {"region": HOME, "indicator": "20", **OFFICIAL}),
         DENY_ALL_BUT(["unit", "office", "analyst"], 303, **anon_html)),
    Case(("POST", "/reconcile/official"), "other", form_post("/reconcile/official", lambda w: {"region": HOME, "indicator": "1", **OFFICIAL}),
         DENY_ALL_BUT(["office", "analyst"], 303, **anon_html)),
    Case(("POST", "/reconcile/official"), "region", form_post("/reconcile/official", lambda w: {"region": OTHER, "indicator": "20", **OFFICIAL}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
]  # fmt: skip


# 称号登记簿: every signed-in user of the region reads it; the office of the region adds and withdraws.
_title_names = itertools.count(1)


def title_fields(region: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"region": region, "name": f"测试称号{next(_title_names)}", "level": "国家",
                      "awarding_body": "测试机关", "document": "测试文件", "awarded_on": "2020"}  # fmt: skip


def fresh_title(w: World, region: str) -> int:
    c, tok = w.clients["office" if region == HOME else "office_other"]
    r = c.post("/api/titles", json=title_fields(region)(w), headers={"X-CSRF-Token": tok})
    assert r.status_code == 201, r.text[:300]
    return int(r.json()["id"])


CASES += [
    Case(("GET", "/titles"), "own", html_get("/titles"), exp(ALL, **anon_html)),
    Case(("GET", "/titles"), "region", html_get(f"/titles?region={OTHER}"), ONLY_OTHER),
    Case(
        ("POST", "/titles"),
        "own",
        form_post("/titles", title_fields(HOME)),
        DENY_ALL_BUT(["office"], 303, **anon_html),
    ),
    Case(
        ("POST", "/titles"),
        "region",
        form_post("/titles", title_fields(OTHER)),
        DENY_ALL_BUT(["office_other"], 303, **anon_html),
    ),
    Case(
        ("POST", "/titles/{title_id}/remove"),
        "own",
        post_to(lambda w: f"/titles/{fresh_title(w, HOME)}/remove", {"reason": "登记有误"}),
        DENY_ALL_BUT(["office"], 303, **anon_html),
    ),
    Case(
        ("POST", "/titles/{title_id}/remove"),
        "region",
        post_to(lambda w: f"/titles/{fresh_title(w, OTHER)}/remove", {"reason": "登记有误"}),
        DENY_ALL_BUT(["office_other"], 303, **anon_html),
    ),
    Case(("GET", "/api/titles"), "own", api_get("/api/titles?year=2025"), exp(ALL, **anon_api)),
    Case(("GET", "/api/titles"), "region", api_get(f"/api/titles?region={OTHER}"), ONLY_OTHER_API),
    Case(
        ("POST", "/api/titles"),
        "own",
        json_post("/api/titles", title_fields(HOME)),
        DENY_ALL_BUT(["office"], 201, **anon_api),
    ),
    Case(
        ("POST", "/api/titles"),
        "region",
        json_post("/api/titles", title_fields(OTHER)),
        DENY_ALL_BUT(["office_other"], 201, **anon_api),
    ),
    Case(
        ("POST", "/api/titles/{title_id}/remove"),
        "own",
        lambda w: {
            "method": "POST",
            "url": f"/api/titles/{fresh_title(w, HOME)}/remove",
            "json": {"reason": "登记有误"},
        },
        DENY_ALL_BUT(["office"], 200, **anon_api),
    ),
    Case(
        ("POST", "/api/titles/{title_id}/remove"),
        "region",
        lambda w: {
            "method": "POST",
            "url": f"/api/titles/{fresh_title(w, OTHER)}/remove",
            "json": {"reason": "登记有误"},
        },
        DENY_ALL_BUT(["office_other"], 200, **anon_api),
    ),
]

# 基地状态与问题整改台账 (/base): every signed-in user of the region reads them; the office of the region
# changes the status and records findings and rectification steps.
_incident_titles = itertools.count(1)


def status_fields(region: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"region": region, "status": "创建中", "started_on": "2023-06-06"}


def incident_fields(region: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"region": region, "kind": "其他", "occurred_on": "2024-01-01",
                      "title": f"测试问题{next(_incident_titles)}", "responsible_unit": "林业局"}  # fmt: skip


def fresh_incident(w: World, region: str) -> int:
    c, tok = w.clients["office" if region == HOME else "office_other"]
    r = c.post("/api/incidents", json=incident_fields(region)(w), headers={"X-CSRF-Token": tok})
    assert r.status_code == 201, r.text[:300]
    return int(r.json()["id"])


STEP = {"status": "整改中", "note": "推进整改"}
CASES += [
    Case(("GET", "/base"), "own", html_get("/base"), exp(ALL, **anon_html)),
    Case(("GET", "/base"), "region", html_get(f"/base?region={OTHER}"), ONLY_OTHER),
    Case(("POST", "/base"), "own", form_post("/base", status_fields(HOME)), DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/base"), "region", form_post("/base", status_fields(OTHER)),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/base/incidents"), "own", form_post("/base/incidents", incident_fields(HOME)),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/base/incidents"), "region", form_post("/base/incidents", incident_fields(OTHER)),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/base/incidents/{incident_id}/update"), "own",
         post_to(lambda w: f"/base/incidents/{fresh_incident(w, HOME)}/update", STEP),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/base/incidents/{incident_id}/update"), "region",
         post_to(lambda w: f"/base/incidents/{fresh_incident(w, OTHER)}/update", STEP),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("GET", "/api/base"), "own", api_get("/api/base"), exp(ALL, **anon_api)),
    Case(("GET", "/api/base"), "region", api_get(f"/api/base?region={OTHER}"), ONLY_OTHER_API),
    Case(("POST", "/api/base"), "own", json_post("/api/base", status_fields(HOME)),
         DENY_ALL_BUT(["office"], 200, **anon_api)),
    Case(("POST", "/api/base"), "region", json_post("/api/base", status_fields(OTHER)),
         DENY_ALL_BUT(["office_other"], 200, **anon_api)),
    Case(("GET", "/api/incidents"), "own", api_get("/api/incidents"), exp(ALL, **anon_api)),
    Case(("GET", "/api/incidents"), "region", api_get(f"/api/incidents?region={OTHER}"), ONLY_OTHER_API),
    Case(("POST", "/api/incidents"), "own", json_post("/api/incidents", incident_fields(HOME)),
         DENY_ALL_BUT(["office"], 201, **anon_api)),
    Case(("POST", "/api/incidents"), "region", json_post("/api/incidents", incident_fields(OTHER)),
         DENY_ALL_BUT(["office_other"], 201, **anon_api)),
    Case(("POST", "/api/incidents/{incident_id}/update"), "own",
         lambda w: {"method": "POST", "url": f"/api/incidents/{fresh_incident(w, HOME)}/update", "json": STEP},
         DENY_ALL_BUT(["office"], 200, **anon_api)),
    Case(("POST", "/api/incidents/{incident_id}/update"), "region",
         lambda w: {"method": "POST", "url": f"/api/incidents/{fresh_incident(w, OTHER)}/update", "json": STEP},
         DENY_ALL_BUT(["office_other"], 200, **anon_api)),
]  # fmt: skip

# 情况说明 (/explain/N): read like the indicator; written by its responsible unit, the office or the
# analyst (like any value of the indicator), then reviewed on the review page.
EXPLAIN = {
    "year": "2025",
    "source": "测试来源（测试文件第1页）",
    "work": "测试工作情况",
    "cause": "",
    "action": "submit",
}


def reopened(w: World, indicator: int) -> dict[str, str]:
    """The form of a 2025 情况说明 of ``indicator`` in 卢氏县, its approved demo version reopened first."""
    from liangshan.store.submissions import latest, transition

    with session_scope(w.url) as s:
        sub = latest(s, HOME, f"explain:{indicator}", 2025)
        if sub is not None and sub.status == "approved":
            transition(s, sub.id, "reopen", "office", "测试重新打开")
    return {"region": HOME, **EXPLAIN}


CASES += [
    Case(("GET", "/explain/{indicator_id}"), "own", html_get("/explain/20"), exp(ALL, **anon_html)),
    Case(("GET", "/explain/{indicator_id}"), "other", html_get(f"/explain/1?region={HOME}"), exp(HOME_READ, unit=403)),
    Case(("GET", "/explain/{indicator_id}"), "region", html_get(f"/explain/20?region={OTHER}"), ONLY_OTHER),
    Case(("GET", "/api/explain/{indicator_id}"), "own", api_get("/api/explain/20"), exp(ALL, **anon_api)),
    Case(("GET", "/api/explain/{indicator_id}"), "other", api_get(f"/api/explain/1?region={HOME}"), exp(HOME_API, unit=403)),
    Case(("GET", "/api/explain/{indicator_id}"), "region", api_get(f"/api/explain/20?region={OTHER}"), ONLY_OTHER_API),
    Case(("POST", "/explain/{indicator_id}"), "own", form_post("/explain/20", lambda w: reopened(w, 20)),
         DENY_ALL_BUT(["unit", "office", "analyst"], 303, **anon_html)),
    Case(("POST", "/explain/{indicator_id}"), "other", form_post("/explain/1", lambda w: reopened(w, 1)),
         DENY_ALL_BUT(["office", "analyst"], 303, **anon_html)),
    Case(("POST", "/explain/{indicator_id}"), "region", form_post("/explain/20", lambda w: {"region": OTHER, **EXPLAIN}),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
]  # fmt: skip


def test_calc_upload_hostile_inputs_store_nothing(world: World) -> None:
    """Mislabelled, malformed (named by file, row and column) and oversized uploads, and a missing CSRF
    token: refused before anything is stored (no version, no evidence, no pending copy)."""
    from liangshan.store.models import Evidence, Submission

    office, token = world.clients["office"]
    h = {"X-CSRF-Token": token}

    def stored() -> tuple[int, int, int]:
        with session_scope(world.url) as s:
            subs = int(s.scalar(select(func.count()).select_from(Submission)) or 0)
            evs = int(s.scalar(select(func.count()).select_from(Evidence)) or 0)
        pending = world.files / "calc-pending"
        return subs, evs, len(list(pending.iterdir())) if pending.exists() else 0

    def up(name: str, content: bytes) -> Any:
        return office.post("/api/calc/air_good_days", data={"region": HOME, "calc": "air"},
                           files={"file_hourly": (name, content, "text/csv")}, headers=h)  # fmt: skip

    before = stored()
    r = up("air.csv", png())
    assert r.status_code == 415 and "air.csv" in r.json()["detail"] and "PNG" in r.json()["detail"]
    r = up("air.xlsx", air_upload()["file_hourly"][1])
    assert r.status_code == 415 and "扩展名 .xlsx 与内容（CSV" in r.json()["detail"]
    good = air_upload()["file_hourly"][1].decode().splitlines()
    good[4] = good[4].replace(",30,", ",-5,", 1)  # a negative concentration in row 5 (header = row 1)
    r = up("空气.csv", "\n".join(good).encode())
    detail = r.json()["detail"]
    assert r.status_code == 422 and re.search(r"文件 空气\.csv，第 5 行，列 pm2_5", detail), detail
    r = up("air.csv", b"station,time\n" + b"x" * (20 * 1024 * 1024))  # one byte over 20 MB
    assert r.status_code == 413 and "超过上限" in r.json()["detail"]
    r = office.post("/calc/air_good_days", data={"region": HOME, "calc": "air"}, files=air_upload())
    assert r.status_code == 403 and "CSRF" in r.text
    assert stored() == before


# Routes covered by their own tests (test_security.py) rather than the matrix.
EXEMPT = {
    ("POST", "/login"), ("POST", "/logout"), ("POST", "/api/login"), ("POST", "/api/logout"),
    ("GET", "/api/openapi.json"), ("GET", "/api/docs"),
}  # fmt: skip


def test_every_route_is_in_the_matrix(world: World) -> None:
    routes = set()
    for r in world.app.routes:
        for rr in r.original_router.routes if hasattr(r, "original_router") else [r]:
            for m in getattr(rr, "methods", None) or ():
                if m != "HEAD":
                    routes.add((m, rr.path))
    covered = {c.route for c in CASES} | EXEMPT
    assert routes - covered == set(), f"routes without a permission test: {sorted(routes - covered)}"
    assert covered - routes == set(), f"matrix names routes that do not exist: {sorted(covered - routes)}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.route[0]} {c.route[1]} [{c.variant}]" for c in CASES])
def test_matrix(world: World, case: Case) -> None:
    got = {}
    for role in ROLES:
        client, token = world.clients[role]
        req = case.request(world)
        method, url = req.pop("method"), req.pop("url")
        files = req.pop("files", None)
        if req.pop("device", False):  # a new device: a fresh survey token, as the survey page would set
            client.cookies.delete(SURVEY_COOKIE)
            client.cookies.set(SURVEY_COOKIE, secrets.token_urlsafe(24))
        r = client.request(
            method, url, headers={"X-CSRF-Token": token}, files=files, follow_redirects=False, **req
        )
        got[role] = r.status_code
        if r.status_code == 403 and case.expected[role] == 403 and role != "anon":
            detail = r.json()["detail"] if url.startswith("/api/") else r.text
            assert re.search("无权|不属于|不含本单位|只有|只能查看|不能上传|责任单位请", detail), detail[:300]
    assert got == case.expected


# --------------------------------------------------------------------------------------------
# Work plan and public pages beyond the matrix: CSRF, rate limits, personal data, scoping, escaping.
WP_POSTS = [c for c in WP_CASES if c.route[0] == "POST"]
FIELD = r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"'
UNIT_CELL = r'<td>([^<>]*)</td>\s*<td class="row-actions">'


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None, html[:300]
    return m.group(1)


def visitor(w: World, address: str) -> tuple[TestClient, str]:
    """A visitor without an account from ``address``, with the CSRF token of its anonymous session."""
    c = TestClient(w.app, client=(address, 50000))
    return c, csrf_of(c.get("/public/receipt/lookup").text)


def new_device(c: TestClient) -> None:
    c.cookies.delete(SURVEY_COOKIE)
    c.cookies.set(SURVEY_COOKIE, secrets.token_urlsafe(24))


@pytest.mark.parametrize("case", WP_POSTS, ids=[f"{c.route[1]} [{c.variant}]" for c in WP_POSTS])
def test_every_workplan_write_needs_csrf(world: World, case: Case) -> None:
    for role in ROLES:
        client, token = world.clients[role]
        for headers in ({}, {"X-CSRF-Token": token[::-1]}):
            req = case.request(world)
            req.pop("device", None)
            method, url = req.pop("method"), req.pop("url")
            r = client.request(method, url, headers=headers, follow_redirects=False, **req)
            assert r.status_code == 403 and "CSRF" in r.text, (role, headers, r.status_code, r.text[:200])


def test_public_rate_limits(world: World) -> None:
    """Reports, survey answers and receipt look-ups are limited per address; the refused one stores
    nothing and says when to retry; another address is not affected."""
    from liangshan.store.models_workplan import WpRateEvent
    from liangshan.workplan.supervision import DEFAULT_LOOKUP_LIMIT, DEFAULT_REPORT_LIMIT
    from liangshan.workplan.survey import DEFAULT_LIMIT

    def count(model: Any, **where: Any) -> int:
        with session_scope(world.url) as s:
            return int(s.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0)

    c, token = visitor(world, "203.0.113.1")
    h = {"X-CSRF-Token": token}
    for _ in range(DEFAULT_REPORT_LIMIT.limit):
        assert c.post(f"/public/{HOME}/report", data=REPORT_FORM, headers=h).status_code == 200
    before = count(WpReport)
    r = c.post(f"/public/{HOME}/report", data=REPORT_FORM, headers=h)
    assert r.status_code == 429 and "提交过于频繁" in r.text
    assert 0 < int(r.headers["Retry-After"]) <= DEFAULT_REPORT_LIMIT.window.total_seconds() + 1
    assert count(WpReport) == before
    other, t2 = visitor(world, "203.0.113.2")
    assert (
        other.post(f"/public/{HOME}/report", data=REPORT_FORM, headers={"X-CSRF-Token": t2}).status_code
        == 200
    )

    sid = world.ids["survey_home"]
    for _ in range(DEFAULT_LIMIT.limit):
        new_device(c)
        assert c.post(f"/public/{HOME}/survey", data=SURVEY_FORM, headers=h).status_code == 200
    again = c.post(f"/public/{HOME}/survey", data=SURVEY_FORM, headers=h)  # the same device again
    assert again.status_code == 409 and "只能提交一次" in again.text
    before = count(WpSurveyResponse, survey_id=sid)
    new_device(c)
    r = c.post(f"/public/{HOME}/survey", data=SURVEY_FORM, headers=h)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert count(WpSurveyResponse, survey_id=sid) == before

    for i in range(DEFAULT_LOOKUP_LIMIT.limit):
        code = world.ids["receipt_own"] if i % 2 else UNKNOWN_RECEIPT
        assert c.post("/public/receipt/lookup", data={"code": code}, headers=h).status_code in (200, 404)
    r = c.post("/public/receipt/lookup", data={"code": world.ids["receipt_own"]}, headers=h)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "已转交" not in r.text
    api = c.post("/api/public/receipt", data={"code": world.ids["receipt_own"]}, headers=h)
    assert (
        api.status_code == 429
        and api.json()["code"] == "rate_limited"
        and int(api.headers["Retry-After"]) > 0
    )
    assert other.post("/api/public/receipt", data={"code": world.ids["receipt_own"]},
                      headers={"X-CSRF-Token": t2}).status_code == 200  # fmt: skip
    # only keyed hashes of the addresses are kept
    with session_scope(world.url) as s:
        keys = list(s.scalars(select(WpRateEvent.key_hash)))
    assert keys and not any("203.0.113" in k or "192.0.2" in k for k in keys)


def test_public_pages_show_only_what_is_published_and_no_personal_data(world: World) -> None:
    c, token = visitor(world, "203.0.113.20")
    h = {"X-CSRF-Token": token}
    internal = [
        "u07",
        "office001",
        "联络员",
        "内部说明（示例）",
        "滥伐林木",
        "own村后山",
        "other村后山",
        "倾倒垃圾",
    ]
    page = c.get(f"/public/{HOME}")
    assert page.status_code == 200
    assert PUBLISHED["message"] in page.text and 'id="public-progress"' in page.text
    assert 'id="public-index"' not in page.text and 'id="public-verdicts"' not in page.text  # not published
    assert f"/public/{HOME}/survey" in page.text and f"/public/{HOME}/report" in page.text
    assert "退出" not in page.text  # no signed-in header for a visitor
    other = c.get(f"/public/{OTHER}")
    assert other.status_code == 404 and "示例县001" not in other.text
    for r in (page, c.get(f"/public/{HOME}/survey"), c.get(f"/public/{HOME}/report")):
        assert not [x for x in internal if x in r.text], r.url
    # the questionnaire and the report form ask nothing personal
    survey = c.get(f"/public/{HOME}/survey")
    fields = set(re.findall(FIELD, survey.text))
    # "code": the optional one-time invitation code (random, names nobody)
    assert fields == {"csrf_token", "answer", "township", "urban_rural", "code"}, fields
    cookie = survey.headers["set-cookie"].lower()
    assert (
        SURVEY_COOKIE in cookie
        and "httponly" in cookie
        and "path=/public" in cookie
        and "samesite=lax" in cookie
    )
    report = c.get(f"/public/{HOME}/report")
    assert set(re.findall(FIELD, report.text)) == {
        "csrf_token",
        "category",
        "location",
        "lon",
        "lat",
        "text",
        "photos",
    }
    # the receipt shows status, unit and replies: never the text, the place, photos or internal notes
    view = c.post("/public/receipt/lookup", data={"code": world.ids["receipt_own"].lower()}, headers=h)
    assert view.status_code == 200 and "已转交责任单位" in view.text and "财政局" in view.text
    assert not [x for x in internal if x in view.text] and "photos/" not in view.text
    api = c.post("/api/public/receipt", data={"code": world.ids["receipt_own"]}, headers=h).json()
    assert set(api) == {"category", "received_on", "status", "status_label", "unit", "events"}
    assert all(set(e) == {"date", "status_label", "reply"} for e in api["events"])
    assert "内部说明" not in str(api)
    # the raw answers export has no token, no address, no time of day
    office, _ = world.clients["office"]
    csv = office.get(f"/workplan/surveys/{world.ids['survey_home']}/export.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0] == "answer,township,urban_rural,submitted_on"
    assert "192.0.2" not in csv and "T" not in "".join(csv.splitlines()[1:])


def test_survey_closed_to_the_public_when_the_page_is_unpublished(world: World) -> None:
    """The survey linked from an unpublished page takes no answers (the form and the POST both 404)."""
    sid = world.ids["survey_region"]
    with session_scope(world.url) as s:
        set_settings(s, OTHER, {"published": False, "survey_id": sid}, actor="office001")
    c, token = visitor(world, "203.0.113.30")
    assert c.get(f"/public/{OTHER}/survey").status_code == 404
    r = c.post(
        f"/public/{OTHER}/survey", data=SURVEY_FORM | {"township": "城关镇"}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 404
    with session_scope(world.url) as s:
        n = s.scalar(select(func.count()).select_from(WpSurveyResponse).filter_by(survey_id=sid))
    assert n == 0


def test_unit_sees_only_its_own_items_digest_and_reports(world: World) -> None:
    unit, _ = world.clients["unit"]
    office, _ = world.clients["office"]
    items = unit.get("/workplan/items").text
    units = set(re.findall(UNIT_CELL, items))
    assert units == {"财政局"}, units
    assert len(set(re.findall(UNIT_CELL, office.get("/workplan/items").text))) > 3
    digest = unit.get(f"/api/workplan/{HOME}/digest").json()["units"]
    assert digest and {d["unit"] for d in digest} == {"财政局"}
    mine, theirs = f'id="report-{world.ids["rep_own"]}"', f'id="report-{world.ids["rep_other"]}"'
    page = unit.get("/workplan/reports").text
    assert mine in page and theirs not in page
    both = office.get("/workplan/reports").text
    assert mine in both and theirs in both


def test_progress_only_on_tasks_that_name_the_unit(world: World) -> None:
    """财政局 may report on exactly the tasks that list it (lead or cooperating); a lead unit too."""
    unit, token = world.clients["unit"]
    with session_scope(world.url) as s:
        tasks = {t: set(s.scalars(select(WpTaskUnit.unit_id).where(WpTaskUnit.task_id == t)))
                 for t in s.scalars(select(WpTask.id).where(WpTask.region_code == HOME))}  # fmt: skip
        lead = s.scalars(select(WpTaskUnit.unit_id).where(WpTaskUnit.task_id == world.ids["task_own"],
                                                          WpTaskUnit.role == "lead")).one()  # fmt: skip
        lead_user = s.scalars(select(User.username).where(User.unit_id == lead)).first()
    got = {t: unit.post(f"/workplan/tasks/{t}/progress", data=PROGRESS, headers={"X-CSRF-Token": token},
                        follow_redirects=False).status_code for t in tasks}  # fmt: skip
    assert got == {t: 303 if world.ids["unit07"] in units else 403 for t, units in tasks.items()}
    assert lead_user is not None
    c = TestClient(world.app, client=("192.0.2.99", 50000))
    tok = login(c, lead_user)
    r = c.post(f"/workplan/tasks/{world.ids['task_own']}/progress", data=PROGRESS, headers={"X-CSRF-Token": tok},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303


def test_workplan_pages_escape_user_text(world: World) -> None:
    office, token = world.clients["office"]
    unit, utoken = world.clients["unit"]
    h = {"X-CSRF-Token": token}
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    def clean(html: str) -> None:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html

    r = office.post("/workplan/meetings", headers=h, follow_redirects=False,
                    data=meeting(HOME, "unit07")(world) | {"title": evil, "decisions": evil, "action_title": [evil]})  # fmt: skip
    assert r.status_code == 303
    clean(office.get(r.headers["location"]).text)
    clean(office.get("/workplan/meetings").text)
    clean(unit.get("/workplan/items").text)
    r = unit.post(f"/workplan/tasks/{world.ids['task_own']}/progress", data=PROGRESS | {"text": evil},
                  headers={"X-CSRF-Token": utoken}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    clean(office.get(f"/workplan/tasks/{world.ids['task_own']}").text)
    # a public report and a public reply
    c, vt = visitor(world, "203.0.113.40")
    done = c.post(f"/public/{HOME}/report", data=REPORT_FORM | {"location": evil, "text": evil},
                  headers={"X-CSRF-Token": vt})  # fmt: skip
    assert done.status_code == 200
    code = re.search(r'id="receipt-code"[^>]*>([0-9A-Z-]+)<', done.text)
    assert code is not None
    clean(office.get("/workplan/reports").text)
    with session_scope(world.url) as s:
        rid = s.scalar(select(func.max(WpReport.id)))
    r = office.post(f"/workplan/reports/{rid}/route", headers=h, follow_redirects=False,
                    data={"unit_id": str(world.ids["unit07"]), "public_note": evil})  # fmt: skip
    assert r.status_code == 303
    clean(c.post("/public/receipt/lookup", data={"code": code.group(1)}, headers={"X-CSRF-Token": vt}).text)
    # the office's notice on the public page
    try:
        r = office.post("/workplan/public-admin", headers=h, follow_redirects=False,
                        data=settings(HOME, True)(world) | {"message": evil})  # fmt: skip
        assert r.status_code == 303
        clean(c.get(f"/public/{HOME}").text)
    finally:
        office.post("/workplan/public-admin", headers=h, data=settings(HOME, True)(world))
