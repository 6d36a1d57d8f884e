"""Importing what a bundle's values refer to: the region and its parent chain (with placeholders for
parents the bundle does not describe), assessment rounds, target overrides and evidence rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import CatalogSetError, load_catalog, load_set
from liangshan.store.bundle.format import RECORDS, REGION_FIELDS, bundle_error, iso_utc, region_data
from liangshan.store.bundle.read import Bundle, contribution_key, incident_key, incident_update_key
from liangshan.store.bundle.summary import ImportSummary
from liangshan.store.models import (
    AssessmentRound,
    Evidence,
    Region,
    RegionCatalog,
    TargetOverride,
    TitleAward,
    Unit,
)
from liangshan.store.models_after import BaseStatus, Incident, IncidentUpdate
from liangshan.store.models_contributions import Contribution
from liangshan.store.submissions import audit

IMPORT_ACTION = "import"  # Review.action of a version created by a bundle import
PLACEHOLDER_NOTE = "占位：由数据包导入创建，地区信息待补充（placeholder created by a bundle import）"


def _level_of(code: str) -> str:
    if len(code) == 6:
        return "province" if code[2:] == "0000" else "city" if code[4:] == "00" else "county"
    return "township"


def _ensure_region(
    s: Session, data: Mapping[str, Any], actor: str, ts: datetime, summary: ImportSummary, compare: bool
) -> None:
    """Create a region from bundle data, complete a placeholder, or (``compare``) list the differences."""
    code = data["code"]
    row = s.get(Region, code)
    if row is None:
        s.add(Region(**{f: data[f] for f in REGION_FIELDS}))
        s.flush()
        audit(
            s,
            actor,
            IMPORT_ACTION,
            "region",
            code,
            after=dict(data),
            detail=f"bundle {summary.bundle_id}",
            at=ts,
        )
        summary.created.append(f"region {code} {data['name']}")
        return
    if row.note == PLACEHOLDER_NOTE and data["note"] != PLACEHOLDER_NOTE:
        before = region_data(row)
        for f in REGION_FIELDS:
            setattr(row, f, data[f])
        s.flush()
        audit(
            s,
            actor,
            "update",
            "region",
            code,
            before,
            dict(data),
            detail=f"bundle {summary.bundle_id}",
            at=ts,
        )
        summary.created.append(f"region {code} {data['name']}（补全占位 / placeholder completed）")
        return
    if compare:
        for f in REGION_FIELDS:
            if f != "note" and getattr(row, f) != data[f]:
                summary.differences.append(
                    f"region {code} {f}: 本地 local {getattr(row, f)!r}，数据包 bundle {data[f]!r}"
                )


def _ensure_placeholder(s: Session, code: str, actor: str, ts: datetime, summary: ImportSummary) -> None:
    if s.get(Region, code) is not None:
        return
    data = {f: None for f in REGION_FIELDS} | {
        "code": code,
        "name": f"{code}（占位）",
        "level": _level_of(code),
        "note": PLACEHOLDER_NOTE,
    }
    s.add(Region(**data))
    s.flush()
    audit(
        s,
        actor,
        IMPORT_ACTION,
        "region",
        code,
        after=data,
        detail=f"placeholder, bundle {summary.bundle_id}",
        at=ts,
    )
    summary.created.append(f"region {code}（占位 / placeholder）")


def import_regions(s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary) -> None:
    """Parents top-down (placeholders for codes the bundle does not describe), then the region."""
    chain = [b.region, *b.parents]
    top = chain[-1]["parent_code"]
    if top:
        _ensure_placeholder(s, top, actor, ts, summary)
    for data in reversed(chain[1:]):
        _ensure_region(s, data, actor, ts, summary, compare=False)
    _ensure_region(s, b.region, actor, ts, summary, compare=True)


def import_rounds(
    s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary
) -> dict[tuple[str, int, int], int]:
    """The bundle's rounds missing here are created; returns the local round id by (name, start, end)."""
    region = b.region["code"]
    round_ids: dict[tuple[str, int, int], int] = {}
    local_rounds = s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == region)).all()
    for r in sorted(local_rounds, key=lambda r: r.id):
        round_ids.setdefault((r.name, r.start_year, r.end_year), r.id)
    for rd in b.rounds:
        key = (rd["name"], rd["start_year"], rd["end_year"])
        if key in round_ids:
            continue
        rnd = AssessmentRound(region_code=region, **rd)
        s.add(rnd)
        s.flush()
        round_ids[key] = rnd.id
        audit(
            s,
            actor,
            IMPORT_ACTION,
            "assessment_round",
            rnd.id,
            after=rd,
            detail=f"bundle {b.bundle_id}",
            at=ts,
        )
        summary.created.append(f"round {rd['name']}")
    return round_ids


