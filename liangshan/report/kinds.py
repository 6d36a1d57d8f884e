"""The kinds of report and the formats each is made in — one table for the command line
(``liangshan report --kind``) and the web report page (``/report``).

- ``technical``: 情况说明技术报告 (docx, pdf), its 附表 (xlsx) or the briefing deck (pptx),
  :func:`liangshan.report.generate.generate`;
- ``progress``: 年度建设进展报告 of one year (docx, pdf), :func:`liangshan.report.progress.generate_progress`;
- ``review``: 复核资料包 (zip), :func:`liangshan.report.review_package.build_review_package`.
"""

from __future__ import annotations

KIND_LABELS = {"technical": "情况说明技术报告", "progress": "年度建设进展报告", "review": "复核资料包"}
KIND_FORMATS: dict[str, tuple[str, ...]] = {
    "technical": ("docx", "pdf", "xlsx", "pptx"),
    "progress": ("docx", "pdf"),
    "review": ("zip",),
}
FORMAT_LABELS = {
    "docx": "Word",
    "pdf": "PDF",
    "xlsx": "Excel 附表",
    "pptx": "汇报 PPT",
    "zip": "ZIP 压缩包",
}


def format_problem(kind: str, fmt: str) -> str | None:
    """Why ``fmt`` cannot be made for ``kind`` (a Chinese sentence), or None when it can."""
    if kind not in KIND_FORMATS:
        return f"不支持的报告类型：{kind}（可选：{'、'.join(KIND_LABELS.values())}）"
    allowed = KIND_FORMATS[kind]
    if fmt not in allowed:
        return f"{KIND_LABELS[kind]}的格式只能是 {'、'.join(allowed)}（收到：{fmt or '无'}）"
    return None
