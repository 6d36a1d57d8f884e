"""Several indicator sets: a region is assessed by its own set; ``assess --json`` names the set and the
basis of each indicator's rule."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.store.db import session_scope
from liangshan.store.models import AuditLog, Region


def _assess(url: str, region: str) -> dict:
    res = CliRunner().invoke(
        app, ["assess", "--region", region, "--years", "2023-2025", "--db", url, "--json"]
    )
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_region_assessed_by_its_assigned_set(demo_db: str) -> None:
    with session_scope(demo_db) as s:
        s.add(Region(code="900001", name="示例县001", level="county", terrain_zone="山区"))
    res = CliRunner().invoke(app, ["region", "set-catalog", "900001", "henan_variant", "--db", demo_db])
    assert res.exit_code == 0 and "21 项指标" in res.stdout, res.output
    other, home = _assess(demo_db, "900001"), _assess(demo_db, "411224")
    assert len(other["indicators"]) == 21 and len(home["indicators"]) == 20
    assert other["catalog"] == {
        "id": "henan_variant",
        "version": "2026.1",
        "name": "两山指数评估指标体系（河南省变体·示例）",
    }
    assert home["catalog"] == {"id": "two_mountains", "version": "2023.1", "name": "两山指数评估指标体系"}
    assert home["catalog_version"] == "two_mountains 2023.1"  # the old key stays
    assert (
        other["indicators"][-1]["verdict"] == "数据缺失" and "行政村总数" in other["indicators"][-1]["reason"]
    )
    with session_scope(demo_db) as s:
        entry = (
            s.query(AuditLog).filter_by(entity="region_catalog", entity_id="900001", action="update").one()
        )
        assert entry.after == {"catalog_set": "henan_variant"}
    bad = CliRunner().invoke(app, ["region", "set-catalog", "900001", "nope", "--db", demo_db])
    assert bad.exit_code == 2 and "未知指标体系：nope" in bad.stderr


def test_assess_json_names_every_rule_basis(demo_db: str) -> None:
    inds = _assess(demo_db, "411224")["indicators"]
    assert all(i["rule_basis"] in ("official", "convention") and i["rule_basis_text"] for i in inds)
    by_rule = {i["rule"]: i for i in inds}
    for rule, word in (("steady_improvement", "基本达标"), ("obtained", "获得"), ("established", "建立实施")):
        assert (
            by_rule[rule]["rule_basis"] == "convention" and by_rule[rule]["rule_basis_label"] == "本系统约定"
        )
        assert word in by_rule[rule]["rule_basis_text"] and by_rule[rule]["rule_basis_alternatives"]
    assert by_rule["threshold"]["rule_basis"] in ("official", "convention")
    assert next(i for i in inds if i["id"] == 20)["rule_basis_source"].startswith("卢办〔2023〕16号 附件2")


def test_rollup_compares_only_common_indicators(demo_db: str) -> None:
    from liangshan.services.catalogs import comparable_indicators

    with session_scope(demo_db) as s:
        s.add(Region(code="900002", name="示例县002", level="county", terrain_zone="山区"))
    CliRunner().invoke(app, ["region", "set-catalog", "900002", "henan_variant", "--db", demo_db])
    with session_scope(demo_db) as s:
        same = comparable_indicators(s, ["411224"])
        mixed = comparable_indicators(s, ["411224", "900002"])
    assert same == {"common": list(range(1, 21)), "left_out": {}}
    assert mixed["common"] == list(range(1, 21))
    assert mixed["left_out"]["henan_variant"]["indicators"] == [21]
    assert mixed["left_out"]["henan_variant"]["regions"] == ["900002"]
