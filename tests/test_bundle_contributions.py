"""Region bundles carry the contributions to shared elements (共同填报的分项数据): a round trip keeps
every part, comment, evidence file, unit and time; the import is append-only (rows already here are
kept, a re-import adds nothing) and refuses, with a Chinese message and nothing written, a bundle whose
contribution has the same unit, recorder and time as a local one but another content."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from liangshan.demo.build import REGION
from liangshan.demo.contributions import ELEMENT, PARTS, YEAR
from liangshan.store.bundle import BundleError, export_bundle, import_bundle, read_bundle
from liangshan.store.db import session_scope
from liangshan.store.models import AuditLog, Evidence
from liangshan.store.models_contributions import Contribution


def parts(url: str) -> list[dict[str, Any]]:
    """The region's contributions as comparable dicts (the evidence by sha256, the time in UTC)."""
    with session_scope(url) as s:
        out = []
        for c, sha in s.execute(
            select(Contribution, Evidence.sha256)
            .outerjoin(Evidence, Evidence.id == Contribution.evidence_id)
            .where(Contribution.region_code == REGION)
            .order_by(Contribution.created_at, Contribution.unit_name)
        ):
            at = c.created_at if c.created_at.tzinfo else c.created_at.replace(tzinfo=UTC)
            out.append(
                {
                    "item": c.item_code, "year": c.year, "unit_name": c.unit_name,
                    "value": c.value_num, "value_unit": c.value_unit, "comment": c.comment,
                    "evidence": sha, "by": c.created_by, "at": at.astimezone(UTC),
                }
            )  # fmt: skip
        return out


def add_part(url: str, comment: str, at: datetime, value: float = 1.0) -> None:
    """A contribution recorded directly in a database (what the contribution service stores)."""
    with session_scope(url) as s:
        s.add(
            Contribution(
                region_code=REGION, item_code=ELEMENT, year=YEAR, unit_id=None, unit_name="林业局",
                value_num=value, value_unit="元/人", comment=comment, evidence_id=None,
                created_by="u99", created_at=at,
            )
        )  # fmt: skip


def test_contributions_round_trip_append_only(db: str, county: str, tmp_path: Path) -> None:
    out = tmp_path / "lushi.zip"
    exp = export_bundle(county, REGION, out, include_files=True)
    assert exp.counts["contribution"] == len(PARTS) == 3
    b = read_bundle(out)
    assert {c["unit_name"] for c in b.contributions} == set(PARTS)
    assert all(c["evidence"] is None or c["evidence"] in b.evidence for c in b.contributions)
    res = import_bundle(db, out, "province")
    assert res.contributions_added == 3 and res.contributions_unchanged == 0
    assert parts(db) == parts(county) and any(p["evidence"] for p in parts(db))
    with session_scope(db) as s:
        n = s.scalar(select(func.count()).where(AuditLog.entity == "contribution"))
        assert n == 3
    # a re-import adds nothing
    again = import_bundle(db, out, "province")
    assert again.contributions_added == 0 and again.contributions_unchanged == 3 and not again.changed
    # a part recorded only here is kept; a new part at the county is appended
    add_part(db, "省级补充说明", datetime(2026, 4, 1, 8, 0, 0, 123456, tzinfo=UTC))
    add_part(county, "县级补充说明", datetime(2026, 4, 2, 9, 30, 0, 654321, tzinfo=UTC), value=2.5)
    out2 = tmp_path / "lushi2.zip"
    export_bundle(county, REGION, out2)
    res = import_bundle(db, out2, "province")
    assert res.contributions_added == 1 and res.contributions_unchanged == 3
    comments = [p["comment"] for p in parts(db)]
    assert "省级补充说明" in comments and "县级补充说明" in comments and len(comments) == 5
    assert [p for p in parts(db) if p["comment"] != "省级补充说明"] == parts(county)


def test_conflicting_contribution_refuses_the_import(db: str, county: str, tmp_path: Path) -> None:
    out = tmp_path / "lushi.zip"
    export_bundle(county, REGION, out)
    import_bundle(db, out, "province")
    at = datetime(2026, 4, 3, 10, 0, 0, 1, tzinfo=UTC)
    add_part(county, "县级的说明", at, value=3.0)
    add_part(db, "省级的说明（同一时间、同一记录人）", at, value=4.0)
    county_edit = tmp_path / "lushi2.zip"
    export_bundle(county, REGION, county_edit)
    before = parts(db)
    with session_scope(db) as s:
        audits = s.scalar(select(func.count()).select_from(AuditLog))
    with pytest.raises(BundleError) as e:
        import_bundle(db, county_edit, "province")
    msg = str(e.value)
    assert "与本地已有的分项数据冲突" in msg and "林业局" in msg and "未写入任何数据" in msg
    assert parts(db) == before
    with session_scope(db) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audits
