"""Module layout: no liangshan module imports a private (``_name``) name from another liangshan module.

A name that starts with one underscore is private to the module that defines it. Helpers shared between
modules are made public in one module instead. A package's ``__init__`` may re-export names of its own
sub-modules; any other exception is listed in :data:`EXCEPTIONS` (to be removed, never added to lightly).
"""

from __future__ import annotations

import ast
from pathlib import Path

import liangshan

ROOT = Path(liangshan.__file__).resolve().parent

#: (importing module, imported module, name) still allowed; owned by other parts of the code base.
EXCEPTIONS: frozenset[tuple[str, str, str]] = frozenset()

#: Packages that must stay entirely free of private imports (no exception may name them).
CLEAN = ("liangshan.store.backup", "liangshan.store.bundle", "liangshan.standards.land_cover")


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    is_init = parts[-1] == "__init__"
    if is_init:
        parts.pop()
    return ".".join(parts), is_init


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """Every ``from liangshan.x import _name`` under ``root`` (except a package re-exporting its own)."""
    found: list[tuple[str, str, str]] = []
    for path in sorted(root.rglob("*.py")):
        module, is_init = _module_name(path, root)
        package = module if is_init else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target != "liangshan" and not target.startswith("liangshan."):
                continue
            for alias in node.names:
                if not _is_private(alias.name):
                    continue
                if is_init and target.startswith(module + "."):
                    continue  # a package re-exporting its own sub-module's name
                found.append((module, target, alias.name))
    return found


def test_finder_sees_private_imports(tmp_path: Path) -> None:
    """The finder itself, on a small tree: absolute and relative imports of private names are found;
    dunders, public names and a package re-exporting its own sub-module's name are not."""
    pkg = tmp_path / "liangshan"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("__version__ = '1'\n")
    (pkg / "a.py").write_text("from liangshan.b import _x, __version__, public\nfrom liangshan import c\n")
    (pkg / "sub" / "__init__.py").write_text("from .mod import _y\nfrom liangshan.b import _z\n")
    (pkg / "sub" / "mod.py").write_text("def f():\n    from ..b import _w\n")
    assert sorted(private_imports(pkg)) == [
        ("liangshan.a", "liangshan.b", "_x"),
        ("liangshan.sub", "liangshan.b", "_z"),
        ("liangshan.sub.mod", "liangshan.b", "_w"),
    ]


def test_no_private_imports_across_modules() -> None:
    found = set(private_imports())
    new = sorted(found - EXCEPTIONS)
    assert not new, "这些模块从别的模块导入了私有名称（请在定义处改为公开名称）：\n" + "\n".join(
        f"{m} ← {t}.{n}" for m, t, n in new
    )


def test_exceptions_are_current_and_clean_packages_have_none() -> None:
    found = set(private_imports())
    stale = sorted(EXCEPTIONS - found)
    assert not stale, "例外清单中这些条目已不存在，请从 EXCEPTIONS 删除：\n" + "\n".join(map(str, stale))
    dirty = [e for e in EXCEPTIONS if any(p == c or p.startswith(c + ".") for p in e[:2] for c in CLEAN)]
    assert not dirty, f"这些包不允许有例外：{dirty}"
