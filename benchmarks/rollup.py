"""Roll-up of 3,000 counties: ``liangshan rollup show`` end to end against the script a user would write.

Builds (or reuses, ``--db``) a SQLite database with ``--counties`` synthetic counties (示例数据) under
31 provinces and ~10 cities each, every data element of the catalog approved for 2022–2025 (some values
left out, some zero denominators, some dips, evidence on the 是/否 and 获得 items), bulk-inserted.
Then, in the same run, each ``--repeat`` times:

- **ours**: ``liangshan rollup show 100000 --years 2023-2025 --json`` as a new CLI process (import,
  SQLite, every county assessed for all 20 indicators over the window and the previous window, Σ/Σ
  roll-ups, verdict counts, ranking of the provinces, JSON out);
- **plain**: what a user would write for indicator 1 only — one SQL query of the approved
  ``air_good_days``/``air_valid_days`` values of 2025 into pandas, the ratio per county, the
  ``> 90`` threshold, counts of 达标/未达标 per province — in a new Python process as well.

Prints medians, spreads (min–max) and the ratio, the peak RSS of the CLI process and the load average;
``--save-json FILE`` keeps the CLI's output (to compare two versions byte for byte with ``cmp``).

    .venv/bin/python benchmarks/rollup.py [--db sqlite:///out/bench_rollup.db] [--counties 3000] [--repeat 5]
                                          [--save-json out/rollup.json]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

YEARS = (2022, 2023, 2024, 2025)
ZONES = ("山区", "丘陵区", "平原区")


def build(url: str, n_counties: int, seed: int = 7) -> None:
    """Regions, approved submissions and evidence links, bulk-inserted (a few seconds)."""
    from sqlalchemy import insert, select

    from liangshan.catalog import load_catalog
    from liangshan.store.db import session_scope
    from liangshan.store.models import (
        AssessmentRound,
        Evidence,
        Region,
        Submission,
        SubmissionEvidence,
    )
    from liangshan.store.service import ensure_db

    ensure_db(url)
    with session_scope(url) as s:
        if s.scalar(select(Region.code).limit(1)) is not None:
            return
    t = time.perf_counter()
    cat = load_catalog()
    rng = np.random.default_rng(seed)
    at = datetime(2026, 4, 1, tzinfo=UTC)
    regions: list[dict[str, object]] = []
    counties: list[str] = []
    per_city = max(1, n_counties // (31 * 10))
    k = 0
    for p in range(31):
        pcode = f"{11 + p:02d}0000"
        regions.append(
            {"code": pcode, "name": f"示例省{p + 1:02d}", "level": "province", "parent_code": None}
        )
        for c in range(10):
            ccode = f"{11 + p:02d}{c + 1:02d}00"
            regions.append({"code": ccode, "name": f"示例市{p + 1:02d}{c + 1:02d}", "level": "city",
                            "parent_code": pcode})  # fmt: skip
            for j in range(per_city + (1 if p * 10 + c < n_counties - 310 * per_city else 0)):
                if len(counties) >= n_counties:
                    break
                code = f"{11 + p:02d}{c + 1:02d}{j + 1:02d}"
                counties.append(code)
                k += 1
                pop = None if len(counties) % 97 == 0 else int(rng.integers(50_000, 900_000))
                regions.append({"code": code, "name": f"示例县{len(counties):04d}", "level": "county",
                                "parent_code": ccode, "terrain_zone": ZONES[len(counties) % 3],
                                "population": pop})  # fmt: skip
    subs: list[dict[str, object]] = []
    needs_evidence: list[int] = []
    sid = 0
    for code in counties:
        q = rng.uniform(0.85, 1.02)  # county quality
        size = rng.uniform(0.3, 3.0)
        for y in YEARS:
            trend = 1 + 0.01 * (y - 2022) + rng.normal(0, 0.01)
            year_vals: dict[str, float | bool] = {}
            for ind in cat.indicators:
                f = ind.formula
                vals: dict[str, float | bool] = {}
                if f.kind == "ratio":
                    den = float(rng.integers(0, 4)) if ind.id == 6 else float(np.round(1000 * size, 2))
                    share = min(1.0, q * trend * (0.95 if ind.max_value == 100 else rng.uniform(0.02, 0.3)))
                    for c in f.denominator:
                        vals[c] = round(den / len(f.denominator), 2)
                    for c in f.numerator:
                        vals[c] = round(den * share / len(f.numerator), 2)
                    if ind.id == 1:
                        vals = {"air_good_days": float(int(365 * share)), "air_valid_days": 365.0}
                elif f.kind in ("value", "count"):
                    vals[f.element or ""] = (
                        float(int(rng.integers(0, 3))) if f.kind == "count" else round(100 * size * trend, 2)
                    )
                else:
                    for c in f.elements:
                        vals[c] = bool(rng.random() < 0.9)
                for cond in ind.conditions:  # indicator 1: 完成上级下达的改善目标
                    vals[cond.element] = bool(rng.random() < 0.95)
                year_vals = {**vals, **year_vals}  # an element shared by two indicators is given once
            for item, v in year_vals.items():
                if True:
                    if rng.random() < 0.01:
                        continue  # 数据缺失
                    sid += 1
                    row: dict[str, object] = {
                        "id": sid, "region_code": code, "item_code": item, "year": y, "version": 1,
                        "status": "approved", "created_by": "system", "created_at": at, "note": "示例数据",
                        "value_unit": "",
                    }  # fmt: skip
                    if isinstance(v, bool):
                        row["value_bool"], row["value_num"] = v, None
                    else:
                        row["value_num"], row["value_bool"] = v, None
                    subs.append(row)
                    if (v is True or (item == "eco_brands_obtained" and v)) and rng.random() < 0.95:
                        needs_evidence.append(sid)
    with session_scope(url) as s:
        s.execute(insert(Region), regions)
        s.flush()
        ev = Evidence(sha256="0" * 64, filename="示例.txt", content_type="text/plain", size=1,
                      region_code=counties[0], uploaded_by="system", uploaded_at=at)  # fmt: skip
        s.add(ev)
        s.flush()
        s.add(AssessmentRound(region_code=counties[0], name="示例评估批次", start_year=2023, end_year=2025,
                              deadline="2026-12-31"))  # fmt: skip
        for i in range(0, len(subs), 20_000):
            s.execute(insert(Submission), subs[i : i + 20_000])
        s.execute(
            insert(SubmissionEvidence), [{"submission_id": x, "evidence_id": ev.id} for x in needs_evidence]
        )
    print(
        f"built {len(counties):,} counties, {len(subs):,} approved values in {time.perf_counter() - t:.1f} s"
    )


PLAIN = r'''
import sys, pandas as pd, sqlalchemy as sa
eng = sa.create_engine(sys.argv[1])
q = """SELECT s.region_code, r.parent_code AS city, c.parent_code AS province, s.item_code, s.value_num
FROM submission s JOIN region r ON r.code = s.region_code JOIN region c ON c.code = r.parent_code
WHERE s.status = 'approved' AND s.year = 2025 AND s.item_code IN ('air_good_days', 'air_valid_days')"""
df = pd.read_sql(q, eng)
w = df.pivot_table(index=["region_code", "province"], columns="item_code", values="value_num").reset_index()
w["ratio"] = (w["air_good_days"] / w["air_valid_days"] * 100).round(1)
w["verdict"] = w["ratio"].gt(90).map({True: "达标", False: "未达标"})
print(w.groupby(["province", "verdict"]).size().unstack(fill_value=0).to_string()[:200])
'''


def timed(cmd: list[str], save: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, all threads) and peak RSS (KiB) of a child process
    (its output written to ``save`` when given)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with open(save or os.devnull, "wb") as out:
        subprocess.run(cmd, check=True, stdout=out)
    dt = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return dt, cpu, after.ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=None)
    ap.add_argument("--counties", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--save-json", type=Path, default=None, help="keep the first CLI output")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="liangshan-bench-rollup-"))
    url = a.db or f"sqlite:///{tmp / 'bench.db'}"
    build(url, a.counties)
    exe = str(Path(sys.executable).parent / "liangshan")
    ours_cmd = [exe, "rollup", "show", "100000", "--years", "2023-2025", "--json", "--db", url]
    plain_cmd = [sys.executable, "-c", PLAIN, url]
    ours: list[float] = []
    ours_cpu: list[float] = []
    plain: list[float] = []
    plain_cpu: list[float] = []
    rss = 0
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for i in range(a.repeat):  # interleaved, so both see the same machine load
        dt, cpu, peak = timed(ours_cmd, a.save_json if i == 0 else None)
        ours.append(dt)
        ours_cpu.append(cpu)
        rss = max(rss, peak)
        dt, cpu, _ = timed(plain_cmd)
        plain.append(dt)
        plain_cpu.append(cpu)

    def fmt(xs: list[float]) -> str:
        return f"median {statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"

    print(f"ours  : rollup show, {a.counties:,} counties × 20 indicators × 3 years: wall {fmt(ours)}")
    print(f"        CPU (user + sys) {fmt(ours_cpu)}")
    print(f"plain : SQL + pandas, indicator 1 ratio and threshold only: wall {fmt(plain)}")
    print(f"        CPU (user + sys) {fmt(plain_cpu)}")
    r_wall = statistics.median(ours) / statistics.median(plain)
    r_cpu = statistics.median(ours_cpu) / statistics.median(plain_cpu)
    print(f"ratio ours / plain (medians): wall {r_wall:.2f}×, CPU {r_cpu:.2f}×")
    print(f"peak RSS of a child process (max over runs, the CLI's): {rss / 1024:,.0f} MiB")
    print(f"cpu cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
