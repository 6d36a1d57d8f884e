"""The 情况说明技术报告 of the 两山指数 self-assessment: content model, gaps, measures, cases, writers.

``content`` builds a format-independent model from an assessment and the store; ``gaps`` states each
indicator's gap in its own units; ``measures.yaml``/``cases.yaml`` are the office's editable libraries;
``charts``, ``docx_writer``, ``pdf``, ``xlsx_writer`` and ``pptx_writer`` lay the model out; ``generate``
is the one call the CLI and the web job use.
"""
