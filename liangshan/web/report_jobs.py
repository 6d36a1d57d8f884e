"""Report generation as background jobs for the web app (one thread per job, bounded).

A job belongs to the user who started it and to one region; only that user (or the region's
office) may read its status or download its file. Files live in a private folder of the app and are
served with the report's Chinese file name. A job makes one kind of report
(:mod:`liangshan.report.kinds`): the 情况说明技术报告 and its 附表/PPT, the 年度建设进展报告 of a year
or the 复核资料包 — through the functions the command line ``liangshan report --kind`` calls. Each
job's state is also written to ``<id>/job.json`` beside its file at every step, so with several worker
processes (``serve --workers N``) any of them can answer the status poll and the download, not only
the one that runs the job.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from liangshan.report.generate import generate
from liangshan.report.kinds import FORMAT_LABELS, KIND_LABELS, format_problem

FORMATS = {"docx": "Word 报告", "pdf": "PDF 报告", "xlsx": "Excel 附表", "pptx": "汇报 PPT"}
MEDIA = {
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass
class Job:
    id: str
    owner: str
    region: str
    fmt: str
    kind: str = "technical"  # technical | progress | review (liangshan.report.kinds)
    year: int | None = None  # the progress report's year
    state: str = "queued"  # queued | running | done | failed
    step: str = "排队中"
    fraction: float = 0.0
    error: str = ""
    path: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self) -> dict[str, object]:
        """Everything needed to rebuild the job in another process (``job.json``)."""
        with self.lock:
            return {
                "id": self.id,
                "owner": self.owner,
                "region": self.region,
                "fmt": self.fmt,
                "kind": self.kind,
                "year": self.year,
                "state": self.state,
                "step": self.step,
                "fraction": self.fraction,
                "error": self.error,
                "path": str(self.path) if self.path else None,
            }

    @classmethod
    def from_record(cls, r: dict[str, object]) -> Job:
        path, year = r.get("path"), r.get("year")
        return cls(
            id=str(r["id"]),
            owner=str(r["owner"]),
            region=str(r["region"]),
            fmt=str(r["fmt"]),
            kind=str(r.get("kind") or "technical"),  # a job.json written before kinds existed
            year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
            state=str(r["state"]),
            step=str(r["step"]),
            fraction=float(r["fraction"]),  # type: ignore[arg-type]
            error=str(r["error"]),
            path=Path(str(path)) if path else None,
        )

    def to_dict(self) -> dict[str, object]:
        with self.lock:
            return {
                "id": self.id,
                "region": self.region,
                "format": self.fmt,
                "kind": self.kind,
                "label": self.label(),
                "state": self.state,
                "step": self.step,
                "percent": round(100 * self.fraction),
                "error": self.error,
                "download": f"/report/jobs/{self.id}/download" if self.state == "done" else None,
            }

    def label(self) -> str:
        """What the job makes, as the page lists it (2025年度建设进展报告（PDF）)."""
        what = KIND_LABELS.get(self.kind, self.kind)
        if self.kind == "progress" and self.year is not None:
            what = f"{self.year}{what}"
        return f"{what}（{FORMAT_LABELS.get(self.fmt, self.fmt)}）"

    def file_name(self) -> str:
        """The file's Chinese name (the download's name)."""
        if self.kind == "progress":
            return f"{self.region}_{self.year}年度建设进展报告.{self.fmt}"
        if self.kind == "review":
            return f"{self.region}_复核资料包.{self.fmt}"
        return f"{self.region}_两山指数自评估.{self.fmt}"


class ReportJobs:
    """Runs report jobs on at most two worker threads (LibreOffice is the slow step)."""

    def __init__(self, db_url: str, folder: Path, workers: int = 2) -> None:
        self.db_url, self.folder = db_url, folder
        self.jobs: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report")

    def start(
        self, owner: str, region: str, fmt: str, kind: str = "technical", year: int | None = None
    ) -> Job:
        """Queue a job; raises ValueError (a Chinese reason) for a format the kind is not made in or a
        progress report without its year."""
        if kind == "technical" and fmt not in FORMATS:
            raise ValueError(f"不支持的报告格式：{fmt}（可选：{'、'.join(FORMATS)}）")
        problem = format_problem(kind, fmt)
        if problem:
            raise ValueError(problem)
        if kind == "progress" and year is None:
            raise ValueError("请选择年度建设进展报告的年度")
        job = Job(secrets.token_urlsafe(16), owner, region, fmt, kind, year if kind == "progress" else None)
        self.jobs[job.id] = job
        self._save(job)
        self.pool.submit(self._run, job)
        return job

    def _save(self, job: Job) -> None:
        """Write ``job.json`` atomically (a reader in another process never sees half a file)."""
        folder = self.folder / job.id
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"job.json.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(json.dumps(job.record(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / "job.json")

    def _run(self, job: Job) -> None:
        def progress(label: str, fraction: float) -> None:
            with job.lock:
                job.step, job.fraction = label, max(job.fraction, min(fraction, 1.0))
            self._save(job)

        with job.lock:
            job.state, job.step = "running", "开始生成"
        self._save(job)
        out = self.folder / job.id / job.file_name()
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            path = self._make(job, out, progress)
        except Exception as exc:  # shown to the user as is: the report layer raises Chinese messages
            with job.lock:
                job.state, job.error, job.step = "failed", str(exc) or type(exc).__name__, "生成失败"
            self._save(job)
            return
        with job.lock:
            job.state, job.path, job.fraction, job.step = "done", path, 1.0, "已完成"
        self._save(job)

    def _make(self, job: Job, out: Path, progress: ProgressFn) -> Path:
        """The report file, made by the function ``liangshan report --kind`` calls for the job's kind."""
        if job.kind == "progress":
            from liangshan.report.progress import generate_progress

            assert job.year is not None
            return generate_progress(self.db_url, job.region, job.fmt, out, year=job.year, progress=progress)
        if job.kind == "review":
            from liangshan.report.review_package import build_review_package

            build_review_package(self.db_url, job.region, out, progress=progress)
            return out
        return generate(self.db_url, job.region, job.fmt, out, progress=progress)

    def get(self, job_id: str) -> Job | None:
        """The job, from this process's memory or from the ``job.json`` another worker wrote."""
        if job_id in self.jobs:
            return self.jobs[job_id]
        if not JOB_ID.fullmatch(job_id):
            return None
        return self._load(self.folder / job_id / "job.json")

    def all(self) -> list[Job]:
        """Every job of every worker process (the in-memory copy where this process runs it)."""
        out = []
        for f in sorted(self.folder.glob("*/job.json"), key=lambda f: f.stat().st_mtime):
            job = self.jobs.get(f.parent.name) or self._load(f)
            if job is not None:
                out.append(job)
        return out

    @staticmethod
    def _load(path: Path) -> Job | None:
        try:
            return Job.from_record(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError):
            return None


ProgressFn = Callable[[str, float], None]
JOB_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
