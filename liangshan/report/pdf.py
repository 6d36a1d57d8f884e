"""PDF from the Word report with LibreOffice headless.

Each conversion runs ``soffice --headless --convert-to pdf`` with its own throw-away user profile
(``-env:UserInstallation``), so conversions never share or lock a profile and never touch the user's
own LibreOffice settings, under a timeout. A private fontconfig file maps the official Chinese
document fonts (仿宋_GB2312, 黑体, 方正小标宋简体 …) to the installed Noto CJK faces, so a document
written with :meth:`~liangshan.report.fonts.FontSet.official` still renders without boxes. Several
documents can be converted by one LibreOffice start (:func:`docx_to_pdf_many`), which is what makes
a batch of 100 regions fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from liangshan.report.fonts import FALLBACK

CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
DEFAULT_TIMEOUT = 300.0


class PdfConversionError(RuntimeError):
    """LibreOffice is missing, failed, or did not finish in time."""


def find_soffice() -> str | None:
    """The LibreOffice executable (``soffice`` on PATH, else a usual install location)."""
    for name in ("soffice", "libreoffice"):
        exe = shutil.which(name)
        if exe:
            return exe
    return next((c for c in CANDIDATES if Path(c).is_file()), None)


def _fontconfig(folder: Path) -> Path:
    aliases = "\n".join(
        f'  <alias binding="same"><family>{escape(src)}</family><prefer><family>{escape(dst)}</family>'
        "</prefer></alias>"
        for src, dst in sorted(FALLBACK.items())
    )
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"{aliases}\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def docx_to_pdf_many(
    sources: Sequence[str | Path], out_dir: str | Path, *, timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Convert several ``.docx`` files to PDF with one LibreOffice start.

    Parameters
    ----------
    sources : sequence of path
        The Word files (their stems must be distinct).
    out_dir : path
        Folder for the PDFs (created), named ``<stem>.pdf``.
    timeout : float
        Seconds before LibreOffice is stopped and :class:`PdfConversionError` raised.

    Returns
    -------
    list of Path
        The PDFs, in the order of ``sources``.
    """
    exe = find_soffice()
    if exe is None:
        raise PdfConversionError(
            "未找到 LibreOffice（soffice），无法生成 PDF：请安装 libreoffice-writer-nogui（Debian/Ubuntu："
            "apt-get install libreoffice-writer-nogui fonts-noto-cjk，或运行 make sysdeps），"
            "或改用 --format docx 后自行转换"
        )
    srcs = [Path(s).resolve() for s in sources]
    for s in srcs:
        if not s.is_file():
            raise PdfConversionError(f"待转换的文件不存在：{s}")
    stems = [s.stem for s in srcs]
    if len(set(stems)) != len(stems):
        raise PdfConversionError("批量转换的文件名（不含扩展名）不能重复")
    dest = Path(out_dir)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="liangshan-lo-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        outdir = work / "out"
        outdir.mkdir()
        env = {
            **os.environ,
            "FONTCONFIG_FILE": str(_fontconfig(work)),
            "HOME": str(work),
            "SAL_USE_VCLPLUGIN": "svp",
        }
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            *map(str, srcs),
        ]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True, text=True
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfConversionError(
                f"LibreOffice 转换超过 {timeout:g} 秒仍未完成，已终止：{', '.join(s.name for s in srcs[:3])}"
            ) from None
        results = []
        for s in srcs:
            pdf = outdir / f"{s.stem}.pdf"
            if proc.returncode != 0 or not pdf.is_file():
                tail = "\n".join((err or out or "").strip().splitlines()[-5:])
                raise PdfConversionError(
                    f"LibreOffice 未能把 {s.name} 转换为 PDF（退出码 {proc.returncode}）：{tail or '无输出'}"
                )
            target = dest / pdf.name
            shutil.move(str(pdf), target)
            results.append(target)
    return results


def docx_to_pdf(
    source: str | Path, out: str | Path | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Convert one ``.docx`` to PDF; ``out`` is the PDF path (default: beside the source)."""
    src = Path(source)
    target = Path(out) if out else src.with_suffix(".pdf")
    pdf = docx_to_pdf_many([src], target.parent, timeout=timeout)[0]
    if pdf != target.resolve() and pdf != target:
        shutil.move(str(pdf), target)
    return target


def page_texts(pdf: str | Path, timeout: float = 60.0) -> list[str]:
    """The text of each page of ``pdf`` (poppler's ``pdftotext``; empty when it is not installed)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return []
    out = subprocess.run(
        [exe, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, timeout=timeout, check=False
    ).stdout.decode("utf-8", "replace")
    return out.split("\f")


def _squash(text: str) -> str:
    return "".join(text.split())


def heading_pages(pages: Sequence[str], headings: Sequence[str]) -> list[int | None]:
    """The 1-based page of each heading, searched in order after the contents (the contents end on the
    first page that lists the last heading); None when a heading is not found (no number is shown)."""
    squashed = [_squash(p) for p in pages]
    found: list[int | None] = []
    if not headings:
        return found
    last = _squash(headings[-1])[:14]
    toc_end = next((i for i, p in enumerate(squashed) if last in p), None)
    if toc_end is None:
        return [None] * len(headings)
    page = toc_end + 1
    for h in headings:
        key = _squash(h)[:14]
        hit = next((i for i in range(page, len(squashed)) if key in squashed[i]), None)
        found.append(None if hit is None else hit + 1)
        if hit is not None:
            page = hit
    return found
