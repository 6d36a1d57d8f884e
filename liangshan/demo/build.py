"""Build the 卢氏县 demo database: region, units, users, round, and values for 2020–2025.

This is the one builder of sample data: ``liangshan demo``, ``make run``, the tests, the report, web and
roll-up fixtures and the benchmarks all call :func:`build_demo`. Without options it builds exactly
the demo; its options are the small documented variants (docs/demo.md):

* ``accounts`` — one password hash for every demo account, plus ``expert`` (评审专家, reviewer);
* ``counties`` — N synthetic counties 示例县NNN (``900001``…), ``rollup`` — the real neighbouring
  counties of the roll-up; both derived from 卢氏县's values by the rule of :mod:`.counties`;
* ``computed``, ``years``, ``skip``, ``workplan``, ``evidence`` — leave out parts of the demo (the web
  tests' site has only the units' statistics of the round's years, no work plan and no files);
* ``cache`` — a folder where the calculators' output is kept as JSON, keyed by a hash of the code that
  produces it (:func:`code_version`): the next build with the same code skips the calculators.

The work plan of 卢办〔2023〕16号 (organisation, phases, tasks, checklist) is loaded with its
示例数据 tracking (:mod:`.workplan`). Values of indicators 1–10 and 17 come from the calculators
run on synthetic raw data written into ``work_dir`` (示例数据) — with provenance — and the
units' statistics from :mod:`.manual`. Every value is submitted by the supplying unit's user
(or the technical analyst for computed values) and approved by the office. Timestamps are
fixed, so the same command builds the same database.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

import liangshan
from liangshan import __version__
from liangshan.catalog import Catalog, load_catalog
from liangshan.config import evidence_root
from liangshan.demo import contributions as contrib
from liangshan.demo import counties as county_mod
from liangshan.demo import manual, official
from liangshan.demo.after_naming import seed_after_naming
from liangshan.demo.explanations import seed_explanations
from liangshan.demo.titles import seed_titles
from liangshan.demo.workplan import seed_workplan
from liangshan.provenance import ComputedValues
from liangshan.store.db import session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Region, Unit, User
from liangshan.store.regions import find_unit, load_profile
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition
from liangshan.workplan.plan import load_plan

REGION = "411224"
PROFILE = Path(__file__).with_name("lushi.yaml")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # fixed clock of the demo
OFFICE, ANALYST, LEADER, EXPERT = "office", "analyst", "leader", "expert"
YEARS = manual.YEARS  # 2020 … 2025
ROUND_YEARS = (2023, 2024, 2025)  # the years of the demo's assessment round
# The code whose output the cache keeps: the calculators, the demo hooks, the catalog, provenance.
_CODE = ("standards", "demo", "catalog", "provenance.py")

# One calculator result as the builder uses it: year, values, notes, provenance (JSON form).
Computed = tuple[int, dict[str, Any], dict[str, str], dict[str, Any]]


def calculators() -> list[Callable[[Path], list[ComputedValues]]]:
    """The demo hooks of the calculators (imported here so the store never imports them)."""
    from liangshan.demo import air, eco, land, water

    return [air.compute_demo, water.compute_demo, land.compute_demo, eco.compute_demo]


def code_version() -> str:
    """SHA-256 of the package version and every file of the code that produces the computed values."""
    root = Path(liangshan.__file__).parent
    h = hashlib.sha256(__version__.encode())
    for part in _CODE:
        p = root / part
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _run_calculators(work_dir: Path | None) -> list[Computed]:
    def run(folder: Path) -> list[Computed]:
        return [
            (r.year, dict(r.values), dict(r.notes), r.provenance.to_json())
            for hook in calculators()
            for r in hook(folder)
        ]

    if work_dir is None:
        with tempfile.TemporaryDirectory(prefix="liangshan-demo-") as tmp:
            return run(Path(tmp))
    work_dir.mkdir(parents=True, exist_ok=True)
    return run(work_dir)


def computed_values(work_dir: Path | None = None, cache: Path | None = None) -> list[Computed]:
    """The calculators' output on the demo's synthetic raw data, from ``cache`` when it holds this code's.

    With ``work_dir`` the raw files are kept there (and the calculators always run).
    """
    if cache is None or work_dir is not None:
        return _run_calculators(work_dir)
    path = cache / f"computed-{code_version()[:16]}.json"
    if path.is_file():
        return [(int(y), v, n, p) for y, v, n, p in json.loads(path.read_text(encoding="utf-8"))]
    out = _run_calculators(None)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return out


def _users(session: Session, password_hash: str | None = None) -> dict[str, str]:
    """One account per unit (``u01``…), plus the office admin, the analyst and a leader (and ``expert``)."""
    units = list(session.scalars(select(Unit).where(Unit.region_code == REGION).order_by(Unit.sort)))
    office = next(u for u in units if u.kind == "office")
    accounts = [
        User(
            username=OFFICE,
            display_name="领导小组办公室",
            role="office",
            unit_id=office.id,
            region_code=REGION,
            password_hash=password_hash,
        ),
        User(username=ANALYST, display_name="技术支持单位", role="analyst", region_code=REGION,
             password_hash=password_hash),
        User(username=LEADER, display_name="领导小组", role="leader", region_code=REGION,
             password_hash=password_hash),
    ]  # fmt: skip
    if password_hash is not None:
        accounts.append(User(username=EXPERT, display_name="评审专家", role="reviewer", region_code=REGION,
                             password_hash=password_hash))  # fmt: skip
    session.add_all(accounts)
    by_unit = {}
    for i, u in enumerate(units, start=1):
        name = f"u{i:02d}"
        session.add(
            User(username=name, display_name=f"{u.name}联络员", role="unit", unit_id=u.id, region_code=REGION,
                 password_hash=password_hash)
        )  # fmt: skip
        by_unit[u.name] = name
    session.flush()
    return by_unit


def unit_accounts(session: Session) -> dict[str, str]:
    """卢氏县's unit name → the user name of its account (``u01``… in profile order)."""
    units = session.scalars(select(Unit).where(Unit.region_code == REGION).order_by(Unit.sort)).all()
    return {u.name: f"u{i:02d}" for i, u in enumerate(units, start=1)}


