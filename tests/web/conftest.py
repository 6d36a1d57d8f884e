"""Fixtures of the web tests: a seeded site, the app, logged-in TestClients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from websupport import Site, login, make_site

from liangshan.web.app import create_app


@pytest.fixture
def site(sqlite_db: str, tmp_path: Path) -> Site:
    return make_site(sqlite_db, tmp_path)


@pytest.fixture
def app(site: Site) -> FastAPI:
    return create_app(site.url, site.files, secret_key="k" * 40)


@pytest.fixture
def client_for(app: FastAPI) -> Iterator[Callable[[str], tuple[TestClient, str]]]:
    clients: list[TestClient] = []

    def make(username: str) -> tuple[TestClient, str]:
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        return c, login(c, username)

    yield make
    for c in clients:
        c.close()
