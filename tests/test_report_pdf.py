"""PDF by LibreOffice headless: converted in the test run, pages rendered with pdftoppm, text extracted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from liangshan.demo import manual
from liangshan.report import pdf as pdf_mod
from liangshan.report.generate import generate
from liangshan.report.pdf import PdfConversionError, docx_to_pdf, find_soffice
from liangshan.store.db import dispose_engines


def _need_tools() -> None:
    missing = [t for t in ("pdftoppm",) if shutil.which(t) is None] + ([] if find_soffice() else ["soffice"])
    if missing:
        if os.environ.get("CI"):
            pytest.fail(
                f"缺少 {missing}：CI 须安装 libreoffice-writer-nogui 与 poppler-utils（make sysdeps）"
            )
        pytest.skip(f"未安装 {missing}")


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory, copy_demo: Callable[[Path], str]) -> Iterator[Path]:
    _need_tools()
    folder = tmp_path_factory.mktemp("pdf")
    url = copy_demo(folder / "demo.db")
    yield generate(url, "411224", "pdf", folder / "报告.pdf")
    dispose_engines()


def investment_gap() -> str:
    """The gap sentence of 指标20 in the demo: 3.01 % (smallest share above 3 % at two decimals) of the
    2025 GDP less the 2025 生态环保投入, both from :data:`liangshan.demo.manual.SERIES`."""
    gdp, invest = (manual.SERIES[c][manual.YEARS.index(2025)] for c in ("gdp", "eco_env_investment"))
    assert isinstance(gdp, int) and isinstance(invest, int)
    return f"需再增加 {0.0301 * gdp - invest:,.1f} 万元生态环保投入"


@pytest.mark.slow
def test_pdf_has_chinese_headings(pdf_path: Path) -> None:
    reader = PdfReader(str(pdf_path))
    assert len(reader.pages) > 20
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    for heading in (
        "情况说明技术报告",
        "一、基本情况",
        "二、创建工作开展情况",
        "三、“两山指数”评估",
        "四、两山转化模式与路径",
        "五、典型案例",
        "六、存在问题与原因分析",
        "七、改进措施",
        "八、下一步工作计划",
        "附表1",
        "附表3",
        investment_gap(),
        "数据缺失（统计局）",
    ):
        # LibreOffice spaces CJK from Latin/digits (“附表 1”): compare without white space
        assert re.sub(r"\s+", "", heading) in re.sub(r"\s+", "", text), heading


@pytest.mark.slow
def test_pdf_contents_page_lists_page_numbers(pdf_path: Path) -> None:
    reader = PdfReader(str(pdf_path))
    toc = (reader.pages[1].extract_text() or "") + (reader.pages[2].extract_text() or "")
    entries = re.findall(r"^(.*?)\.{4,}\s*(\d+)\s*$", toc, re.M)
    titles = {re.sub(r"\s+", "", t): int(n) for t, n in entries}
    assert len(entries) >= 20
    # each listed page holds its heading
    for title, page in (
        ("一、基本情况", titles["一、基本情况"]),
        ("八、下一步工作计划", titles["八、下一步工作计划"]),
    ):
        text = re.sub(r"\s+", "", reader.pages[page - 1].extract_text() or "")
        assert title in text, (title, page)
    numbers = [int(n) for _, n in entries]
    assert numbers == sorted(numbers) and numbers[0] > 2


@pytest.mark.slow
def test_pdf_pages_render_to_png(pdf_path: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "4", str(pdf_path), str(tmp_path / "p")],
        check=True,
        timeout=120,
    )
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == 4
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 2000 for p in pngs)


@pytest.mark.slow
def test_pdf_embeds_cjk_fonts(pdf_path: Path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts 不可用")
    out = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in out and "NotoSansCJK" in out


def test_missing_soffice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    src = tmp_path / "a.docx"
    src.write_bytes(b"x")
    monkeypatch.setattr(pdf_mod, "find_soffice", lambda: None)
    with pytest.raises(PdfConversionError, match=r"未找到 LibreOffice（soffice）.*libreoffice-writer-nogui"):
        docx_to_pdf(src)


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    _need_tools()
    with pytest.raises(PdfConversionError, match="待转换的文件不存在"):
        docx_to_pdf(tmp_path / "nope.docx")


def test_timeout_stops_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    src = tmp_path / "a.docx"
    src.write_bytes(b"x")
    monkeypatch.setattr(pdf_mod, "find_soffice", lambda: str(fake))
    with pytest.raises(PdfConversionError, match=r"超过 0\.5 秒"):
        docx_to_pdf(src, timeout=0.5)
