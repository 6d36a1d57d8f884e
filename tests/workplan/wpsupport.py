"""Helpers of the work-plan tests: the seed parsed at run time, and a database with the 卢氏县 plan."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from liangshan.demo.build import build_demo

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED = SHARED / "seed" / "000_b5049ac286e4fa82.txt"
REGION = "411224"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def clock(start: datetime = T0):
    return (start + timedelta(seconds=i) for i in count())


def squash(text: str) -> str:
    """Text without any whitespace (the seed breaks lines and pages inside sentences)."""
    return re.sub(r"\s+", "", text)


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def split_units(text: str) -> list[str]:
    parts = re.split(r"[，,]", text)
    out: list[str] = []
    for p in parts:
        out += [u.strip() for u in p.split("、") if u.strip()]
    return out


def seed_tasks() -> list[dict[str, Any]]:
    """四、主要任务 parsed from the seed: code, title, body, units, sub-tasks."""
    t = seed_text()
    sec = t[t.index("四、主要任务") : t.index("五、保障措施")]
    lines = [x.strip() for x in sec.splitlines() if x.strip()][1:]
    tasks: list[dict[str, Any]] = []
    cur: dict[str, Any] = {}
    sub: dict[str, Any] | None = None
    for line in lines:
        if m := re.match(r"^[(（]([一二三四五六七])[)）]\s*(.+)$", line):
            cur = {"code": m.group(1), "title": m.group(2), "body": "", "units": [], "subs": []}
            tasks.append(cur)
            sub = None
        elif m := re.match(r"^(\d+)\s*[.．]\s*(.+)$", line):
            sub = {"code": m.group(1), "title": m.group(2), "body": "", "units": []}
            cur["subs"].append(sub)
        elif m := re.match(r"^责任单位\s*[:：]\s*(.+)$", line):
            (sub or cur)["units"] = split_units(m.group(1))
        else:
            (sub or cur)["body"] += line
    return tasks


def seed_annex1() -> dict[str, Any]:
    """附件1: leaders, deputies (name, title), member units, office director and deputies."""
    t = seed_text()
    sec = t[t.index("附件 1") : t.index("附件 2")]
    people: list[tuple[str, str, str]] = []
    position = ""
    for line in sec.splitlines():
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) >= 3 and fields[0] in ("组 长：", "副 组 长：", ""):
            if fields[0]:
                position = squash(fields[0]).rstrip("：")
            if fields[1]:
                people.append((position, squash(fields[1]), fields[2]))
    members = re.search(r"成员单位：(.+)", sec)
    assert members is not None
    office = re.search(r"。([^。]+?)同志兼办公室主任，(.+?)2 位同志任办公室副主任", sec)
    assert office is not None
    deputies = [
        squash(x).removeprefix("县政府办公室").removeprefix("市生态环境局卢氏分局")
        for x in office.group(2).split("、")
    ]
    return {
        "people": people,
        "member_units": split_units(members.group(1)),
        "director": office.group(1),
        "deputy_directors": deputies,
    }


def seed_phases() -> list[tuple[str, list[str]]]:
    """三、实施步骤: (phase name, numbered step titles)."""
    t = seed_text()
    sec = t[t.index("三、实施步骤") : t.index("四、主要任务")]
    out: list[tuple[str, list[str]]] = []
    for line in (x.strip() for x in sec.splitlines() if x.strip()):
        if m := re.match(r"^第[一二三]阶段：(\S+?阶段)", line):
            out.append((m.group(1), []))
        elif out and (m := re.match(r"^(\d+)\.\s*(.+?)[。]", line)):
            out[-1][1].append(m.group(2))
    return out


def make_plan_db(url: str) -> None:
    """The demo's 卢氏县 profile (units, leading group, accounts) and its plan, without tracking or values
    (the plan variant of :func:`liangshan.demo.build.build_demo`)."""
    build_demo(url, computed=False, years=(), workplan="plan", evidence=False)
