"""Acceptance of the calculator specs (liangshan.services.calculators): one spec per calculator, from which
the CLI, the web upload and the demo are built — so the same file gives the same provenance whichever
face ran it; every spec feeds catalog data elements; the web never imports the CLI."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

import liangshan
from liangshan.catalog import load_catalog
from liangshan.cli import app as cli
from liangshan.demo.build import seed_site
from liangshan.services.calculators import SPECS, for_item
from liangshan.services.calculators import standards_cited as sc
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import Submission
from liangshan.web.app import create_app

sys.path.insert(0, str(Path(__file__).parent / "web"))
from websupport import login, pw_hash

R = "411224"
runner = CliRunner()


# ------------------------------------------------------------------------------------------- the specs
def test_every_spec_feeds_catalog_elements_and_is_offered() -> None:
    cat = load_catalog()
    codes = {e.code for e in cat.data_elements}
    assert len(SPECS) >= 11
    for spec in SPECS.values():
        assert spec.elements and set(spec.elements) <= codes, spec.key
        assert spec.standards and all(spec.standards), spec.key
        assert any(spec in for_item(code) for code in spec.elements), spec.key
        keys = [p.key for p in spec.params]
        assert len(keys) == len(set(keys)), spec.key
        for p in spec.params:
            assert p.kind in ("int", "float", "choice", "text", "bool"), (spec.key, p.key)
            assert p.kind != "choice" or p.default in {v for v, _ in p.choices}, (spec.key, p.key)
    for new in ("soil-farmland", "soil-plots", "species", "redline"):
        assert SPECS[new] in for_item(SPECS[new].elements[0])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_web_and_services_import_nothing_from_the_cli() -> None:
    root = Path(liangshan.__file__).parent
    for folder in ("web", "services"):
        files = sorted((root / folder).rglob("*.py"))
        assert files
        for f in files:
            bad = {m for m in _imports(f) if m == "liangshan.cli" or m.startswith("liangshan.cli.")}
            assert not bad, f"{f.relative_to(root)} imports {sorted(bad)}"


def _literal_standards(path: Path) -> list[int]:
    """Lines where a ``standard=`` keyword is given a string literal (or an f-string)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        kw.value.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "standard" and isinstance(kw.value, ast.Constant | ast.JoinedStr)
    ]


def test_faces_spell_no_standard_and_the_drift_is_gone() -> None:
    """The CLI, web, demo and batch take every standard text from the specs (standards_cited)."""
    root = Path(liangshan.__file__).parent
    for folder in ("cli", "web", "demo", "batch"):
        for f in sorted((root / folder).rglob("*.py")):
            assert not _literal_standards(f), (
                f"{f.relative_to(root)} spells a standard: {_literal_standards(f)}"
            )
    drift = (
        "环办土壤函〔2023〕7号（公式口径 UNVERIFIED）",  # the plots document without its docs reference
        "HJ 623-2011（物种丰富度口径；",
        "SPEC §I 推荐做法（UNVERIFIED）",  # an old spelling that must not come back
        "《陆地生态系统生产总值（GEP）核算技术指南》(2020)",
    )
    for f in root.rglob("*.py"):
        body = f.read_text(encoding="utf-8")
        assert not [d for d in drift if d in body], f.relative_to(root)
    assert sc.SOIL_PLOTS.startswith("环办土壤函〔2023〕7号（公式口径 UNVERIFIED，见 docs/ecology.md）")


# ------------------------------------------------------------------------- the same provenance, 3 faces
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo hooks' output and the raw files they wrote (the input for the CLI and the web)."""
    from liangshan.demo import air, eco, water

    work = tmp_path_factory.mktemp("demo")
    return {
        "work": work,
        "air": air.compute_demo(work / "air"),
        "air_file": work / "air" / air.FILE_NAME,
        "water": water.compute_demo(work / "water"),
        "water_file": work / "water" / water.FILE_NAME,
        "eco": eco.compute_demo(work),
    }


@pytest.fixture
def web(sqlite_db: str, tmp_path: Path) -> Iterator[tuple[str, TestClient, str]]:
    seed_site(sqlite_db, pw_hash(), values=False)
    app = create_app(sqlite_db, tmp_path / "files", secret_key="k" * 40)
    with TestClient(app, base_url="http://testserver") as c:
        yield sqlite_db, c, login(c, "u01")  # 市生态环境局卢氏分局: air, water, survey