def import_catalog_set(s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary) -> None:
    """The region's indicator set: assigned here when it has none; a different local one is kept and
    listed (as a target override is)."""
    if b.catalog_set is None:
        return
    region, want = b.region["code"], b.catalog_set["catalog_set"]
    have = s.get(RegionCatalog, region)
    if have is None:
        s.add(RegionCatalog(region_code=region, catalog_set=want, updated_by=actor, updated_at=ts))
        s.flush()
        audit(s, actor, IMPORT_ACTION, "region_catalog", region, after={"catalog_set": want}, at=ts)
        summary.created.append(f"catalog {want}")
    elif have.catalog_set != want:
        summary.differences.append(f"catalog: 本地 local {have.catalog_set}，数据包 bundle {want}")


def import_overrides(s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary) -> None:
    """Target overrides missing here are created; a different local one is kept and listed."""
    region = b.region["code"]
    local_ovr = {
        o.indicator_id: o
        for o in s.scalars(select(TargetOverride).where(TargetOverride.region_code == region))
    }
    for od in b.overrides:
        have = local_ovr.get(od["indicator_id"])
        if have is None:
            s.add(TargetOverride(region_code=region, **od))
            s.flush()
            audit(
                s, actor, IMPORT_ACTION, "target_override", f"{region}:{od['indicator_id']}", after=od, at=ts
            )
            summary.created.append(f"override indicator {od['indicator_id']}")
        elif have.params != od["params"]:
            summary.differences.append(
                f"override indicator {od['indicator_id']}: 本地 local {have.params!r}，"
                f"数据包 bundle {od['params']!r}"
            )


def import_titles(s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary) -> None:
    """Titles of the register missing here (same name and date awarded) are created; a different
    local one is kept and listed."""
    region = b.region["code"]
    local = {
        (t.name, t.awarded_on): t
        for t in s.scalars(select(TitleAward).where(TitleAward.region_code == region))
    }
    for td in b.titles:
        have = local.get((td["name"], td["awarded_on"]))
        if have is None:
            t = TitleAward(region_code=region, created_by=actor, created_at=ts, **td)
            s.add(t)
            s.flush()
            audit(s, actor, IMPORT_ACTION, "title_award", t.id, after=td, at=ts)
            summary.created.append(f"title {td['name']} {td['awarded_on']}")
        elif any(getattr(have, k) != v for k, v in td.items()):
            summary.differences.append(
                f"title {td['name']} {td['awarded_on']}: 本地登记与数据包不同，保留本地"
            )


def import_evidence(
    s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary
) -> dict[str, int]:
    """Evidence rows missing here are created (one per sha256 and region); returns the id by sha256."""
    region = b.region["code"]
    ev_ids: dict[str, int] = {}
    for ev in s.scalars(select(Evidence).where(Evidence.region_code == region).order_by(Evidence.id)):
        ev_ids.setdefault(ev.sha256, ev.id)
    for sha, ed in b.evidence.items():
        if sha in ev_ids:
            continue
        row = Evidence(
            sha256=sha,
            filename=ed["filename"],
            content_type=ed["content_type"],
            size=ed["size"],
            region_code=region,
            unit_id=None,
            uploaded_by=actor,
            uploaded_at=ts,
        )
        s.add(row)
        s.flush()
        ev_ids[sha] = row.id
        summary.evidence_added += 1
        audit(
            s,
            actor,
            IMPORT_ACTION,
            "evidence",
            row.id,
            after={"sha256": sha, "filename": row.filename, "size": row.size, "instance": b.instance},
            detail=f"bundle {b.bundle_id}",
            at=ts,
        )
    return ev_ids


