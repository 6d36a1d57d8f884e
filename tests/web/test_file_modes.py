"""Uploaded file names lose format characters; the database is created 0600, the evidence folder
0700; the evidence folder of a PostgreSQL database is an absolute path."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from liangshan.config import evidence_root, files_dir
from liangshan.services.uploads import safe_filename
from liangshan.store.db import dispose_engines, migrate, session_scope
from liangshan.store.evidence import store_evidence
from liangshan.web.app import create_app


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize(
    "ch", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u200f", "\ufeff"]
)
def test_format_characters_leave_file_names(ch: str) -> None:
    name = safe_filename(f"报告{ch}fdp.exe.pdf", "pdf")
    assert ch not in name and name == "报告fdp.exe.pdf"


def test_bidi_override_cannot_fake_an_extension() -> None:
    assert safe_filename("照片\u202egnp.exe", "png") == "照片gnp.png"


def test_database_0600_and_evidence_folder_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = tmp_path / "new" / "l.db"
        url = f"sqlite:///{db}"
        migrate(url)
        assert mode(db) == 0o600
        for side in (db.with_name("l.db-wal"), db.with_name("l.db-shm")):
            if side.exists():
                assert mode(side) & 0o077 == 0
        root = evidence_root(url)
        with session_scope(url) as s:
            from liangshan.store.models import Region

            s.add(Region(code="411224", name="卢氏县", level="county"))
            s.flush()
            store_evidence(
                s, root, b"%PDF-1.4\n%%EOF\n", "a.pdf", "application/pdf", region="411224", user="u"
            )
        assert mode(root) == 0o700
        # the web app creating its own folder
        web_root = tmp_path / "webfiles"
        create_app(url, web_root, secret_key="k" * 40)
        assert mode(web_root) == 0o700
        key_root = tmp_path / "keyfiles"
        create_app(url, key_root)  # the session key is kept in the folder, 0600
        assert mode(key_root) == 0o700 and mode(key_root / ".secret_key") == 0o600
    finally:
        os.umask(old)
        dispose_engines()


def test_postgresql_evidence_folder_is_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LIANGSHAN_FILES_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    root = evidence_root("postgresql+psycopg://u@db/liangshan")
    assert root.is_absolute() and not str(root).startswith(str(tmp_path))
    assert root == files_dir() and root.parts[-2:] == ("liangshan", "files")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert evidence_root("postgresql+psycopg://u@db/liangshan") == tmp_path / "xdg" / "liangshan" / "files"
    monkeypatch.setenv("LIANGSHAN_FILES_DIR", "/srv/liangshan/files")
    assert evidence_root("postgresql+psycopg://u@db/liangshan") == Path("/srv/liangshan/files")
