"""Assigning a region another indicator set changes the cached pages' key (the data version): the next
dashboard request after the assignment shows the new set, without waiting for a save."""

from __future__ import annotations

import time

from typer.testing import CliRunner
from websupport import Site

from liangshan.catalog import load_catalog
from liangshan.cli import app as cli_app
from liangshan.services.catalogs import set_region_catalog
from liangshan.services.permissions import actor_for_user
from liangshan.services.workspace import Workspace

R = "411224"


def rows(page: str) -> int:
    return page.count('<tr id="ind-')


def test_set_assigned_through_the_cli_shows_on_the_next_dashboard(site: Site, client_for) -> None:
    office, _ = client_for("office")
    assert rows(office.get(f"/dashboard?region={R}").text) == 20  # now cached under the old key
    res = CliRunner().invoke(cli_app, ["region", "set-catalog", R, "henan_variant", "--db", site.url])
    assert res.exit_code == 0, res.output
    time.sleep(0.6)  # another process's writes are seen within 0.5 s
    page = office.get(f"/dashboard?region={R}").text
    assert rows(page) == 21 and "农村生活污水治理率" in page
    res = CliRunner().invoke(cli_app, ["region", "set-catalog", R, "two_mountains", "--db", site.url])
    assert res.exit_code == 0, res.output
    time.sleep(0.6)
    assert rows(office.get(f"/dashboard?region={R}").text) == 20


def test_set_assigned_through_the_service_shows_on_the_next_dashboard(site: Site, client_for) -> None:
    office, _ = client_for("office")
    assert rows(office.get(f"/dashboard?region={R}").text) == 20
    ws = Workspace(site.url, site.files, load_catalog())
    with ws.read() as s:
        actor = actor_for_user(s, "office")
    set_region_catalog(ws, actor, R, "henan_variant")
    time.sleep(0.6)
    assert rows(office.get(f"/dashboard?region={R}").text) == 21