def import_contributions(
    s: Session, b: Bundle, ev_ids: Mapping[str, int], actor: str, ts: datetime, summary: ImportSummary
) -> None:
    """Contributions to shared elements, append-only: one already here (same element, year, unit,
    recorder and time) with the same content is skipped, one missing here is added (its unit matched by
    name in the region), and nothing is ever changed or deleted. A contribution here with the same
    identity but a different content is a conflict: the import is refused (nothing written), since an
    append-only record cannot be corrected by overwriting it."""
    region = b.region["code"]
    if not b.contributions:
        return
    sha_of = {ev.id: ev.sha256 for ev in s.scalars(select(Evidence).where(Evidence.region_code == region))}
    local: dict[tuple[Any, ...], Contribution] = {}
    for c in s.scalars(select(Contribution).where(Contribution.region_code == region)):
        local[
            contribution_key(
                {
                    "item": c.item_code,
                    "year": c.year,
                    "unit_name": c.unit_name,
                    "created_by": c.created_by,
                    "created_at": iso_utc(c.created_at),
                }
            )
        ] = c
    units = {u.name: u.id for u in s.scalars(select(Unit).where(Unit.region_code == region))}
    for cd in b.contributions:
        have = local.get(contribution_key(cd))
        if have is not None:
            mine = (have.value_num, have.value_unit, have.comment, sha_of.get(have.evidence_id or 0))
            theirs = (cd["value_num"], cd["value_unit"], cd["comment"], cd["evidence"])
            if mine != theirs:
                name = _element_name(b, cd["item"])
                raise bundle_error(
                    b.path,
                    f"{RECORDS} 分项数据 {name} {cd['year']}年 {cd['unit_name']}",
                    f"与本地已有的分项数据冲突：{cd['unit_name']} 于 {cd['created_at']} 由 {cd['created_by']}"
                    f" 记录的“{name}”{cd['year']}年分项数据，本地内容与数据包不同"
                    "（分项数据只增不改，请核对两边记录后再导入）",
                    "conflicts with a local contribution of the same unit, recorder and time",
                )
            summary.contributions_unchanged += 1
            continue
        row = Contribution(
            region_code=region,
            item_code=cd["item"],
            year=cd["year"],
            unit_id=units.get(cd["unit_name"]),
            unit_name=cd["unit_name"],
            value_num=cd["value_num"],
            value_unit=cd["value_unit"],
            comment=cd["comment"],
            evidence_id=ev_ids[cd["evidence"]] if cd["evidence"] is not None else None,
            created_by=cd["created_by"],
            created_at=datetime.fromisoformat(cd["created_at"]),
        )
        s.add(row)
        s.flush()
        local[contribution_key(cd)] = row
        summary.contributions_added += 1
        audit(
            s, actor, IMPORT_ACTION, "contribution", row.id,
            after={**cd, "instance": b.instance}, detail=f"bundle {b.bundle_id}", at=ts,
        )  # fmt: skip


def _element_name(b: Bundle, item: str) -> str:
    """The data element's name in the bundle's indicator set (the code when the set lacks it)."""
    try:
        cat = load_set(b.catalog_set["catalog_set"]) if b.catalog_set else load_catalog()
        return cat.element(item).name
    except (CatalogSetError, KeyError, ValueError):
        return item


_STATUS_FIELDS = ("status", "started_on", "applied_on", "applied_doc", "named_on", "named_doc", "reviewed_on",
                  "review_doc", "note", "example", "updated_by")  # fmt: skip


def import_base_status(s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary) -> None:
    """The base status: written when none is recorded here (with the source's author and time); a status
    here is never overwritten — the same one is listed as present, a different one as a difference."""
    bs = b.base_status
    if bs is None:
        return
    region = b.region["code"]
    have = s.get(BaseStatus, region)
    label = f"基地状态 base status {bs['status']}"
    if have is None:
        row = BaseStatus(region_code=region, updated_at=datetime.fromisoformat(bs["updated_at"]),
                         **{f: bs[f] for f in _STATUS_FIELDS})  # fmt: skip
        s.add(row)
        s.flush()
        audit(
            s, actor, IMPORT_ACTION, "base_status", region,
            after={**bs, "instance": b.instance}, detail=f"bundle {b.bundle_id}", at=ts,
        )  # fmt: skip
        summary.base_status_added += 1
        summary.created.append(label)
    elif all(getattr(have, f) == bs[f] for f in _STATUS_FIELDS if f not in ("note", "updated_by")):
        summary.present.append(label)
    else:
        mine = _status_text({f: getattr(have, f) for f in _STATUS_FIELDS})
        summary.differences.append(
            f"基地状态 base status：本地 local {mine}，数据包 bundle {_status_text(bs)}，保留本地"
        )


