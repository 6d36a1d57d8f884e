"""A region bundle's register records meet the entry rules of the services (store.record_rules, one
place for both): a bundle edited to break a rule — a base 已命名 without its naming date, a title without
its awarding document, an incident 已整改 without the date it was done … — is refused naming the record
and the rule in Chinese, and nothing is written; a good bundle still round-trips. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bundlesupport import Change, rebuilt
from sqlalchemy import func, select

from liangshan.demo.build import REGION
from liangshan.services.base_status import status_of, write_status
from liangshan.services.checks import EntryError
from liangshan.store.bundle import BundleError, export_bundle, import_bundle
from liangshan.store.db import session_scope
from liangshan.store.models import AuditLog, Region, Submission, TitleAward
from liangshan.store.models_after import BaseStatus, Incident, IncidentUpdate
from liangshan.store.models_contributions import Contribution
from liangshan.store.service import ensure_db

WATER = "乡镇污水处理设施运行负荷率偏低"  # 省级督察, two steps
SAND = "部分河段采砂迹地生态修复不到位"  # 中央生态环境保护督察, serious
CROWN = "国家生态文明建设示范区"


def totals(url: str) -> tuple[int, ...]:
    with session_scope(url) as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (
                Region,
                TitleAward,
                BaseStatus,
                Incident,
                IncidentUpdate,
                Contribution,
                Submission,
                AuditLog,
            )
        )


def status(**fields: Any) -> Change:
    def change(kind: str, d: dict[str, Any]) -> None:
        if kind == "base_status":
            d.update(fields)

    return change


def title(name: str, **fields: Any) -> Change:
    def change(kind: str, d: dict[str, Any]) -> None:
        if kind == "title" and d["name"] == name:
            d.update(fields)

    return change


def incident(name: str, edit: Callable[[dict[str, Any]], None]) -> Change:
    def change(kind: str, d: dict[str, Any]) -> None:
        if kind == "incident" and d["title"] == name:
            edit(d)

    return change


def contribution(unit: str, **fields: Any) -> Change:
    def change(kind: str, d: dict[str, Any]) -> None:
        if kind == "contribution" and d["unit_name"] == unit:
            d.update(fields)

    return change


def value(item: str, year: int, **fields: Any) -> Change:
    def change(kind: str, d: dict[str, Any]) -> None:
        if kind == "submission" and d["item"] == item and d["year"] == year:
            d.update(fields)

    return change


NAMED = {"applied_on": "2024-03-01", "named_on": "2025-11-20"}
CASES: dict[str, tuple[Change, str]] = {
    "named without naming date": (
        status(status="已命名", applied_on="2024-03-01"),
        "基地状态“已命名”不符合录入规则：状态为“已命名”时须填写命名日期（命名年份即后评估的基准年）",
    ),
    "applied without date": (
        status(status="已申报"),
        "基地状态“已申报”不符合录入规则：状态为“已申报”时须填写申报日期",
    ),
    "review passed without date": (
        status(status="复核通过", **NAMED),
        "状态为“复核通过”时须填写复核日期",
    ),
    "dates out of order": (
        status(status="已命名", applied_on="2025-12-01", named_on="2025-11-20"),
        "命名日期 2025-11-20 早于申报日期 2025-12-01",
    ),
    "year out of range": (
        status(started_on="1900-01-01"),
        "启动创建日期的年份应在 1949—2100 之间，收到：1900",
    ),
    "status note not trimmed": (
        status(note=" 尚未申报 "),
        "说明应为“尚未申报”（录入时保存的写法），数据包中为“ 尚未申报 ”",
    ),
    "title without document": (
        title(CROWN, document=""),
        f"称号“{CROWN}”（2025 授予）不符合录入规则：授予文件（文号或公告名称）不能为空",
    ),
    "title level": (title(CROWN, level="市"), "级别应为 国际、国家、省 之一，收到：市"),
    "title expires before award": (title(CROWN, valid_until="2024"), "有效期至 2024 早于授予日期 2025"),
    "title date written otherwise": (
        title(CROWN, awarded_on="2025/11/20"),
        "授予日期应为“2025-11-20”（录入时保存的写法），数据包中为“2025/11/20”",
    ),
    "serious kind not serious": (
        incident(SAND, lambda d: d.update(serious=False)),
        f"问题“{SAND}”（2024-05-20）不符合录入规则：“中央生态环境保护督察”问题一律为严重问题",
    ),
    "blank incident title": (incident(WATER, lambda d: d.update(title="  ")), "问题不能为空"),
    "done without date": (
        incident(WATER, lambda d: d["updates"][0].update(status="已整改", done_on=None)),
        "状态为“已整改”时须填写完成日期",
    ),
    "due before the incident": (
        incident(WATER, lambda d: d["updates"][0].update(due_on="2023-01-31")),
        "整改期限 2023-01-31 早于问题发生/交办日期 2023-09-12",
    ),
    "later step without note": (
        incident(WATER, lambda d: d["updates"][1].update(note="")),
        f"问题“{WATER}”（2023-09-12）不符合录入规则：第 2 条整改记录：整改情况说明不能为空",
    ),
    "contribution with nothing": (
        contribution("林业局", value_num=None, comment=""),
        "分项数据“居民人均生态产品产值”2025年 林业局不符合录入规则："
        "请填写分项数值、说明或附佐证材料（至少一项）",
    ),
    "value above the element's maximum": (
        value("air_good_days", 2025, value_num=367.0),
        "“优良天数”2025年的数值优良天数不能超过 366天（367）",
    ),
    "count not whole": (value("air_valid_days", 2025, value_num=300.5), "有效监测天数应为整数（300.5）"),
    "negative value": (
        value("air_good_days", 2024, value_num=-3.0),
        "“优良天数”2024年的数值不能为负数（-3）",
    ),
    "negative contribution": (
        contribution("林业局", value_num=-1.0),
        "“居民人均生态产品产值”2025年的数值不能为负数（-1）",
    ),
    "contribution control character": (
        contribution("林业局", comment="林下\x07经济"),
        "说明含有不可见的控制字符",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_record_breaking_an_entry_rule_refuses_the_bundle(
    db: str, county: str, tmp_path: Path, case: str
) -> None:
    change, words = CASES[case]
    good = tmp_path / "good.zip"
    export_bundle(county, REGION, good)
    ensure_db(db)
    before = totals(db)
    bad = rebuilt(good, tmp_path / "bad.zip", change)
    with pytest.raises(BundleError) as e:
        import_bundle(db, bad, "province")
    msg = str(e.value)
    assert words in msg and "records.jsonl" in msg and "未写入任何数据" in msg, msg
    assert totals(db) == before  # not the region, not the values: nothing


def test_the_service_and_the_bundle_give_one_rule(db: str, county: str, tmp_path: Path) -> None:
    """The same record is refused with the same words on entry and on import (one rule, one text)."""
    good = tmp_path / "good.zip"
    export_bundle(county, REGION, good)
    with pytest.raises(EntryError) as entered, session_scope(county) as s:
        write_status(s, "office", REGION, status="已命名", applied_on="2024-03-01")
    bad = rebuilt(good, tmp_path / "bad.zip", status(status="已命名", applied_on="2024-03-01"))
    with pytest.raises(BundleError) as imported:
        import_bundle(db, bad, "province")
    assert str(entered.value) in str(imported.value)


def test_a_good_edited_bundle_still_round_trips(db: str, county: str, tmp_path: Path) -> None:
    """A named base with its dates, and a step done with its date, meet the rules and are imported."""

    def finish(d: dict[str, Any]) -> None:
        d["updates"][-1].update(status="已整改", done_on="2025-06-30", note="已完成整改")

    def change(kind: str, d: dict[str, Any]) -> None:
        status(status="已命名", named_doc="环生态函〔2025〕1号", **NAMED)(kind, d)
        incident(WATER, finish)(kind, d)

    good = tmp_path / "good.zip"
    export_bundle(county, REGION, good)
    edited = rebuilt(good, tmp_path / "edited.zip", change)
    res = import_bundle(db, edited, "province")
    assert (res.base_status_added, res.incidents_added, res.incident_updates_added) == (1, 2, 3)
    with session_scope(db) as s:
        named = status_of(s, REGION)
        done = s.scalars(select(IncidentUpdate).where(IncidentUpdate.done_on == "2025-06-30")).one()
        assert (done.status, done.note) == ("已整改", "已完成整改")
        assert s.scalar(select(func.count()).select_from(TitleAward)) == 6
    assert (named["status"], named["named_on"], named["baseline_year"]) == ("已命名", "2025-11-20", 2025)
    assert not import_bundle(db, edited, "province").changed  # and a re-import adds nothing
    with session_scope(db) as s:
        assert s.scalar(select(func.count()).where(AuditLog.action == "bundle_import")) == 2
