"""One call from the database to a finished file: what the CLI and the web job call.

:func:`generate` reads the approved data, builds the report model, draws the charts and writes
``docx``, ``pdf`` (via ``docx`` and LibreOffice), ``xlsx`` or ``pptx``, reporting progress through a
callback ``progress(label, fraction)`` (fraction 0…1) — the web app's background job can store these
for its progress bar. :func:`generate_batch` writes many regions' reports and converts all PDFs with
one LibreOffice start.

Charts are drawn once per content version: :func:`render` takes them from a cache folder
(``chart_cache``; :func:`generate` uses ``<evidence root>/.cache/charts`` of the database, see
:func:`liangshan.report.charts.cached_charts`), so building the same report again draws nothing and
does not import matplotlib.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from liangshan.report.content import ReportContent, load_content

FORMATS = ("docx", "pdf", "xlsx", "pptx")
ProgressFn = Callable[[str, float], None]


def _noop(_label: str, _fraction: float) -> None:
    return None


def render(
    content: ReportContent, fmt: str, out: str | Path, *, progress: ProgressFn | None = None, **options: Any
) -> Path:
    """Write ``content`` in format ``fmt`` to ``out`` (options: ``fonts``, ``timeout`` for pdf,
    ``chart_cache`` the folder of cached charts, default
    :func:`~liangshan.report.charts.default_cache_dir`)."""
    from liangshan.report.charts import cached_charts

    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式：{fmt}（可选：{'、'.join(FORMATS)}）")
    step = progress or _noop
    path = Path(out)
    fonts = options.get("fonts")
    if fmt == "xlsx":
        from liangshan.report.xlsx_writer import write_xlsx

        step("写入 Excel 附表", 0.5)
        return write_xlsx(content, path, fonts=fonts)
    if fmt == "pptx":
        from liangshan.report.pptx_writer import write_pptx

        step("绘制图表", 0.3)
        drawn = cached_charts(content, options.get("chart_cache"))
        step("写入演示文稿", 0.6)
        return write_pptx(content, path, fonts=fonts, chart=drawn["summary"], charts=drawn)
    from liangshan.report.docx_writer import write_docx

    step("绘制图表", 0.15)
    charts = cached_charts(content, options.get("chart_cache"))
    n = len(content.indicators)
    done = [0]

    def each(label: str) -> None:
        done[0] += 1
        step(f"写入 Word：{label}", 0.45 + 0.3 * done[0] / max(n, 1))

    step("写入 Word", 0.45)
    if fmt == "docx":
        return write_docx(content, path, fonts=fonts, charts=charts, progress=each)
    from liangshan.report.docx_writer import contents_entries
    from liangshan.report.pdf import docx_to_pdf, heading_pages, page_texts

    timeout = options.get("timeout", 300.0)
    with tempfile.TemporaryDirectory(prefix="liangshan-report-") as tmp:
        docx = write_docx(content, Path(tmp) / f"{path.stem}.docx", fonts=fonts, charts=charts, progress=each)
        step("LibreOffice 转换 PDF", 0.7)
        first = docx_to_pdf(docx, Path(tmp) / f"{path.stem}.pdf", timeout=timeout)
        # the contents page with page numbers: find each heading in the first rendering, write again
        pages = heading_pages(page_texts(first), contents_entries(content))
        if not any(pages):
            shutil.move(str(first), str(path))
            return path
        step("写入目录页码", 0.85)
        docx = write_docx(content, docx, fonts=fonts, charts=charts, toc_pages=pages)
        return docx_to_pdf(docx, path, timeout=timeout)


def generate(
    url: str,
    region: str,
    fmt: str,
    out: str | Path,
    *,
    round_id: int | None = None,
    years: Sequence[int] | None = None,
    weights: Mapping[int, float] | None = None,
    progress: ProgressFn | None = None,
    **options: Any,
) -> Path:
    """Build the report of ``region`` from the database at ``url`` and write it as ``fmt`` to ``out``.

    Parameters
    ----------
    url : str
        Database URL.
    region : str
        Region code (GB/T 2260), e.g. ``"411224"``.
    fmt : str
        ``docx``, ``pdf``, ``xlsx`` or ``pptx``.
    out : str or Path
        Output file.
    round_id : int, optional
        Assessment round (default: the region's newest open round).
    years : sequence of int, optional
        Years to assess instead of the round's.
    weights : mapping, optional
        Weights for the optional 参考评分（非官方）.
    progress : callable, optional
        ``progress(label, fraction)`` after each step (fraction 0…1).
    **options
        ``target_year``, ``compiler``, ``support_unit``, ``measures``, ``cases`` (see
        :func:`~liangshan.report.content.build_content`), ``fonts``, ``timeout``, ``chart_cache``
        (folder of cached charts; default ``<evidence root>/.cache/charts``).
    """
    from liangshan.config import evidence_root

    step = progress or _noop
    step("读取审核通过的数据并评估", 0.05)
    options.setdefault("chart_cache", evidence_root(url) / ".cache" / "charts")
    content_opts = {k: options.pop(k) for k in list(options) if k in _CONTENT_OPTIONS}
    content = load_content(url, region, years=years, round_id=round_id, weights=weights, **content_opts)
    path = render(content, fmt, out, progress=step, **options)
    step("完成", 1.0)
    return path


_CONTENT_OPTIONS = ("target_year", "compiler", "support_unit", "measures", "cases", "when", "allow_empty")


def generate_batch(
    url: str,
    regions: Sequence[str],
    out_dir: str | Path,
    *,
    pdf: bool = True,
    progress: ProgressFn | None = None,
    **options: Any,
) -> list[Path]:
    """Word (and PDF) reports of many regions: one ``<code>.docx`` each, PDFs by one LibreOffice start."""
    from liangshan.report.pdf import docx_to_pdf_many

    step = progress or _noop
    dest = Path(out_dir)
    docs = []
    for i, code in enumerate(regions):
        docs.append(generate(url, code, "docx", dest / f"{code}.docx", **options))
        step(f"{code} Word 已生成", 0.7 * (i + 1) / len(regions))
    if not pdf:
        return docs
    step("LibreOffice 批量转换 PDF", 0.7)
    pdfs = docx_to_pdf_many(docs, dest, timeout=options.get("timeout", 60.0 * max(len(docs), 5)))
    step("完成", 1.0)
    return [*docs, *pdfs]
