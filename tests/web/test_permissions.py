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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from websupport import login, make_site

from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Unit
from liangshan.store.models_workplan import WpMilestone, WpReport, WpSurveyResponse, WpTask, WpTaskUnit
from liangshan.store.submissions import submit_value
from liangshan.web.app import create_app
from liangshan.web.workplan_routes import SURVEY_COOKIE
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
_years = itertools.count(1900)
_fixture_clients = itertools.count(1)
TODAY = date.today()
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
    ids: dict[str, int]

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
            spec = ActionSpec(f"督办事项{next(_years)}", self.ids[owner], TODAY - timedelta(days=3))
            return add_action(s, region, spec, actor="office").id

    def report(self, region: str = HOME, routed_to: str | None = None) -> int:
        """A new public supervision report, routed to ``routed_to`` (a key of ``ids``) if given."""
        with session_scope(self.url) as s:
            rep, _ = submit_report(s, region, category="环境污染", location="某河段", text="河道里有人倾倒垃圾，气味很大。",
                                   client=f"fixture-{next(_fixture_clients)}", files_root=self.files)  # fmt: skip
            if routed_to:
                route_report(s, rep.id, self.ids[routed_to], actor="office")
            return rep.id

    def survey(self, region: str = HOME, answers: int = 1) -> int:
        """A new open survey (its own year) with ``answers`` responses."""
        with session_scope(self.url) as s:
            sv = open_survey(s, region, next(_years), actor="office")
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
    ids: dict[str, int] = {}
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
    Case(("POST", "/review/{submission_id}"), "own", action_on("own", "approve", True),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "other", action_on("other", "return", True),
         DENY_ALL_BUT(["office"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "region", action_on("region", "approve", True),
         DENY_ALL_BUT(["office_other"], 303, **anon_html)),
    Case(("POST", "/review/{submission_id}"), "comment", action_on("own", "comment", True),
         DENY_ALL_BUT(["office", "reviewer"], 303, **anon_html)),
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
    Case(("GET", "/excel"), "own", html_get("/excel"), DENY_ALL_BUT(["office", "office_other"], **anon_html)),
    Case(("GET", "/excel/template"), "own", html_get("/excel/template?unit={unit_home}"),
         DENY_ALL_BUT(["office"], **anon_html)),
    Case(("GET", "/excel/template"), "region", html_get(f"/excel/template?unit={{unit_region}}&region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_html)),
    Case(("POST", "/excel/preview"), "own", form_post("/excel/preview", lambda w: {},
         files={"file": ("a.xlsx", b"not a workbook", "application/octet-stream")}),
         DENY_ALL_BUT(["office", "office_other"], 415, **anon_html)),
    Case(("POST", "/excel/confirm"), "own", form_post("/excel/confirm", lambda w: {"token": "x" * 20}),
         DENY_ALL_BUT(["office", "office_other"], 400, **anon_html)),
    # API
    Case(("GET", "/api/me"), "own", api_get("/api/me"), exp(ALL, **anon_api)),
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
    Case(("GET", "/api/dashboard"), "own", api_get("/api/dashboard"), exp(ALL, **anon_api)),
    Case(("GET", "/api/dashboard"), "region", api_get(f"/api/dashboard?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/indicators/{ind_id}"), "own", api_get("/api/indicators/20"), exp(ALL, **anon_api)),
    Case(("GET", "/api/indicators/{ind_id}"), "other", api_get("/api/indicators/1"),
         exp(ALL, unit=403, **anon_api)),
    Case(("GET", "/api/completeness"), "own", api_get("/api/completeness"), exp(ALL, **anon_api)),
    Case(("GET", "/api/completeness"), "region", api_get(f"/api/completeness?region={OTHER}"),
         DENY_ALL_BUT(["office_other"], **anon_api)),
    Case(("GET", "/api/excel/template"), "own", api_get("/api/excel/template?unit={unit_home}"),
         DENY_ALL_BUT(["office"], **anon_api)),
    Case(("POST", "/api/excel/preview"), "own",
         lambda w: {"method": "POST", "url": "/api/excel/preview",
                    "files": {"file": ("a.xlsx", b"PK\x03\x04garbage", "application/octet-stream")}},
         DENY_ALL_BUT(["office", "office_other"], 415, **anon_api)),
    Case(("POST", "/api/excel/confirm"), "own", json_post("/api/excel/confirm", lambda w: {"token": "y" * 20}),
         DENY_ALL_BUT(["office", "office_other"], 400, **anon_api)),
]  # fmt: skip

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
        r = client.request(
            method, url, headers={"X-CSRF-Token": token}, files=files, follow_redirects=False, **req
        )
        got[role] = r.status_code
        if r.status_code == 403 and case.expected[role] == 403 and role != "anon":
            detail = r.json()["detail"] if url.startswith("/api/") else r.text
            assert re.search("无权|不属于|不含本单位|只有|只能查看|不能上传|责任单位请", detail), detail[:300]
    assert got == case.expected
