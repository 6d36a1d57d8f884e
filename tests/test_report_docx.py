"""The Word report, its Excel 附表 and the briefing deck of the 卢氏县 demo, checked against the data.

Expected figures are read from the demo's own data (:mod:`liangshan.demo.manual`, the assessment of the
demo database), never pasted: the demo is the only source of figures.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocumentType
from openpyxl import load_workbook
from pptx import Presentation
from typer.testing import CliRunner

from liangshan.assess.values import display_value
from liangshan.catalog import Catalog
from liangshan.cli import app
from liangshan.demo import manual
from liangshan.report.cases import CaseLibrary
from liangshan.report.content import ReportContent, load_content
from liangshan.report.docx_writer import cn_number, write_docx
from liangshan.report.pptx_writer import write_pptx
from liangshan.report.xlsx_writer import write_xlsx
from liangshan.services.assessment import run_assessment
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import Submission

YEARS = (2023, 2024, 2025)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, copy_demo: Callable[[Path], str]) -> Iterator[str]:
    yield copy_demo(tmp_path_factory.mktemp("report") / "demo.db")
    dispose_engines()


def _series(code: str, year: int) -> float:
    """A unit statistic of the demo (:data:`liangshan.demo.manual.SERIES`)."""
    value = manual.SERIES[code][manual.YEARS.index(year)]
    assert isinstance(value, int | float) and not isinstance(value, bool)
    return float(value)


def _approved(url: str, code: str, year: int) -> float:
    """The approved value of an element of 卢氏县 in the demo database (e.g. a calculator's output)."""
    with session_scope(url) as s:
        sub = (
            s.query(Submission)
            .filter_by(region_code="411224", item_code=code, year=year, status="approved")
            .one()
        )
        assert sub.value_num is not None
        return sub.value_num


@pytest.fixture(scope="module")
def content(sample_db: str) -> ReportContent:
    return load_content(sample_db, "411224")


@pytest.fixture(scope="module")
def docx_path(content: ReportContent, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docx(content, tmp_path_factory.mktemp("docx") / "report.docx")


@pytest.fixture(scope="module")
def doc(docx_path: Path) -> DocumentType:
    return Document(str(docx_path))


def _text(doc: DocumentType) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.append("\t".join(c.text for c in row.cells))
    return "\n".join(parts)


def _chapter(doc: DocumentType, start: str, stop: str, level: int = 2) -> list[str]:
    """Heading texts of ``level`` between two level-1 headings."""
    out, inside = [], False
    for p in doc.paragraphs:
        if (p.style.name if p.style else "") == "Heading 1":
            inside = p.text == start
            if p.text == stop:
                break
        elif inside and (p.style.name if p.style else "") == f"Heading {level}":
            out.append(p.text)
    return out


def test_twenty_indicator_sections_in_catalog_order(doc: DocumentType, catalog: Catalog) -> None:
    heads = _chapter(doc, "三、“两山指数”评估", "四、两山转化模式与路径", level=3)
    assert heads == [f"{i.id}．{i.name}" for i in catalog.indicators]
    assert len(heads) == 20


def test_value_tables_hold_the_assessed_values(doc: DocumentType, sample_db: str, catalog: Catalog) -> None:
    a = run_assessment(sample_db, "411224")
    tables = [
        t for t in doc.tables if t.rows[0].cells[0].text == "年份" and t.rows[0].cells[1].text == "指标值"
    ]
    assert len(tables) == 20
    for t, r in zip(tables, a.results, strict=True):
        got = [row.cells[1].text for row in t.rows[1:]]
        assert [row.cells[0].text for row in t.rows[1:]] == [f"{y}年" for y in YEARS]
        for text, yv in zip(got, r.years, strict=True):
            v = display_value(r.indicator, yv)
            if yv.status == "missing":
                assert text.startswith("数据缺失（") and "0" not in text
            elif yv.status == "not_applicable":
                assert text.startswith("不适用")
            elif isinstance(v, bool):
                assert text == ("是" if v else "否")
            else:
                assert float(re.sub(r"[^0-9.]", "", text)) == v


def test_air_table_shows_the_counts(doc: DocumentType, sample_db: str) -> None:
    """Indicator 1 is judged on the approved published figure (official:1) where one exists; the
    table says so instead of showing the recomputed counts."""
    official = _approved(sample_db, "official:1", 2025)
    t = next(t for t in doc.tables if t.rows[0].cells[1].text == "指标值")
    good, valid = _approved(sample_db, "air_good_days", 2025), _approved(sample_db, "air_valid_days", 2025)
    assert t.rows[3].cells[1].text == f"{official:.1f}%"
    assert t.rows[3].cells[3].text == "官方发布值"
    # the recomputation stays beside the published figure
    assert (
        t.rows[3].cells[2].text == f"官方发布值；复算：优良天数 {good:.0f} 天 ÷ 有效监测天数 {valid:.0f} 天"
    )
    assert "领导小组办公室" in t.rows[3].cells[4].text


def test_charts_are_embedded(doc: DocumentType, docx_path: Path, content: ReportContent) -> None:
    photos = sum(len(k.photos) for k in content.cases)
    assert photos == 3  # one 示意图 per demo case
    assert len(doc.inline_shapes) == 21 + photos  # summary + 20 trends + the cases' pictures
    images = [p for p in doc.part.package.parts if p.partname.startswith("/word/media/")]
    assert len(images) == 21 + photos
    assert all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in images)


def investment_needed() -> float:
    """万元 of 生态环保投入 the demo lacks in 2025: the smallest share above 3 % at the indicator's two
    decimals is 3.01 % of the 2025 GDP (:data:`liangshan.demo.manual.SERIES`)."""
    return round(0.0301 * _series("gdp", 2025) - _series("eco_env_investment", 2025), 1)


def test_gap_sentences_for_failing_indicators(doc: DocumentType, sample_db: str) -> None:
    text = _text(doc)
    cover = {r.indicator.id: r for r in run_assessment(sample_db, "411224").results}[7].years[-1].value
    assert isinstance(cover, float)
    assert f"林草覆盖率高于山区目标 {cover - 60:.1f} 个百分点" in text  # 山区 target: > 60 %
    # 生态补偿 share, as the report shows it (one decimal), 2023 and 2025
    share = {
        y: round(100 * _series("eco_compensation_revenue", y) / _series("fiscal_revenue", y), 1)
        for y in YEARS
    }
    assert f"需回升 {share[2023] - share[2025]:.1f} 个百分点（恢复到2023年的 {share[2023]:.1f}%）" in text
    assert f"需再增加 {investment_needed():,.1f} 万元生态环保投入" in text
    problems = _chapter(doc, "六、存在问题与原因分析", "七、改进措施")
    failing = [
        r
        for r in run_assessment(sample_db, "411224").results
        if r.verdict in ("未达标", "基本达标", "数据缺失")
    ]
    assert {r.verdict for r in failing} == {"未达标", "基本达标", "数据缺失"}
    assert problems == [
        f"（{cn_number(n)}）指标{r.indicator.id} {r.indicator.name}（{r.verdict}）"
        for n, r in enumerate(failing, start=1)
    ]


def test_measures_carry_units_and_deadlines(doc: DocumentType) -> None:
    measure_tables = [t for t in doc.tables if t.rows[0].cells[1].text == "完善措施"]
    assert len(measure_tables) == len(
        _chapter(doc, "六、存在问题与原因分析", "七、改进措施")
    )  # one per problem
    missing = [[c.text for c in r.cells] for r in measure_tables[0].rows[1:]]  # 指标11, 数据缺失
    assert missing[0][2] == "统计局" and "补报缺失数据" in missing[0][1]
    green = [[c.text for c in r.cells] for r in measure_tables[1].rows[1:]]  # 指标12, 绿色有机农产品
    assert green[0][2] == "农业农村局" and "林业局" in green[0][3]
    assert green[0][4] == "2026年12月31日" and green[0][5].startswith("四（六）1")
    assert "食用菌" in green[0][1]


def test_missing_value_shows_unit_not_zero(doc: DocumentType) -> None:
    appendix = next(
        t for t in doc.tables if t.rows[0].cells[0].text == "目标" and t.rows[0].cells[3].text == "指标"
    )
    row = next(r for r in appendix.rows[1:] if r.cells[2].text == "11")
    cells = [c.text for c in row.cells]
    assert cells[7] == "数据缺失（统计局）"
    assert cells[8] == "数据缺失"
    completeness = next(t for t in doc.tables if t.rows[0].cells[1].text == "责任单位")
    stats = next(r for r in completeness.rows[1:] if r.cells[1].text == "统计局")
    assert stats.cells[5].text == "1" and "2025年居民人均生态产品产值" in stats.cells[7].text


def test_versions_cover_and_cases(doc: DocumentType, content: ReportContent) -> None:
    text = _text(doc)
    assert "two_mountains" not in text and "liangshan" not in text  # no software traces
    assert "编制日期：2026年3月2日" in text and "技术支持：" not in text  # no support unit given
    assert "五、典型案例" in [
        p.text for p in doc.paragraphs if (p.style.name if p.style else "") == "Heading 1"
    ]
    assert "以香菇为代表的食用菌产业" in text and "（示例）" in text
    assert doc.core_properties.title == content.title


def test_fonts_set_for_east_asian_text(docx_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(docx_path) as z:
        styles = z.read("word/styles.xml").decode()
        body = z.read("word/document.xml").decode()
    assert 'w:eastAsia="zh-CN"' in styles
    assert re.search(r'w:styleId="Heading1".*?w:eastAsia="[^"]+"', styles, re.S)
    assert body.count("w:eastAsia=") > 500  # every run


def test_no_case_chapter_without_cases(sample_db: str, tmp_path: Path) -> None:
    c = load_content(sample_db, "411224", cases=CaseLibrary(version="x", cases=()))
    d = Document(str(write_docx(c, tmp_path / "nocase.docx", charts={})))
    assert "五、典型案例" not in [p.text for p in d.paragraphs]
    assert "五、存在问题与原因分析" in [p.text for p in d.paragraphs]


@pytest.mark.slow
def test_same_data_same_document(
    content: ReportContent, sample_db: str, docx_path: Path, tmp_path: Path
) -> None:
    again = load_content(sample_db, "411224")
    p2 = write_docx(again, tmp_path / "again.docx")
    assert _text(Document(str(p2))) == _text(Document(str(docx_path)))
    assert hashlib.sha256(p2.read_bytes()).hexdigest() == hashlib.sha256(docx_path.read_bytes()).hexdigest()


def test_xlsx_appendix(content: ReportContent, sample_db: str, tmp_path: Path) -> None:
    wb = load_workbook(write_xlsx(content, tmp_path / "a.xlsx"))
    ws = wb["附表1 评估结果"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, max_row=22, values_only=True)}
    invest = {r.indicator.id: r for r in run_assessment(sample_db, "411224").results}[20]  # 生态环保投入
    shown = tuple(round(float(100 * _series("eco_env_investment", y) / _series("gdp", y)), 2) for y in YEARS)
    assert rows[20][6:9] == shown and rows[20][9] == invest.verdict == "未达标"
    assert rows[11][8] == "数据缺失（统计局）" and rows[11][9] == "数据缺失"
    assert rows[6][8] == "不适用（无评价对象）" and rows[6][9] == "不适用"  # the demo has no plot in 2025
    measures = list(wb["问题与措施"].iter_rows(min_row=3, values_only=True))
    assert any(r[0] == 12 and r[6] == "农业农村局" for r in measures)


def test_pptx_figures_match_report(content: ReportContent, doc: DocumentType, tmp_path: Path) -> None:
    prs = Presentation(str(write_pptx(content, tmp_path / "deck.pptx")))
    texts = [
        [sh.text_frame.text for sh in s.shapes if sh.has_text_frame and sh.text_frame.text]
        for s in prs.slides
    ]
    titles = [t[0] for t in texts]
    assert 20 <= len(titles) <= 30
    assert all(str(n) in t for n, t in enumerate(texts, start=1))  # every slide numbered
    assert titles[1] == "基本情况" and "指数一览" in titles
    for title in ("创建工作开展情况：主要任务推进", "两山转化模式与路径", "下一步工作"):
        assert title in titles
    assert sum(t.startswith("分指标情况：") for t in titles) == 10
    assert {"构筑绿水青山（10 项）", "推动“两山”转化（7 项）", "建立长效机制（3 项）"} <= set(titles)
    assert any(t.startswith("典型案例：") for t in titles)
    assert not any("liangshan" in x for t in texts for x in t)
    glance = " ".join(texts[titles.index("指数一览")])
    for verdict, n in content.counts.items():
        assert f"{verdict}　{n} 项" in glance
    # every value on the goal slides equals the report's 附表1
    appendix = next(
        t for t in doc.tables if t.rows[0].cells[0].text == "目标" and t.rows[0].cells[3].text == "指标"
    )
    report = {r.cells[2].text: [c.text for c in r.cells[5:9]] for r in appendix.rows[1:]}
    seen = 0
    for s in prs.slides:
        for sh in s.shapes:
            if sh.has_table and sh.table.cell(0, 0).text == "序号":
                for i in range(1, len(sh.table.rows)):
                    cells = [sh.table.cell(i, j).text for j in range(len(sh.table.columns))]
                    assert cells[3:7] == report[cells[0]]
                    seen += 1
    assert seen == 20


def test_cli_writes_xlsx_and_reports_errors(sample_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "fu.xlsx"
    res = runner.invoke(app, ["report", "--region", "411224", "--out", str(out), "--db", sample_db, "--json"])
    assert res.exit_code == 0, res.output
    assert out.is_file() and json.loads(res.stdout)["format"] == "xlsx"
    res = runner.invoke(
        app, ["report", "--region", "999999", "--out", str(tmp_path / "x.docx"), "--db", sample_db]
    )
    assert res.exit_code == 2 and "未知地区代码：999999" in res.output
    res = runner.invoke(
        app, ["report", "--region", "411224", "--out", str(tmp_path / "x.doc"), "--db", sample_db]
    )
    assert res.exit_code == 2 and "--format 只能是" in res.output
