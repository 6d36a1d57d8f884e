"""The review package for 复核 / 后评估 (复核资料包): one ZIP with the base's reports since naming.

Built on the 申报资料包 (:func:`liangshan.workplan.bundle.export_bundle`: checklist files, every evidence
file of the approved values, ``目录.txt``, ``manifest.json`` and ``SHA256SUMS`` over every file), adding:

- ``年度建设进展报告/<年>年度建设进展报告.docx`` for every year from the baseline year (命名基准年;
  before naming 创建基准年) to the newest year with approved values
  (:mod:`liangshan.report.progress`; a year without approved values is listed as skipped);
- ``报告/情况说明技术报告.docx``: the latest technical report (the three years to the newest year);
- ``问题整改台账.xlsx``: the incidents and 督察 findings with their state (formula-safe cells);
- ``佐证材料清单.txt``: every evidence file of the approved values with its size and SHA-256;
- ``基地状态.json``: the base status and its dates.

``sha256sum -c SHA256SUMS`` inside the unpacked folder verifies the whole package.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from liangshan import localtime
from liangshan.report.content import EmptyReportError

MAX_YEARS = 12  # at most this many yearly reports (a baseline far back is cut to the newest years)


def newest_approved_year(session: Any, region: str) -> int | None:
    """The newest year with an approved value of ``region`` (the package's last progress report; the
    web report page's default year), or None."""
    from liangshan.store.models import Submission

    return session.scalar(
        select(func.max(Submission.year)).where(
            Submission.region_code == region, Submission.status == "approved"
        )
    )


def build_review_package(
    url: str, region: str, out: str | Path, *, as_of: date | None = None, progress: Any = None
) -> dict[str, Any]:
    """Write the review package of ``region`` to ``out`` (a ``.zip``); returns what it holds."""
    from liangshan.config import evidence_root
    from liangshan.report.generate import generate
    from liangshan.report.progress import generate_progress
    from liangshan.services.base_status import status_of
    from liangshan.services.incidents import register_rows, register_xlsx
    from liangshan.store.db import session_scope
    from liangshan.store.models import Region
    from liangshan.store.service import ensure_db
    from liangshan.workplan.bundle import values_evidence_files

    step = progress or (lambda _label, _fraction: None)
    day = as_of or localtime.today()
    ensure_db(url)
    with session_scope(url) as s:
        status = status_of(s, region)
        name = s.get(Region, region).name  # type: ignore[union-attr]
        newest = newest_approved_year(s, region)
        rows = register_rows(s, region, day)
        evidence = values_evidence_files(s, region)
    if newest is None:
        raise EmptyReportError(f"地区 {region}（{name}）没有审核通过的指标数据，不生成复核资料包")
    first = status["baseline_year"] or newest - 2
    years = list(range(max(first, newest - MAX_YEARS + 1), newest + 1))
    extra: list[tuple[str, bytes]] = []
    made: list[int] = []
    skipped: list[int] = []
    with tempfile.TemporaryDirectory(prefix="liangshan-review-") as tmp:
        for k, y in enumerate(years):
            step(f"生成{y}年度建设进展报告", 0.1 + 0.6 * k / max(len(years), 1))
            try:
                path = generate_progress(url, region, "docx", Path(tmp) / f"{y}.docx", year=y, as_of=day)
            except EmptyReportError:
                skipped.append(y)
                continue
            made.append(y)
            extra.append((f"年度建设进展报告/{y}年度建设进展报告.docx", path.read_bytes()))
        step("生成情况说明技术报告", 0.75)
        tech = generate(
            url, region, "docx", Path(tmp) / "tech.docx", years=list(range(newest - 2, newest + 1))
        )
        extra.append(("报告/情况说明技术报告.docx", tech.read_bytes()))
    extra.append(
        ("问题整改台账.xlsx", register_xlsx(rows, f"{name}突发环境事件与督察问题整改台账（截至 {day}）"))
    )
    lines = [f"{name}“两山”基地复核资料包：佐证材料清单（审核通过数值所附）", ""]
    lines += [f"{i:>4}. {folder}/{fn}（{size:,} 字节，SHA-256 {sha}）"
              for i, (folder, fn, sha, size) in enumerate(evidence, start=1)]  # fmt: skip
    if not evidence:
        lines.append("（审核通过的数值均未附佐证材料）")
    extra.append(("佐证材料清单.txt", ("\n".join(lines) + "\n").encode("utf-8")))
    basis = {k: v for k, v in status.items() if k not in ("updated_at", "updated_by")}
    extra.append(("基地状态.json", json.dumps(basis, ensure_ascii=False, indent=2).encode("utf-8")))
    step("打包并计算校验值", 0.9)
    from liangshan.workplan.bundle import export_bundle

    with session_scope(url) as s:
        manifest = export_bundle(
            s, region, evidence_root(url), out, as_of=day, values_evidence=True, extra_files=extra
        )
    step("完成", 1.0)
    return {
        "region": region,
        "out": str(out),
        "years": made,
        "skipped_years": skipped,
        "incidents": len(rows),
        "evidence": len(evidence),
        "files": manifest["file_count"],
    }