def _status_text(d: Mapping[str, Any]) -> str:
    pairs = (("applied_on", "申报"), ("named_on", "命名"), ("reviewed_on", "复核"))
    dates = "，".join(f"{label} {d[f] or '—'}" for f, label in pairs)
    return f"{d['status']}（{dates}）"


def _incident_data(i: Incident) -> dict[str, Any]:
    return {
        "kind": i.kind,
        "occurred_on": i.occurred_on,
        "title": i.title,
        "description": i.description,
        "responsible_unit": i.responsible_unit,
        "serious": bool(i.serious),
        "example": bool(i.example),
        "created_by": i.created_by,
        "created_at": iso_utc(i.created_at),
    }


def _step_data(u: IncidentUpdate) -> dict[str, Any]:
    return {
        "status": u.status,
        "due_on": u.due_on,
        "done_on": u.done_on,
        "note": u.note,
        "evidence": u.evidence,
        "actor": u.actor,
        "at": iso_utc(u.at),
    }


def import_incidents(s: Session, b: Bundle, actor: str, ts: datetime, summary: ImportSummary) -> None:
    """Incidents and 督察 findings with their rectification history, append-only like the register
    itself: an entry missing here is added with its whole history; for an entry here (same kind, date,
    title, recorder and time) the steps missing here are appended and those here are kept; nothing is
    changed or deleted. An entry or a step here with the same identity but another content refuses the
    whole import (nothing written): an append-only record cannot be corrected by overwriting it."""
    if not b.incidents:
        return
    region = b.region["code"]
    local: dict[tuple[Any, ...], Incident] = {}
    for i in s.scalars(select(Incident).where(Incident.region_code == region)):
        local[incident_key(_incident_data(i))] = i
    steps: dict[int, dict[tuple[Any, ...], IncidentUpdate]] = {}
    if local:
        for u in s.scalars(
            select(IncidentUpdate).where(IncidentUpdate.incident_id.in_([i.id for i in local.values()]))
        ):
            steps.setdefault(u.incident_id, {})[incident_update_key(_step_data(u))] = u
    for d in b.incidents:
        entry = {k: v for k, v in d.items() if k != "updates"}
        label = f"问题 incident {d['occurred_on']} {d['title']}"
        have = local.get(incident_key(d))
        if have is not None and _incident_data(have) != {**entry, "created_at": iso_utc(have.created_at)}:
            raise _conflict(b, label, "问题登记内容与本地不同")
        if have is None:
            have = Incident(region_code=region, created_at=datetime.fromisoformat(d["created_at"]),
                            **{k: v for k, v in entry.items() if k != "created_at"})  # fmt: skip
            s.add(have)
            s.flush()
            local[incident_key(d)] = have
            audit(
                s, actor, IMPORT_ACTION, "incident", have.id,
                after={**entry, "instance": b.instance}, detail=f"bundle {b.bundle_id}", at=ts,
            )  # fmt: skip
            summary.incidents_added += 1
            summary.created.append(label)
        mine = steps.setdefault(have.id, {})
        added = 0
        for u in d["updates"]:
            key = incident_update_key(u)
            here = mine.get(key)
            if here is not None:
                if _step_data(here) != {**u, "at": iso_utc(here.at)}:
                    raise _conflict(b, label, f"{u['at']} 由 {u['actor']} 记录的整改情况与本地不同")
                continue
            row = IncidentUpdate(incident_id=have.id, at=datetime.fromisoformat(u["at"]),
                                 **{k: v for k, v in u.items() if k != "at"})  # fmt: skip
            s.add(row)
            s.flush()
            mine[key] = row
            added += 1
            audit(
                s, actor, IMPORT_ACTION, "incident_update", row.id,
                after={**u, "incident": have.id, "instance": b.instance},
                detail=f"bundle {b.bundle_id}", at=ts,
            )  # fmt: skip
        summary.incident_updates_added += added
        if added == 0 and label not in summary.created:
            summary.present.append(label)
        elif label not in summary.created:
            summary.created.append(f"{label}：新增整改记录 {added} 条")


def _conflict(b: Bundle, label: str, what: str) -> Exception:
    return bundle_error(
        b.path,
        f"{RECORDS} {label}",
        f"{what}（问题台账只增不改，请核对两边记录后再导入）",
        "conflicts with a local append-only record of the same identity",
    )
