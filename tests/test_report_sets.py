"""The report names its indicator set and version, each indicator's rule basis, and indicator 16's titles;
a region assigned the provincial variant gets the variant's 21 indicators."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from typer.testing import CliRunner

from liangshan.catalog import load_set
from liangshan.cli import app
from liangshan.report.content import load_content
from liangshan.report.docx_writer import write_docx
from liangshan.store.db import session_scope
from liangshan.store.submissions import submit_value, transition

R = "411224"


def _text(doc: DocumentType) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.append("\t".join(c.text for c in row.cells))
    return "\n".join(parts)


def _section(doc: DocumentType, heading: str) -> list[str]:
    """The paragraphs of one indicator section (from its heading to the next level-3 heading)."""
    out, inside = [], False
    for p in doc.paragraphs:
        style = p.style.name if p.style else ""
        if style.startswith("Heading"):
            if inside:
                break
            inside = p.text == heading
        elif inside:
            out.append(p.text)
    return out


def test_report_names_set_rule_basis_and_titles(demo_db: str, tmp_path: Path) -> None:
    content = load_content(demo_db, R)
    base = load_set(None)
    assert (content.catalog_set, content.catalog_edition) == (base.framework, base.version)
    doc = Document(str(write_docx(content, tmp_path / "r.docx")))
    text = _text(doc)
    label = f"《{base.title}》（版本 {base.version}）"
    assert f"指标体系：{label}" in text  # the cover
    assert f"本次评估采用的指标体系为{label}" in text  # 评估依据
    for s in content.indicators:
        body = _section(doc, f"{s.id}．{s.name}")
        basis = [p for p in body if p.startswith("判定依据：")]
        assert len(basis) == 1, (s.id, body[:4])
        assert basis[0].startswith(f"判定依据：{s.rule_basis['label']}。")
        assert s.rule_basis["text"].rstrip("。") in basis[0]
        if s.rule_basis["kind"] == "official":
            assert s.rule_basis["document"] in basis[0]
        else:
            assert "其他可选口径：" in basis[0]
    labels = {s.rule_basis["label"] for s in content.indicators}
    assert labels == {"官方规定", "本系统约定"}
    sixteen = content.indicator(16)
    assert sixteen.titles, "the demo's register holds titles in the evaluation year"
    body = _section(doc, f"16．{sixteen.name}")
    (held,) = [p for p in body if p.startswith("计入的称号：")]
    for t in sixteen.titles:
        assert t["name"] in held and t["awarding_body"] in held and f"{t['year']}年授予" in held
    assert held.endswith(f"（共 {len(sixteen.titles)} 个）。")
    assert not any(p.startswith("计入的称号：") for p in _section(doc, f"1．{content.indicator(1).name}"))


def test_report_of_a_variant_region_names_the_variant(demo_db: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["region", "set-catalog", R, "henan_variant", "--db", demo_db])
    assert res.exit_code == 0, res.output
    with session_scope(demo_db) as s:
        for year, (done, total) in {2023: (280, 352), 2024: (300, 352), 2025: (320, 352)}.items():
            for item, v in (("rural_sewage_villages_treated", done), ("rural_villages_total", total)):
                sub = submit_value(s, region=R, item=item, year=year, value=v, user="office")
                transition(s, sub.id, "approve", "office")
    content = load_content(demo_db, R)
    variant = load_set("henan_variant")
    assert len(content.indicators) == 21 and content.catalog_edition == variant.version
    doc = Document(str(write_docx(content, tmp_path / "v.docx")))
    text = _text(doc)
    assert f"指标体系：《{variant.title}》（版本 {variant.version}）" in text
    assert f"共评估“两山指数”3 个方面、{len(variant.categories)} 类、21 项指标" in text
    body = _section(doc, "21．农村生活污水治理率")
    assert any(p.startswith("判定依据：") for p in body)
    assert any("90.9" in row.cells[1].text for t in doc.tables for row in t.rows[1:] if len(row.cells) > 1)
