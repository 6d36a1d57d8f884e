"""Shared data elements (共同填报): the catalog's lead unit, contributions (append-only), the one rule
"only the lead unit submits" on save and import, and completeness per unit. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from liangshan.catalog import load_catalog
from liangshan.catalog.loader import load_set
from liangshan.catalog.models import DataElement
from liangshan.config import evidence_root
from liangshan.demo import contributions as demo_contrib
from liangshan.demo.build import seed_site
from liangshan.services.assessment import unit_completeness
from liangshan.services.checks import EntryError
from liangshan.services.contributions import CONTRIBUTED, contribute, contributions_for
from liangshan.services.imports import ImportRejected, import_file
from liangshan.services.permissions import Actor, PermissionDenied, actor_for_user
from liangshan.services.todo import todo
from liangshan.services.uploads import check_upload
from liangshan.services.values import evidence_for_download, review_latest, save_entry
from liangshan.services.workspace import Workspace
from liangshan.store.db import AppendOnlyError, session_scope
from liangshan.store.models import AuditLog, Submission
from liangshan.store.models_contributions import Contribution

R = "411224"
EL = "eco_product_output_per_capita"
REFUSED = "该数据由牵头单位 统计局 填报，本单位可提交分项数据或说明"
USERS = {"统计局": "u19", "林业局": "u12", "农业农村局": "u10", "文化广电和旅游局": "u09", "财政局": "u07"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def ws(db: str) -> Workspace:
    seed_site(db, "x", skip=(EL, "eco_env_investment"))
    return Workspace(db, evidence_root(db), load_catalog())


def actor(ws: Workspace, unit: str) -> Actor:
    with ws.read() as s:
        return actor_for_user(s, USERS.get(unit, unit))


def save(ws: Workspace, who: Actor, value: object = "5090", year: int = 2025, action: str = "submit") -> None:
    save_entry(ws, who, region=R, item=EL, year=year, raw_value=value, note="汇总", action=action,
               expected_version=None)  # fmt: skip


def cells(ws: Workspace, unit: str) -> dict[int, str | None]:
    with ws.read() as s:
        comp = unit_completeness(s, ws.catalog, R)
    u = next(u for u in comp.units if u.unit == unit)
    return {c.year: c.status for i, c in u.cells() if i.code == EL}


# ---- catalog ------------------------------------------------------------------------------------------
def test_catalog_names_the_lead_of_every_shared_element() -> None:
    for cat in (load_catalog(), load_set("henan_variant")):
        shared = [e for e in cat.data_elements if len(e.suppliers) > 1]
        assert shared and all(e.lead == e.suppliers[0] and e.shared for e in shared)
    el = load_catalog().element(EL)
    assert el.lead == "统计局" and el.cooperating == ("农业农村局", "文化广电和旅游局", "林业局")
    raw = (Path(__file__).parents[1] / "liangshan/catalog/two_mountains.yaml").read_text(encoding="utf-8")
    assert f"code: {EL}," in raw and "lead: 统计局}" in raw  # written explicitly, not only defaulted
    # omitted: the first supplier; a lead that does not supply the element is refused
    default = DataElement(code="x", name="某数", unit="个", kind="count", suppliers=("甲局", "乙局"))
    assert default.lead == "甲局" and default.cooperating == ("乙局",)
    with pytest.raises(ValidationError, match="牵头单位 丙局 不在填报单位"):
        DataElement(code="x", name="某数", unit="个", kind="count", suppliers=("甲局", "乙局"), lead="丙局")


# ---- who submits --------------------------------------------------------------------------------------
def test_cooperating_unit_may_not_save_or_submit_lead_and_office_may(ws: Workspace) -> None:
    for action in ("save", "submit"):
        with pytest.raises(PermissionDenied) as e:
            save(ws, actor(ws, "林业局"), action=action)
        assert e.value.message == REFUSED
    with ws.read() as s:
        assert s.scalar(select(func.count()).select_from(Submission).where(Submission.item_code == EL)) == 0
    save(ws, actor(ws, "统计局"), year=2025)
    save(ws, actor(ws, "office"), "4800", year=2024)
    with ws.read() as s:
        rows = s.execute(select(Submission.year, Submission.created_by).where(Submission.item_code == EL))
        assert sorted(tuple(r) for r in rows) == [(2024, "office"), (2025, "u19")]
    # an unshared element of a unit is unchanged: 林业局 alone supplies 森林面积
    save_entry(ws, actor(ws, "林业局"), region=R, item="forest_area_km2", year=2025, raw_value="2800",
               note="", action="save", expected_version=None)  # fmt: skip


def test_cooperating_unit_import_is_refused_and_nothing_written(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "林业局.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["region", "item", "year", "value", "note"])
        w.writerow([R, "forest_area_km2", 2025, 2801, ""])
        w.writerow([R, EL, 2025, 1260, "林下经济"])
    with ws.read() as s:
        before = s.scalar(select(func.count()).select_from(Submission))
    with pytest.raises(ImportRejected) as e:
        import_file(ws, actor(ws, "林业局"), path)
    assert e.value.errors == [f"第 3 行，列“item”：{REFUSED}"]
    with ws.read() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == before
    assert len(import_file(ws, actor(ws, "统计局"), _only_shared(path)).written) == 1


def _only_shared(path: Path) -> Path:
    out = path.with_name("统计局.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join([lines[0], lines[2].replace("1260", "5090")]) + "\n", encoding="utf-8")
    return out


# ---- contributions ------------------------------------------------------------------------------------
def test_contributions_are_stored_listed_to_the_lead_and_never_overwritten(ws: Workspace) -> None:
    forest = actor(ws, "林业局")
    up = check_upload(PDF, "林下经济测算.pdf")
    first = contribute(ws, forest, region=R, element=EL, year=2025, value="1,260", comment="林下经济",
                       upload=up)  # fmt: skip
    second = contribute(ws, forest, region=R, element=EL, year=2025, value=1300, comment="更正：含中药材")
    assert first["value"] == 1260.0 and first["unit"] == "林业局"
    assert first["evidence"]["filename"] == "林下经济测算.pdf"
    listed = contributions_for(ws, actor(ws, "统计局"), region=R, element=EL, year=2025)
    assert listed["lead"] == "统计局"
    assert [(c["unit"], c["value"], c["comment"]) for c in listed["contributions"]] == [
        ("林业局", 1260.0, "林下经济"),
        ("林业局", 1300.0, "更正：含中药材"),
    ]
    # the lead (and any supplier) may download the part's evidence
    ev = evidence_for_download(ws, actor(ws, "统计局"), first["evidence"]["id"])
    assert ev.filename == "林下经济测算.pdf"
    with pytest.raises(AppendOnlyError, match="不允许修改"), ws.write() as s:  # append-only
        row = s.get(Contribution, first["id"])
        assert row is not None
        row.comment = "改写"
    with pytest.raises(AppendOnlyError, match="不允许删除"), ws.write() as s:
        s.delete(s.get(Contribution, second["id"]))
    with ws.read() as s:
        assert s.get(Contribution, first["id"]).comment == "林下经济"  # type: ignore[union-attr]
        audits = s.scalars(select(AuditLog).where(AuditLog.entity == "contribution")).all()
        assert [(a.actor, a.action, (a.after or {})["value"]) for a in audits] == [
            ("u12", "contribute", 1260.0),
            ("u12", "contribute", 1300.0),
        ]


def test_contribution_refusals(ws: Workspace) -> None:
    forest = actor(ws, "林业局")
    cases: list[tuple[Actor, dict[str, object], type[Exception], str]] = [
        (actor(ws, "统计局"), {"value": 1}, PermissionDenied, "牵头单位，直接填报数值"),
        (actor(ws, "财政局"), {"value": 1}, PermissionDenied, "不属于本单位"),
        (forest, {}, EntryError, "至少一项"),
        (forest, {"value": "12,5"}, EntryError, "逗号有歧义"),
        (forest, {"value": "-3"}, EntryError, "不能为负数"),
        (forest, {"comment": "字" * 1001}, EntryError, "说明最多 1000 字"),
        (forest, {"value": 1, "unit": "统计局"}, PermissionDenied, "只能以本单位（林业局）的名义"),
        (actor(ws, "office"), {"value": 1}, EntryError, "请指明提交分项数据的配合单位"),
        (actor(ws, "office"), {"value": 1, "unit": "统计局"}, PermissionDenied, "牵头单位"),
    ]
    for who, kw, exc, text in cases:
        with pytest.raises(exc, match=text):
            contribute(ws, who, region=R, element=EL, year=2025, **kw)  # type: ignore[arg-type]
    with pytest.raises(EntryError, match="不是共同填报的数据"):
        contribute(ws, forest, region=R, element="forest_area_km2", year=2025, value=1)
    with ws.read() as s:
        assert s.scalar(select(func.count()).select_from(Contribution)) == 0
    # the office records a part handed in on paper for the unit it names
    office = actor(ws, "office")
    out = contribute(ws, office, region=R, element=EL, year=2025, unit="农业农村局", comment="纸质报送")
    assert out["unit"] == "农业农村局" and out["created_by"] == "office"


# ---- completeness -------------------------------------------------------------------------------------
def test_completeness_per_unit(ws: Workspace) -> None:
    assert cells(ws, "林业局") == cells(ws, "统计局") == {2023: None, 2024: None, 2025: None}
    contribute(ws, actor(ws, "林业局"), region=R, element=EL, year=2025, value=1260)
    # a cooperating unit is done once it has contributed; the lead is not (no value submitted)
    assert cells(ws, "林业局")[2025] == CONTRIBUTED and cells(ws, "统计局")[2025] is None
    assert cells(ws, "农业农村局")[2025] is None
    with ws.read() as s:
        row = next(u for u in unit_completeness(s, ws.catalog, R).units if u.unit == "林业局")
        item = next(i for i in row.to_dict(items=True)["items"] if i["code"] == EL)
        assert item["years"][2]["status_label"] == "已提交分项数据"
        due = todo(s, ws.catalog, actor(ws, "林业局"), R)["due"]
        assert (EL, 2025) not in {(d["item"], d["year"]) for d in due} and (EL, 2024) in {
            (d["item"], d["year"]) for d in due
        }
        due_agri = todo(s, ws.catalog, actor(ws, "农业农村局"), R)["due"]
        assert {"item": EL, "year": 2025, "status_label": "未提交分项数据"}.items() <= next(
            d for d in due_agri if d["item"] == EL and d["year"] == 2025
        ).items()
    # the lead's value counts for the lead only when submitted; its draft is not done
    save(ws, actor(ws, "统计局"), action="save")
    assert cells(ws, "统计局")[2025] == "draft" and cells(ws, "农业农村局")[2025] is None
    save(ws, actor(ws, "统计局"))
    assert cells(ws, "统计局")[2025] == "submitted" and cells(ws, "农业农村局")[2025] is None
    # approved: done for every supplying unit, contributed or not
    review_latest(ws, actor(ws, "office"), region=R, item=EL, year=2025, action="approve")
    assert {u: cells(ws, u)[2025] for u in ("统计局", "林业局", "农业农村局")} == dict.fromkeys(
        ("统计局", "林业局", "农业农村局"), "approved"
    )


def test_demo_seeds_the_three_parts_and_the_leads_value(db: str) -> None:
    seed_site(db, "x")
    ws = Workspace(db, evidence_root(db), load_catalog())
    out = contributions_for(ws, actor(ws, "统计局"), region=R, element=EL, year=2025)
    assert sorted(c["unit"] for c in out["contributions"]) == ["农业农村局", "文化广电和旅游局", "林业局"]
    assert all(c["comment"] for c in out["contributions"])
    with session_scope(db) as s:
        sub = s.scalars(select(Submission).where(Submission.item_code == EL, Submission.year == 2025)).one()
        assert (sub.status, sub.created_by) == ("submitted", "u19")
        assert (
            sub.value
            == sum(c["value"] for c in out["contributions"])
            == sum(p for p, _ in demo_contrib.PARTS.values())
        )