def _provenance(url: str, item: str, year: int) -> dict[str, Any]:
    with session_scope(url) as s:
        subs = s.scalars(
            select(Submission).where(Submission.item_code == item, Submission.year == year)
        ).all()
        assert len(subs) == 1, (item, year, len(subs))
        prov = dict(subs[0].provenance or {})
    dispose_engines()
    return prov


def _cli(tmp_path: Path, args: list[str], item: str, year: int) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    seed_site(url, pw_hash(), values=False)
    res = runner.invoke(cli, [*args, "--to-indicator", "--region", R, "--db", url])
    assert res.exit_code == 0, res.output
    return _provenance(url, item, year)


def _web(web: tuple[str, TestClient, str], item: str, calc: str, files: dict[str, Path], at_year: int,
         **form: Any) -> dict[str, Any]:  # fmt: skip
    url, c, token = web
    up = {f"file_{k}": (p.name, p.read_bytes(), "application/octet-stream") for k, p in files.items()}
    data = {"region": R, "calc": calc, **{k: str(v) for k, v in form.items()}}
    r = c.post(f"/api/calc/{item}", data=data, files=up, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["can_confirm"], plan
    done = c.post("/api/calc/confirm", json={"token": plan["token"], "action": "submit"},
                  headers={"X-CSRF-Token": token})  # fmt: skip
    assert done.status_code == 201, done.text
    return _provenance(url, item, at_year)


def _demo(results: list[Any], item: str, year: int) -> dict[str, Any]:
    (cv,) = [r for r in results if r.year == year and item in r.values]
    prov: dict[str, Any] = cv.provenance.to_json()
    return prov


def test_survey_provenance_identical_from_cli_web_and_demo(
    demo: dict[str, Any], web: Any, tmp_path: Path
) -> None:
    from liangshan.demo.eco import POPULATION

    eco_dir = demo["work"] / "eco"
    responses, weights = eco_dir / "survey_2024_示例数据.csv", eco_dir / "survey_weights_示例数据.csv"
    from_demo = _demo(demo["eco"], "survey_satisfied", 2024)
    from_cli = _cli(
        tmp_path,
        [
            "survey",
            str(responses),
            "--weights",
            str(weights),
            "--population",
            str(POPULATION),
            "--year",
            "2024",
        ],
        "survey_satisfied",
        2024,
    )
    from_web = _web(web, "survey_satisfied", "survey", {"responses": responses, "weights": weights}, 2024,
                    year=2024, population=POPULATION)  # fmt: skip
    assert from_cli == from_web == from_demo
    assert from_demo["standard"] == sc.SURVEY and [i["name"] for i in from_demo["inputs"]] == [
        responses.name,
        weights.name,
    ]


def test_air_provenance_identical_from_cli_web_and_demo(
    demo: dict[str, Any], web: Any, tmp_path: Path
) -> None:
    path = demo["air_file"]
    from_demo = _demo(demo["air"], "air_good_days", 2024)
    from_cli = _cli(tmp_path, ["air", "good-days", str(path)], "air_good_days", 2024)
    from_web = _web(web, "air_good_days", "air", {"hourly": path}, 2024)
    assert from_cli == from_web == from_demo
    assert from_demo["standard"] == "HJ633-2012; HJ663-2013; GB3095-2012"


def test_water_sections_provenance_identical_from_cli_web_and_demo(
    demo: dict[str, Any], web: Any, tmp_path: Path
) -> None:
    path = demo["water_file"]
    args = ["water", "sections", str(path), "--year", "2024"]
    from_cli = _cli(tmp_path, args, "sw_sections_good", 2024)
    from_web = _web(web, "sw_sections_good", "water-sections", {"results": path}, 2024, year=2024)
    assert from_cli == from_web
    # the demo records the three water specs in one value set per year, each spec's provenance whole
    combined = _demo(demo["water"], "sw_sections_good", 2024)
    part = combined["components"]["surface_water"]
    assert part == {
        "calculator": from_cli["calculator"],
        "standard": from_cli["standard"],
        "parameters": from_cli["parameters"],
        **from_cli["components"],
    }
    assert combined["inputs"] == from_cli["inputs"] and from_cli["standard"] == sc.SURFACE_WATER


def test_water_specs_cite_what_the_standard_modules_record(demo: dict[str, Any]) -> None:
    from liangshan.services.calculators import water

    for spec in water.SPECS:
        (cv,) = spec.compute({"results": demo["water_file"]}, {"year": 2024}, R).results
        assert cv.provenance.standard == "; ".join(spec.standards), spec.key
        assert set(cv.values) == set(spec.elements), spec.key
