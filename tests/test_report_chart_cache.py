"""Report charts are drawn once per content version and cached; matplotlib is imported only to draw."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from liangshan.report import charts
from liangshan.report.content import load_content
from liangshan.report.generate import generate
from liangshan.store.db import dispose_engines


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, copy_demo: Callable[[Path], str]) -> Iterator[str]:
    yield copy_demo(tmp_path_factory.mktemp("charts") / "sample.db")
    dispose_engines()


def media(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def test_second_report_build_draws_no_chart(
    sample_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[int] = []
    real = charts._png
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(1) or real(fig))
    cache = tmp_path / "cache"
    first = generate(sample_db, "411224", "docx", tmp_path / "a.docx", chart_cache=cache)
    n_charts = len(drawn)
    assert n_charts == 21  # the summary and one trend per indicator
    assert len(list(cache.glob("*.png"))) == n_charts
    second = generate(sample_db, "411224", "docx", tmp_path / "b.docx", chart_cache=cache)
    assert len(drawn) == n_charts  # nothing drawn the second time
    assert media(first) == media(second) and media(first)
    generate(sample_db, "411224", "pptx", tmp_path / "c.pptx", chart_cache=cache)
    assert len(drawn) == n_charts  # the deck's summary chart is the same chart


def test_cache_key_follows_the_data(sample_db: str, tmp_path: Path) -> None:
    content = load_content(sample_db, "411224")
    section = content.indicators[0]
    key = charts.chart_key("trend", charts.trend_data(section), (15.0, 6.0))
    assert key == charts.chart_key("trend", charts.trend_data(section), (15.0, 6.0))
    changed = charts.trend_data(section)
    changed["rows"][-1][1] = 12.3  # another value in the last year: another chart
    assert charts.chart_key("trend", changed, (15.0, 6.0)) != key
    assert charts.chart_key("trend", charts.trend_data(section), (16.0, 6.0)) != key
    got = charts.cached_charts(content, tmp_path)
    assert got == charts.all_charts(content)  # cached bytes are the drawn bytes


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = (
        "import sys\n"
        "import liangshan.report.generate, liangshan.report.docx_writer, liangshan.report.pptx_writer\n"
        "import liangshan.report.charts\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