def _supplier(session: Session, catalog: Catalog, code: str, users: dict[str, str]) -> str:
    el = catalog.element(code)
    unit = find_unit(session, REGION, el.lead) if el.lead else None
    return users.get(unit.name, ANALYST) if unit else ANALYST


def build_demo(
    url: str,
    work_dir: Path | None = None,
    *,
    accounts: str | None = None,
    counties: int = 0,
    rollup: bool = False,
    computed: bool = True,
    years: Sequence[int] = YEARS,
    skip: Iterable[str] = (),
    workplan: Literal["tracked", "plan", "none"] = "tracked",
    evidence: bool = True,
    cache: Path | None = None,
) -> bool:
    """Create the demo in the database at ``url``. Returns False (and changes nothing) if present.

    Parameters
    ----------
    url : str
        Database URL (migrated here).
    work_dir : Path, optional
        Keep the synthetic raw files of the calculators here.
    accounts : str, optional
        Password hash given to every account; also adds ``expert`` (reviewer). None: no passwords
        (``liangshan user demo-passwords`` sets them), no ``expert``.
    counties : int
        Number of 示例县 (``900001``…, account ``office001``…) added with values derived from 卢氏县's.
    rollup : bool
        Add the roll-up neighbours (real codes of 三门峡市, 洛阳市, 济源市; synthetic values), their
        cities and the ``city-leader`` and ``province-office`` accounts.
    computed : bool
        Store the calculators' values (indicators 1–10, 17); False leaves only the units' statistics.
    years : sequence of int
        Years whose values are stored (a subset of 2020–2025).
    skip : iterable of str
        Data elements left without values (free for a test to submit).
    workplan : {"tracked", "plan", "none"}
        Load the work plan of 卢办〔2023〕16号 with its 示例数据 tracking, the plan alone (as
        ``liangshan workplan load`` does), or no plan.
    evidence : bool
        Store the 示例佐证材料 files beside the database (:func:`liangshan.config.evidence_root`).
    cache : Path, optional
        Folder of the calculators' cached output (see :func:`computed_values`).
    """
    ensure_db(url)
    with session_scope(url) as s:
        if s.get(Region, REGION) is not None:
            return False
    catalog = load_catalog()
    wanted, skipped = set(years), set(skip)
    results = computed_values(work_dir, cache) if computed else []
    clock = iter(T0 + timedelta(seconds=i) for i in range(1_000_000_000))
    root = evidence_root(url)
    base: dict[tuple[str, int], float | bool] = {}  # 卢氏县's stored values, the base of the counties
    with session_scope(url) as s:
        load_profile(s, PROFILE, at=next(clock))
        users = _users(s, accounts)
        if workplan == "tracked":
            seed_workplan(s, clock)
        elif workplan == "plan":
            load_plan(s, REGION, at=next(clock))
        seen: set[tuple[str, int]] = set()
        for year, values, notes, prov in results:
            for code, value in values.items():
                if (code, year) in seen or value is None:
                    continue  # the same element from two calculators (e.g. 国土面积): the first wins
                seen.add((code, year))
                if year not in wanted or code in skipped:
                    continue
                sub = submit_value(
                    s,
                    region=REGION,
                    item=code,
                    year=year,
                    value=value,
                    user=ANALYST,
                    unit=catalog.element(code).unit,
                    note=notes.get(code, "示例数据"),
                    provenance=prov,
                    at=next(clock),
                )
                transition(s, sub.id, "approve", OFFICE, at=next(clock))
                base[(code, year)] = value
        for code, series in manual.SERIES.items():
            for year, value in zip(manual.YEARS, series, strict=True):
                if value is None or year not in wanted or code in skipped:
                    continue
                user = _supplier(s, catalog, code, users)
                evidence_ids = []
                if evidence and (code, year) in manual.EVIDENCE_ITEMS:
                    text = f"示例佐证材料（示例数据）：{catalog.element(code).name}，{year}年。\n"
                    ev = store_evidence(
                        s,
                        root,
                        text.encode(),
                        f"{catalog.element(code).name}{year}年佐证材料.txt",
                        "text/plain",
                        region=REGION,
                        user=user,
                        at=next(clock),
                    )
                    evidence_ids.append(ev.id)
                note = manual.NOTES.get((code, year), "示例数据")
                sub = submit_value(
                    s,
                    region=REGION,
                    item=code,
                    year=year,
                    value=value,
                    user=user,
                    unit=catalog.element(code).unit,
                    note=note,
                    evidence_ids=evidence_ids,
                    at=next(clock),
                )
                transition(s, sub.id, "approve", OFFICE, at=next(clock))
                base[(code, year)] = value
        if contrib.YEAR in wanted and contrib.ELEMENT not in skipped:  # 共同填报: parts, then the lead
            contrib.seed_contributions(
                s, clock, catalog=catalog, users=users, region=REGION, evidence_dir=root if evidence else None
            )
        seed_titles(s, clock, REGION)  # 称号登记簿 (indicator 16)
        target_years = (
            [] if official.TARGET_ELEMENT in skipped else sorted(wanted & set(official.TARGET_YEARS))
        )
        targets = official.seed_official(
            s, clock, catalog=catalog, users=users, evidence_dir=root,
            years=target_years, figures=computed and evidence, evidence=evidence,
        )  # fmt: skip
        base.update({(official.TARGET_ELEMENT, y): True for y in targets})
        seed_explanations(
            s, clock, catalog=catalog, users=users, region=REGION, office=OFFICE, years=tuple(wanted)
        )
        home = s.get(Region, REGION)
        area = float(home.land_area_km2 or 0) if home is not None else 0.0
        extra = county_mod.synthetic_counties(counties, area)
        if rollup:
            county_mod.add_rollup_regions(s, accounts)
            extra = county_mod.NEIGHBOURS + extra
        county_mod.add_counties(
            s, catalog, extra, base, root, password_hash=accounts, clock=clock, evidence=evidence
        )
        seed_after_naming(s, clock, REGION)  # base status and 督察 findings (示例)
    if computed and evidence:  # the county map's layers (示例坐标), beside the database like the evidence
        from liangshan.demo.map_layers import seed_map_layers

        seed_map_layers(root, work_dir)
    return True


def seed_site(
    url: str,
    pw_hash: str,
    *,
    skip: Iterable[str] = ("eco_env_investment", official.TARGET_ELEMENT),
    extra_regions: int = 0,
    values: bool = True,
) -> dict[str, str]:
    """The web tests' site: the demo's accounts (all with ``pw_hash``) and units' statistics of the round.

    A variant of :func:`build_demo` without calculators, work plan or evidence files: values only for
    2023–2025 (none with ``values=False``), ``skip`` left free for the tests (by default also indicator 1's
    improvement-target yes/no, which needs its document as evidence), and ``extra_regions``
    示例县. Returns 卢氏县's unit name → user name.
    """
    build_demo(url, accounts=pw_hash, counties=extra_regions, computed=False,
               years=ROUND_YEARS if values else (), skip=skip, workplan="none", evidence=False)  # fmt: skip
    with session_scope(url) as s:
        return unit_accounts(s)
