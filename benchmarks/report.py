"""Time to build the 情况说明技术报告: the 卢氏县 demo (docx, pdf) and 100 regions in one batch.

Run: ``.venv/bin/python benchmarks/report.py [--regions 100] [--repeat 3]``. Prints medians of
``--repeat`` runs for the demo (content, charts, Word, PDF) and one timed batch: 100 synthetic
regions' values in one SQLite database (示例数据), a Word report each, and all PDFs converted by one
LibreOffice start. The databases are built by :func:`liangshan.demo.build.build_demo` (not timed): the
卢氏县 demo, and for the batch the demo with ``--regions − 1`` 示例县 whose values derive from 卢氏县's
(:mod:`liangshan.demo.counties`). ``--cache DIR`` keeps the calculators' output between runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from liangshan.demo.build import REGION, build_demo
from liangshan.demo.counties import synthetic
from liangshan.report.charts import all_charts
from liangshan.report.content import load_content
from liangshan.report.docx_writer import write_docx
from liangshan.report.generate import generate_batch
from liangshan.report.pdf import docx_to_pdf, docx_to_pdf_many


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regions", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=None, help="folder of the calculators' cached output")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="liangshan-bench-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'demo.db'}"
        build_demo(url, cache=args.cache)
        print("demo database: liangshan.demo.build.build_demo（卢氏县示例数据）", flush=True)
        times: dict[str, list[float]] = {
            k: [] for k in ("content", "charts", "docx", "pdf", "docx+pdf total")
        }
        for i in range(args.repeat):
            t0 = time.perf_counter()
            content = load_content(url, "411224")
            t1 = time.perf_counter()
            charts = all_charts(content)
            t2 = time.perf_counter()
            docx = write_docx(content, folder / f"demo{i}.docx", charts=charts)
            t3 = time.perf_counter()
            pdf = docx_to_pdf(docx, folder / f"demo{i}.pdf")
            t4 = time.perf_counter()
            for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
                times[k].append(v)
        print(
            f"demo report: {pdf.stat().st_size / 1024:,.0f} KB PDF, {docx.stat().st_size / 1024:,.0f} KB docx"
        )
        print("| step | median (s) | runs (s) |")
        print("|---|---:|---|")
        for k, runs in times.items():
            print(f"| {k} | {statistics.median(runs):.2f} | {', '.join(f'{x:.2f}' for x in runs)} |")

        batch_url = f"sqlite:///{folder / 'batch.db'}"
        t0 = time.perf_counter()
        build_demo(batch_url, counties=args.regions - 1, cache=args.cache, workplan="none")
        codes = [REGION] + [synthetic(k).code for k in range(1, args.regions)]
        t1 = time.perf_counter()
        paths = generate_batch(batch_url, codes, folder / "batch", pdf=False)
        t2 = time.perf_counter()
        pdfs = docx_to_pdf_many(paths, folder / "batch", timeout=60.0 * len(paths))
        t3 = time.perf_counter()
        n = len(codes)
        print(f"\nbatch of {n} regions (one SQLite database, years 2023–2025)")
        print("| step | total (s) | per region (s) |")
        print("|---|---:|---:|")
        print(
            f"| build the demo with {n - 1} 示例县 (submit + approve) | {t1 - t0:.1f} | {(t1 - t0) / n:.3f} |"
        )
        print(f"| {n} Word reports (content + charts + docx) | {t2 - t1:.1f} | {(t2 - t1) / n:.2f} |")
        print(f"| {len(pdfs)} PDFs, one LibreOffice start | {t3 - t2:.1f} | {(t3 - t2) / n:.2f} |")
        print(f"| docx + pdf | {t3 - t1:.1f} | {(t3 - t1) / n:.2f} |")


if __name__ == "__main__":
    main()
