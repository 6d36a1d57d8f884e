"""Report generation as background jobs for the web app (one thread per job, bounded).

A job belongs to the user who started it and to one region; only that user (or the region's
office) may read its status or download its file. Files live in a private folder of the app and are
served with the report's Chinese file name.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from liangshan.report.generate import generate

FORMATS = {"docx": "Word 报告", "pdf": "PDF 报告", "xlsx": "Excel 附表", "pptx": "汇报 PPT"}
MEDIA = {
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
    state: str = "queued"  # queued | running | done | failed
    step: str = "排队中"
    fraction: float = 0.0
    error: str = ""
    path: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_dict(self) -> dict[str, object]:
        with self.lock:
            return {
                "id": self.id,
                "region": self.region,
                "format": self.fmt,
                "state": self.state,
                "step": self.step,
                "percent": round(100 * self.fraction),
                "error": self.error,
                "download": f"/report/jobs/{self.id}/download" if self.state == "done" else None,
            }


class ReportJobs:
    """Runs report jobs on at most two worker threads (LibreOffice is the slow step)."""

    def __init__(self, db_url: str, folder: Path, workers: int = 2) -> None:
        self.db_url, self.folder = db_url, folder
        self.jobs: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report")

    def start(self, owner: str, region: str, fmt: str) -> Job:
        if fmt not in FORMATS:
            raise ValueError(f"不支持的报告格式：{fmt}（可选：{'、'.join(FORMATS)}）")
        job = Job(secrets.token_urlsafe(16), owner, region, fmt)
        self.jobs[job.id] = job
        self.pool.submit(self._run, job)
        return job

    def _run(self, job: Job) -> None:
        def progress(label: str, fraction: float) -> None:
            with job.lock:
                job.step, job.fraction = label, max(job.fraction, min(fraction, 1.0))

        with job.lock:
            job.state, job.step = "running", "开始生成"
        out = self.folder / job.id / f"{job.region}_两山指数自评估.{job.fmt}"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            path = generate(self.db_url, job.region, job.fmt, out, progress=progress)
        except Exception as exc:  # shown to the user as is: the report layer raises Chinese messages
            with job.lock:
                job.state, job.error, job.step = "failed", str(exc) or type(exc).__name__, "生成失败"
            return
        with job.lock:
            job.state, job.path, job.fraction, job.step = "done", path, 1.0, "已完成"

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)
