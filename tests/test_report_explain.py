"""The 情况说明 of each indicator (item ``explain:N``) and the report text a provincial reviewer reads.

The demo seeds an approved 情况说明 for every indicator (:mod:`liangshan.demo.explanations`); the report
shows it with its source, analyses every dip with its drivers and marks what is not yet explained
(待责任单位说明). The document text carries no code identifiers, no module paths, no review marks.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from liangshan.catalog import Catalog
from liangshan.cli import app
from liangshan.demo.build import unit_accounts
from liangshan.report.content import EmptyReportError, ReportContent, load_content
from liangshan.report.docx_writer import write_docx
from liangshan.services.explanations import ExplanationError, explain_key, save_explanation
from liangshan.services.permissions import PermissionDenied, actor_for_user
from liangshan.services.values import review
from liangshan.services.workspace import Workspace
from liangshan.store.db import dispose_engines, session_scope

CJK = re.compile(r"[\u4e00-\u9fff]")
CHAPTERS = (
    "一、基本情况",
    "二、创建工作开展情况",
    "三、“两山指数”评估",
    "四、两山转化模式与路径",
    "五、典型案例",
    "六、存在问题与原因分析",
    "七、改进措施",
    "八、下一步工作计划",
    "附表3　佐证材料目录",
    "附表4　计算溯源",
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, copy_demo: Callable[[Path], str]) -> Iterator[str]:
    yield copy_demo(tmp_path_factory.mktemp("explain") / "demo.db")
    dispose_engines()


@pytest.fixture(scope="module")
def content(db: str) -> ReportContent:
    return load_content(db, "411224")


@pytest.fixture(scope="module")
def docx_path(content: ReportContent, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docx(content, tmp_path_factory.mktemp("docx") / "report.docx", charts={})


def _all_text(path: Path) -> str:
    d = Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    for sec in d.sections:
        parts += [p.text for p in sec.footer.paragraphs]
    cp = d.core_properties
    parts += [
        cp.title or "",
        cp.subject or "",
        cp.keywords or "",
        cp.comments or "",
        cp.last_modified_by or "",
    ]
    return "\n".join(parts)


def test_no_code_identifiers_in_the_document(docx_path: Path) -> None:
    text = _all_text(docx_path)
    assert not re.findall(r"[a-z]+_[a-z0-9_]+", text)
    assert not re.findall(r"\b[a-z]+\.[a-z_]+\.[a-z_.]+\b", text)  # module paths
    for word in (
        "UNVERIFIED",
        "liangshan",
        "SPEC",
        "docs/",
        "Open SDG",
        "two_mountains",
        "技术支持：技术支持单位",
    ):
        assert word not in text, word
    assert not re.findall(r"[0-9a-f]{64}", text)  # full hashes only in the bundle's SHA256SUMS


def test_chapters_cover_and_sign_off(docx_path: Path, content: ReportContent) -> None:
    d = Document(str(docx_path))
    heads = [p.text for p in d.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    positions = [heads.index(c) for c in CHAPTERS]
    assert positions == sorted(positions)
    cover = "\n".join(p.text for p in d.paragraphs[:12])
    assert "示例数据" in cover
    texts = [p.text for p in d.paragraphs]
    date = f"{content.report_date.year}年{content.report_date.month}月{content.report_date.day}日"
    i = texts.index(date)
    assert texts[i - 1] == content.compiler  # sign-off before the annexes
    captions = [p.text for p in d.paragraphs if p.style is not None and p.style.name == "Caption"]
    assert captions and all(c.endswith("（示例数据）") for c in captions)


def test_official_font_names(docx_path: Path) -> None:
    with zipfile.ZipFile(docx_path) as z:
        styles = z.read("word/styles.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in styles and 'w:eastAsia="黑体"' in styles
    assert "Noto" not in styles


def test_every_indicator_explained_with_a_named_source(content: ReportContent, docx_path: Path) -> None:
    text = _all_text(docx_path)
    assert len(content.indicators) == 20
    for s in content.indicators:
        assert s.explained, s.id
        e = s.explanations[-1]
        assert len(CJK.findall(e.source + e.work + e.cause)) >= 100, s.id
        assert s.named_source and e.work in text
    assert "卢办〔2023〕16号" in content.indicator(18).named_source
    assert "国家生态文明建设示范区" in content.indicator(16).named_source
    assert (
        "卢办〔2023〕16号" in content.indicator(19).named_source
        or "卢政" in content.indicator(19).named_source
    )


def test_dips_are_analysed_with_drivers(content: ReportContent) -> None:
    water = " ".join(content.indicator(3).analysis)
    assert "2024年为 88.9%，较2023年下降 11.1 个百分点" in water and "低于目标值" in water
    assert "待责任单位说明" not in water  # the unit explained 2024
    comp = content.indicator(15).analysis
    y2024 = next(a for a in comp if a.startswith("2024年"))
    assert "分母增幅大于分子" in y2024 and y2024.endswith("变化原因：待责任单位说明。")
    y2025 = next(a for a in comp if a.startswith("2025年"))
    assert "分子减少、分母增加共同导致比例下降" in y2025 and "转移支付" in y2025
    redline = content.indicator(9).analysis[0]
    assert redline.startswith("2023年") and "低于目标值" in redline


def test_unit_writes_office_returns_and_approves(db: str, catalog: Catalog, tmp_path: Path) -> None:
    ctx = Workspace(db, tmp_path / "files", catalog)
    with session_scope(db) as s:
        finance = actor_for_user(s, unit_accounts(s)["财政局"])
        forestry = actor_for_user(s, unit_accounts(s)["林业局"])
        office = actor_for_user(s, "office")
    data = {"source": "《卢氏县2024年财政决算报告》（测试）第12页", "work": "争取转移支付。"}
    with pytest.raises(PermissionDenied):
        save_explanation(ctx, forestry, region="411224", indicator=15, year=2024, data=data)
    with pytest.raises(ExplanationError):
        save_explanation(ctx, finance, region="411224", indicator=15, year=2024, data={"source": " "})
    out = save_explanation(ctx, finance, region="411224", indicator=15, year=2024, data=data)
    assert out.submission["item"] == explain_key(15) and out.submission["status"] == "submitted"
    review(ctx, office, out.submission["id"], "return", "请写明变化原因")
    fixed = dict(data, cause="转移支付增幅（1.9%）低于财政收入增幅（2.3%）。")
    again = save_explanation(ctx, finance, region="411224", indicator=15, year=2024, data=fixed)
    assert again.submission["version"] == out.submission["version"] + 1
    c = load_content(db, "411224")
    assert "待责任单位说明" in next(a for a in c.indicator(15).analysis if a.startswith("2024年"))
    review(ctx, office, again.submission["id"], "approve")
    c = load_content(db, "411224")
    y2024 = next(a for a in c.indicator(15).analysis if a.startswith("2024年"))
    assert y2024.endswith("变化原因：转移支付增幅（1.9%）低于财政收入增幅（2.3%）。")
    assert any(e.year == 2024 and "财政决算报告" in e.source for e in c.indicator(15).explanations)


def test_no_data_no_report(db: str) -> None:
    with pytest.raises(EmptyReportError, match="没有审核通过的指标数据"):
        load_content(db, "411224", years=[2010, 2011, 2012])
    assert load_content(db, "411224", years=[2010, 2011, 2012], allow_empty=True).counts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf", "--out", "{dir}/r.docx"], "扩展名"),
        (["--out", "{dir}/r.docx", "--region", "411200"], "411200"),
        (["--out", "{dir}/r.docx", "--years", "2010-2012"], "没有审核通过的指标数据"),
        (["--out", "{dir}/a-file.txt/r.docx"], "无法"),
        (["--out", "{dir}/a-folder.docx"], "文件夹"),
    ],
)
def test_cli_bad_input_writes_nothing(db: str, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "a-file.txt").write_text("x")
    (tmp_path / "a-folder.docx").mkdir()
    argv = ["report", "--db", db, *[a.format(dir=tmp_path) for a in args]]
    if "--region" not in argv:
        argv += ["--region", "411224"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a-file.txt", "a-folder.docx"]


def test_appendix_workbook_has_no_software_traces(content: ReportContent, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from liangshan.report.xlsx_writer import write_xlsx

    wb = load_workbook(write_xlsx(content, tmp_path / "附表.xlsx"))
    text = "\n".join(
        str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    for word in ("UNVERIFIED", "liangshan", "SPEC", "two_mountains"):
        assert word not in text, word
    assert "示例数据" in text
