"""Numbers on the dashboard and the indicator page: each data element's value with the catalog's
``decimals`` (else a count whole, money to 2 decimals), each indicator value with the indicator's
``precision``."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from websupport import Site

from liangshan.catalog import load_catalog
from liangshan.store.db import session_scope
from liangshan.store.submissions import submit_value, transition

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"


def test_catalog_declares_decimals_of_areas() -> None:
    cat = load_catalog()
    assert cat.element("forest_area_km2").decimals == 2 and cat.element("farmland_e_area").decimals == 2
    assert cat.element("fiscal_revenue").decimals is None  # money: 2 by its unit


def test_indicator_page_and_dashboard_use_the_catalog_precision(site: Site, client_for: Clients) -> None:
    with session_scope(site.url) as s:
        for item, value in (
            ("forest_area_km2", 2345.6789),
            ("grass_area_km2", 100.0),
            ("land_area_km2", 4004.1),
        ):
            sub = submit_value(s, region=R, item=item, year=2024, value=value, user="u12")
            transition(s, sub.id, "approve", "office")
    c, _ = client_for("office")
    page = c.get(f"/indicator/7?region={R}").text
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    assert "2,345.68" in cells and "100.00" in cells and "4,004.10" in cells, cells
    assert "2,345.6789" not in page
    share = (2345.6789 + 100.0) / 4004.1 * 100  # indicator 7: precision 1
    assert f"{share:.1f} %" in page
    dash = c.get(f"/dashboard?region={R}").text
    row = dash[dash.index('id="ind-7"') :]
    row = row[: row.index("</tr>")]
    assert re.search(rf'<td class="num">{share:.1f}(<br>|</td>)', row), row
