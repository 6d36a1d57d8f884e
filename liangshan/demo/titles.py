"""The demo county's title register (称号登记簿): titles 卢氏县 is reported to hold.

Only 国家生态文明建设示范区 (2025) is taken from the project's own notes (demo/manual.py: 公开信息,
docs/demo.md). The others are named in public reports but their dates, awarding documents or both were
not verified against the documents themselves, so they are stored as 示例 (``example``) and say
what is known and what is not in ``evidence``:

- 国家重点生态功能区: 《光明日报》2019年5月30日10版 calls 卢氏县 “国家重点生态功能区”; the year and
  document of its inclusion are not verified (示例: 2016, the State Council's approval adding counties).
- 国家主体功能区建设试点示范县: reported in June 2015 (“全省唯一入选国家主体功能区建设试点的示范县”).
- 全国休闲农业与乡村旅游示范县: listed among the county's titles in a local report; year not verified.
- 中国天然氧吧: suggested by the task; not found in the reports searched — wholly 示例, with a
  three-year validity to show an expired title.
- 省级生态县: 人民网河南频道 2022-04-26 names “省级生态县”; a 省级 title, kept but not counted.

Every year 2020–2025 the county holds at least one valid national title (国家重点生态功能区), so
indicator 16 is 达标 in every evaluation year of the demo, and the reason names the titles.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from liangshan.services.titles import new_title

OFFICE = "office"
TITLES: tuple[dict[str, object], ...] = (
    {
        "name": "国家重点生态功能区",
        "level": "国家",
        "awarding_body": "国务院",
        "document": "国务院关于同意新增部分县（市、区、旗）纳入国家重点生态功能区的批复（示例：文号未核实）",
        "awarded_on": "2016",
        "evidence": (
            "公开报道：《光明日报》2019年5月30日10版称卢氏县“是国家重点生态功能区”；纳入年份与文号未核实"
        ),
        "example": True,
    },
    {
        "name": "国家主体功能区建设试点示范县",
        "level": "国家",
        "awarding_body": "国家发展和改革委员会",
        "document": "国家主体功能区建设试点示范名单（示例：文号未核实）",
        "awarded_on": "2015",
        "evidence": "公开报道（2015年6月）：卢氏县为全省唯一入选国家主体功能区建设试点的示范县",
        "example": True,
    },
    {
        "name": "全国休闲农业与乡村旅游示范县",
        "level": "国家",
        "awarding_body": "农业部、国家旅游局",
        "document": "全国休闲农业与乡村旅游示范县认定名单（示例：年份与文号未核实）",
        "awarded_on": "2014",
        "evidence": "地方媒体报道列为卢氏县所获称号；认定年份未核实",
        "example": True,
    },
    {
        "name": "中国天然氧吧",
        "level": "国家",
        "awarding_body": "中国气象服务协会",
        "document": "中国天然氧吧创建活动发布（示例：未核实）",
        "awarded_on": "2020",
        "valid_until": "2022",
        "evidence": "示例：未见公开报道核实；有效期按三年复查设为示例，用于演示过期称号不计入",
        "example": True,
    },
    {
        "name": "国家生态文明建设示范区",
        "level": "国家",
        "awarding_body": "生态环境部",
        "document": "生态环境部国家生态文明建设示范区命名（2025年；授牌文件文号待补）",
        "awarded_on": "2025",
        "evidence": "公开信息（docs/demo.md，见示例数据指标16的2025年填报说明）",
        "example": False,
    },
    {
        "name": "省级生态县",
        "level": "省",
        "awarding_body": "河南省人民政府",
        "document": "河南省省级生态县命名（示例：年份与文号未核实）",
        "awarded_on": "2021",
        "evidence": "公开报道：人民网河南频道2022年4月26日称“省级生态县”等称号花落卢氏；省级称号不计入指标16",
        "example": True,
    },
)


def seed_titles(session: Session, clock: Iterator[datetime], region: str) -> list[int]:
    """Register the demo titles of ``region`` (by the office, on the demo's clock); returns their ids."""
    return [int(new_title(session, OFFICE, region, at=next(clock), **t)["id"]) for t in TITLES]
