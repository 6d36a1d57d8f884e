"""The work plan of the 卢氏县 demo: the plan of 卢办〔2023〕16号 plus 示例数据 for its tracking.

:func:`seed_workplan` is called by :func:`liangshan.demo.build.build_demo` after the region profile
and the accounts exist. Plan, organisation, phases, tasks and checklist come from the seed; the
dates of the milestones (except 发布实施, “6月底前”), the progress reports, the meeting, the
verification points (approximate coordinates) and the public-page settings are 示例数据.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.demo.commitments import seed_commitment_actuals
from liangshan.store.models import Unit, User
from liangshan.store.models_workplan import WpChecklistItem, WpMilestone, WpTask
from liangshan.store.regions import find_unit
from liangshan.workplan.plan import LUSHI_PLAN, load_plan
from liangshan.workplan.public import set_settings
from liangshan.workplan.tracking import (
    ActionSpec,
    add_progress,
    comment_progress,
    create_meeting,
    update_item,
)
from liangshan.workplan.verification import add_point

REGION = "411224"
OFFICE = "office"

# (phase seq, milestone seq) → (due, done_on) — 示例数据 except 发布实施 due 2023-06-30 (seed)
MILESTONE_DATES: dict[tuple[int, int], tuple[date | None, date | None]] = {
    (1, 1): (date(2023, 6, 15), date(2023, 6, 12)),
    (1, 2): (date(2023, 6, 15), date(2023, 6, 12)),
    (1, 3): (date(2023, 6, 20), date(2023, 6, 16)),
    (2, 1): (date(2023, 6, 20), date(2023, 6, 19)),
    (2, 2): (date(2023, 6, 25), date(2023, 6, 26)),
    (2, 3): (None, date(2023, 6, 28)),  # due stays as the plan sets it: 2023-06-30
    (3, 1): (date(2026, 3, 31), None),
    (3, 2): (date(2026, 4, 30), None),
}
# (task code path, unit name, reported_on, percent, text) — 示例数据
PROGRESS: tuple[tuple[str, str, date, float, str], ...] = (
    (
        "四.1",
        "市生态环境局卢氏分局",
        date(2026, 1, 10),
        70,
        "2025年优良天数比例、地表水断面达标情况已完成年度统计，土壤污染防治攻坚按计划推进（示例数据）",
    ),
    (
        "四.2",
        "自然资源局",
        date(2026, 1, 12),
        55,
        "国土空间生态修复规划已报批，矿山复绿项目完成 3 处（示例数据）",
    ),
    ("六.1", "农业农村局", date(2026, 1, 15), 60, "香菇、连翘、核桃产业提质增效项目清单已汇总（示例数据）"),
    ("六.3", "文化广电和旅游局", date(2026, 2, 2), 45, "康养旅游示范村创建材料收集中（示例数据）"),
    ("七", "县委组织部", date(2026, 2, 5), 80, "生态文明建设指标已纳入党政领导干部考核（示例数据）"),
    ("二", "市生态环境局卢氏分局", date(2023, 6, 28), 100, "《实施方案》已经县政府发布实施（示例数据）"),
)
# name, kind, lon, lat, owner, talking points, dwell minutes, indicators — approximate 示例坐标
POINTS: tuple[tuple[str, str, float, float, str | None, str, float, tuple[int, ...]], ...] = (
    (
        "卢氏县人民政府（出发点）",
        "出发点",
        111.0475,
        34.0540,
        "县政府办公室",
        "集合出发，介绍行程安排。",
        0,
        (),
    ),
    (
        "县城空气质量自动监测站",
        "监测站点",
        111.0560,
        34.0600,
        "市生态环境局卢氏分局",
        "优良天数比例、站点运维与数据有效性（示例）。",
        20,
        (1,),
    ),
    (
        "洛河卢氏段水质监测断面",
        "监测站点",
        111.1200,
        34.0800,
        "市生态环境局卢氏分局",
        "断面水质类别与达标情况（示例）。",
        20,
        (3,),
    ),
    (
        "东明镇铁峰村",
        "村庄",
        111.2800,
        34.1200,
        "东明镇人民政府",
        "乡村康养旅游示范村创建（示例）。",
        30,
        (14,),
    ),
    (
        "官道口镇矿山复绿点",
        "修复矿山",
        110.9600,
        34.2500,
        "自然资源局",
        "矿山地质环境治理与复垦复绿（示例）。",
        25,
        (7, 9),
    ),
    (
        "绿色食品科技园",
        "产业园区",
        111.0200,
        34.0300,
        "先进制造业开发区管委会",
        "香菇、连翘精深加工与产值（示例）。",
        30,
        (13,),
    ),
    (
        "双龙湾景区",
        "景区",
        111.1900,
        33.9800,
        "文化广电和旅游局",
        "生态旅游收入与景区生态保护（示例）。",
        30,
        (14, 16),
    ),
)


def _username(session: Session, unit: Unit) -> str:
    user = session.scalars(select(User).where(User.unit_id == unit.id, User.role == "unit")).first()
    return user.username if user else OFFICE


def _task(session: Session, path: str) -> WpTask:
    code, _, sub = path.partition(".")
    parent = session.scalars(
        select(WpTask).where(
            WpTask.region_code == REGION,
            WpTask.kind == "task",
            WpTask.code == code,
            WpTask.parent_id.is_(None),
        )
    ).one()
    if not sub:
        return parent
    return session.scalars(select(WpTask).where(WpTask.parent_id == parent.id, WpTask.code == sub)).one()


def seed_workplan(session: Session, at: datetime | Iterator[datetime], plan: str | Path = LUSHI_PLAN) -> None:
    """Load the 卢氏县 plan and add its 示例数据 (progress, one meeting with follow-ups, points, page).

    Parameters
    ----------
    session : Session
        Session of the demo build (region, units and users already added); not committed here.
    at : datetime or iterator of datetime
        The demo's fixed clock: a start time (successive records get +1 s) or the builder's iterator.
    plan : str or Path
        Plan YAML (default the 卢氏县 plan).
    """
    clock: Iterator[datetime] = (
        iter(at + timedelta(seconds=i) for i in range(1_000_000)) if isinstance(at, datetime) else at
    )
    load_plan(session, REGION, plan, at=next(clock))
    ms = session.execute(
        select(WpMilestone)
        .where(WpMilestone.region_code == REGION)
        .order_by(WpMilestone.phase_id, WpMilestone.seq)
    ).scalars()
    phase_seq: dict[int, int] = {}
    for m in ms:
        key = (phase_seq.setdefault(m.phase_id, len(phase_seq) + 1), m.seq)
        due, done = MILESTONE_DATES.get(key, (None, None))
        update_item(
            session,
            "milestone",
            m.id,
            actor=OFFICE,
            due=due,
            status="done" if done else "open",
            done_on=done,
            at=next(clock),
        )
    for path, unit_name, on, pct, text in PROGRESS:
        unit = find_unit(session, REGION, unit_name)
        assert unit is not None, unit_name
        rep = add_progress(
            session,
            _task(session, path).id,
            unit.id,
            reported_on=on,
            text=text,
            percent=pct,
            actor=_username(session, unit),
            at=next(clock),
        )
        if path == "四.2":
            comment_progress(
                session, rep.id, "请补充矿山复绿面积与验收材料（示例数据）", actor=OFFICE, at=next(clock)
            )
    seed_commitment_actuals(session)

    def uid(name: str) -> int:
        u = find_unit(session, REGION, name)
        assert u is not None, name
        return u.id

    create_meeting(
        session,
        REGION,
        title="2026年第一次“两山”基地创建工作调度会议（示例数据）",
        held_on=date(2026, 2, 26),
        place="县政府三楼会议室",
        chair="蔡小卢",
        actor=OFFICE,
        at=next(clock),
        attendees=[
            "领导小组办公室",
            "市生态环境局卢氏分局",
            "统计局",
            "林业局",
            "文化广电和旅游局",
            "财政局",
        ],
        topics=["通报2023—2025年“两山指数”数据报送情况", "部署申报材料与现场核查准备工作"],
        decisions=[
            "各责任单位于3月15日前完成2023—2025年指标数据报送并上传佐证材料",
            "统计局于2月28日前提供2023—2025年GDP及三次产业产值初步数",
        ],
        actions=[
            ActionSpec(
                "完成林草覆盖率及物种丰富度数据报送并上传佐证材料", uid("林业局"), date(2026, 3, 15), 1
            ),
            ActionSpec("提供2023—2025年GDP及三次产业产值初步数", uid("统计局"), date(2026, 2, 28), 2),
            ActionSpec("整理生态旅游收入统计口径说明", uid("文化广电和旅游局"), date(2026, 3, 20), 1),
        ],
    )
    office = find_unit(session, REGION, "市生态环境局卢氏分局")
    for name, kind, lon, lat, owner, talk, dwell, inds in POINTS:
        add_point(
            session,
            REGION,
            name=name,
            kind=kind,
            lon=lon,
            lat=lat,
            actor=OFFICE,
            owner_unit_id=uid(owner) if owner else None,
            talking_points=talk,
            dwell_minutes=dwell,
            indicators=inds,
            is_start=kind == "出发点",
            at=next(clock),
        )
    first = session.scalars(
        select(WpChecklistItem).where(WpChecklistItem.region_code == REGION).order_by(WpChecklistItem.seq)
    ).all()
    for it in first[:4]:
        it.due = date(2026, 3, 31)
    if first:
        update_item(
            session,
            "checklist",
            first[3].id,
            actor=OFFICE,
            status="done",
            done_on=date(2026, 2, 20),
            at=next(clock),
        )
    set_settings(
        session,
        REGION,
        {
            "published": True,
            "show_index": True,
            "show_progress": True,
            "supervision": True,
            "message": "本页面公开卢氏县“两山”实践创新基地建设进展（示例数据）。",
        },
        actor=OFFICE,
        at=next(clock),
    )
    assert office is not None
