"""The demo county's after-naming records: its base status and two 督察 findings (示例).

The seed is 卢氏县's 2023 work plan (卢办〔2023〕16号, issued 2023-06-06) for *creating* the base, so the
demo's status is 创建中, started on the plan's date (taken from the seed, not invented); no 申报 or
命名 date is recorded. Its baseline year (创建基准年) is therefore 2023.

The register holds two findings, both wholly invented for the demo (示例, ``example``), so the progress
report's problem section and the risk-to-title rule have something to show:

- a 中央生态环境保护督察 finding, 整改中 with a due date at the end of 2027 — serious and open, so a
  risk to the title;
- a 省级督察 finding rectified (已整改) in 2024, with its history: first 整改中, then 已整改.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from liangshan.services.base_status import write_status
from liangshan.services.incidents import new_incident, record_step

OFFICE = "office"
STATUS = {
    "status": "创建中",
    "started_on": "2023-06-06",
    "note": "启动日期为《卢氏县“绿水青山就是金山银山”实践创新基地建设工作方案》"
    "（卢办〔2023〕16号）印发日期；尚未申报",
}
CENTRAL = {
    "kind": "中央生态环境保护督察",
    "occurred_on": "2024-05-20",
    "title": "部分河段采砂迹地生态修复不到位",
    "description": "示例：督察反馈县域部分河段历史采砂迹地未完成生态修复，存在水土流失隐患。",
    "responsible_unit": "水利局",
    "due_on": "2027-12-31",
    "note": "示例：已制定修复方案，完成 2 处迹地整治，剩余 3 处纳入 2026—2027 年实施。",
    "evidence": "示例：整改方案（未附文件）",
    "example": True,
}
PROVINCIAL = {
    "kind": "省级督察",
    "occurred_on": "2023-09-12",
    "title": "乡镇污水处理设施运行负荷率偏低",
    "description": "示例：省级生态环境保护督察反馈部分乡镇污水处理设施进水量不足、运行负荷率偏低。",
    "responsible_unit": "住建局",
    "due_on": "2024-12-31",
    "note": "示例：开展管网排查，制定配套管网建设计划。",
    "example": True,
}
PROVINCIAL_DONE = {
    "status": "已整改",
    "done_on": "2024-11-20",
    "note": "示例：完成配套管网建设，设施负荷率达到设计要求，经县督察整改办验收销号。",
    "evidence": "示例：验收销号意见（未附文件）",
}


def seed_after_naming(session: Session, clock: Iterator[datetime], region: str) -> dict[str, int]:
    """Record the demo's base status and findings on the demo's clock; returns the findings' ids."""
    write_status(session, OFFICE, region, at=next(clock), **STATUS)
    central = new_incident(session, OFFICE, region, at=next(clock), **CENTRAL)
    provincial = new_incident(session, OFFICE, region, at=next(clock), **PROVINCIAL)
    record_step(session, OFFICE, provincial["id"], at=next(clock), **PROVINCIAL_DONE)
    return {"central": int(central["id"]), "provincial": int(provincial["id"])}
