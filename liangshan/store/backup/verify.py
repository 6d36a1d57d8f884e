"""Reading an archive and checking everything in it (every member, row and evidence file)."""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import JSON

from liangshan.store.backup.archive import CHUNK, FORMAT, FORMAT_VERSION, MANIFEST, BackupError
from liangshan.store.backup.encode import CELL_TYPES, decode_cell


def _open_archive(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path.name}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise BackupError(f"不是有效的备份文件（ZIP 无法读取：{e}）；未写入任何内容") from None
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        zf.close()
        raise BackupError("备份文件缺少 manifest.json；未写入任何内容") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as e:
        zf.close()
        raise BackupError(f"备份文件的 manifest.json 已损坏（{e}）；未写入任何内容") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        zf.close()
        raise BackupError("不是 liangshan 备份文件（manifest 格式不符）；未写入任何内容")
    if manifest.get("format_version") != FORMAT_VERSION:
        zf.close()
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 不受本程序支持（支持 {FORMAT_VERSION}）；"
            "未写入任何内容"
        )
    return zf, manifest


def _rows(zf: zipfile.ZipFile, member: str) -> Iterator[list[Any]]:
    with zf.open(member) as fh:
        for n, line in enumerate(fh, start=1):
            try:
                row = json.loads(line)
            except ValueError:
                raise BackupError(f"{member} 第 {n} 行不是有效的 JSON；未写入任何内容") from None
            if not isinstance(row, list):
                raise BackupError(f"{member} 第 {n} 行应为数组；未写入任何内容")
            yield row


def decoded_rows(zf: zipfile.ZipFile, spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of one archived table as ``{column: value}``, every cell decoded and checked."""
    names = [c for c, _ in spec["columns"]]
    kinds = [k for _, k in spec["columns"]]
    for n, row in enumerate(_rows(zf, spec["member"]), start=1):
        if len(row) != len(names):
            raise BackupError(f"{spec['member']} 第 {n} 行有 {len(row)} 列，应为 {len(names)} 列")
        out = {}
        for name, kind, v in zip(names, kinds, row, strict=True):
            try:
                out[name] = decode_cell(kind, v)
            except (TypeError, ValueError) as e:
                raise BackupError(
                    f"{spec['name']} 第 {n} 行 {name} 列的值无效（{e}）；未写入任何内容"
                ) from None
        yield out


def _check_spec(spec: Any, members: dict[str, Any]) -> None:
    ok = (
        isinstance(spec, dict)
        and isinstance(spec.get("name"), str)
        and spec["name"].isidentifier()
        and spec.get("member") in members
        and isinstance(spec.get("rows"), int)
        and isinstance(spec.get("columns"), list)
        and all(
            isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and c[1] in CELL_TYPES
            for c in spec["columns"]
        )
    )
    if not ok:
        raise BackupError("manifest.json 中的表说明不完整或无效；未写入任何内容")


INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def _nonfinite(v: Any) -> str | None:
    """The first non-finite number inside a JSON value, written as JSON would (``Infinity`` …)."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            found = _nonfinite(x)
            if found:
                return found
    return None


def _has_nul(v: Any) -> bool:
    if isinstance(v, str):
        return "\x00" in v
    if isinstance(v, dict):
        return any(_has_nul(k) or _has_nul(x) for k, x in v.items())
    if isinstance(v, list):
        return any(_has_nul(x) for x in v)
    return False


def target_problem(kind: str, value: Any, target: str | None) -> str | None:
    """Why the database ``target`` (``postgresql``, ``sqlite``; None: the strictest of both) would
    reject an archived cell, or None. Non-finite numbers in JSON are rejected everywhere (they are not
    JSON, and this program's JSON writer refuses them); NUL characters and integers outside 32 bits by
    PostgreSQL (its ``text`` and ``integer``); integers outside 64 bits by SQLite."""
    pg = target in (None, "postgresql")
    if value is None or value is JSON.NULL:
        return None
    if kind == "json":
        bad = _nonfinite(value)
        if bad:
            return (
                f"JSON 中含非有限数值（{bad}），不是合法 JSON，数据库会拒绝"
                "（旧版本写入的审计记录或来源信息：在原数据库运行 liangshan migrate 即可修复，然后重新备份）"
            )
        if pg and _has_nul(value):
            return "JSON 中含 NUL 字符（\\u0000），PostgreSQL 会拒绝"
    elif kind == "str" and pg and "\x00" in value:
        return "文本含 NUL 字符（\\0），PostgreSQL 会拒绝"
    elif kind == "int" and isinstance(value, int):
        lo, hi = INT32 if pg else INT64
        if not lo <= value <= hi:
            return f"整数 {value} 超出{'PostgreSQL integer' if pg else 'SQLite'} 的范围（{lo}～{hi}）"
    return None


def verify_archive(path: str | Path, target: str | None = None) -> dict[str, Any]:
    """Check everything in the archive (sha256 and size of every member, rows and their types, row
    counts, evidence present, and every cell against what the target database accepts —
    :func:`target_problem`; ``target`` None checks for both PostgreSQL and SQLite); returns the manifest.
    Raises :class:`BackupError` on any damage or refused cell, naming the table, row and column."""
    zf, manifest = _open_archive(Path(path))
    with zf:
        members = manifest.get("members")
        tables = manifest.get("tables")
        revision = manifest.get("alembic_revision")
        evidence = manifest.get("evidence")
        if (
            not isinstance(members, dict)
            or not isinstance(tables, list)
            or not isinstance(revision, list)
            or not all(isinstance(r, str) for r in revision)
            or not isinstance(evidence, dict)
            or not isinstance(manifest.get("created_at"), str)
        ):
            raise BackupError("manifest.json 缺少或写错了必需的项；未写入任何内容")
        present = set(zf.namelist()) - {MANIFEST}
        if present != set(members):
            missing, extra = sorted(set(members) - present), sorted(present - set(members))
            raise BackupError(
                f"备份文件内容与 manifest 不符（缺少 {missing[:3]}，多出 {extra[:3]}）；未写入任何内容"
            )
        for name, meta in sorted(members.items()):
            sha, size = hashlib.sha256(), 0
            try:
                with zf.open(name) as fh:
                    while chunk := fh.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
                raise BackupError(f"备份文件已损坏：{name} 无法读取（{e}）；未写入任何内容") from None
            if sha.hexdigest() != meta.get("sha256") or size != meta.get("size"):
                raise BackupError(f"备份文件已损坏：{name} 的 sha256 或大小与 manifest 不符；未写入任何内容")
            if name.startswith("evidence/") and name.removeprefix("evidence/") != sha.hexdigest():
                raise BackupError(f"备份文件已损坏：{name} 的内容与其 sha256 不符；未写入任何内容")
        shas: set[str] = set()
        for spec in tables:
            _check_spec(spec, members)
            n = 0
            sha_col = next((i for i, (c, _) in enumerate(spec["columns"]) if c == "sha256"), None)
            kinds = [(c, k) for c, k in spec["columns"] if k in ("json", "str", "int")]
            for row in decoded_rows(zf, spec):
                n += 1
                for col, kind in kinds:
                    problem = target_problem(kind, row[col], target)
                    if problem:
                        key = f"（id={row['id']}）" if "id" in row else ""
                        raise BackupError(
                            f"表 {spec['name']} 第 {n} 行{key} 列 {col}：{problem}；未写入任何内容"
                        )
                if spec["name"] == "evidence" and sha_col is not None:
                    shas.add(row["sha256"])
            if n != spec.get("rows"):
                raise BackupError(
                    f"表 {spec['name']} 有 {n} 行，manifest 记为 {spec.get('rows')} 行；未写入任何内容"
                )
        missing = sorted(s for s in shas if f"evidence/{s}" not in members)
        if missing:
            raise BackupError(f"备份缺少佐证文件 sha256 {missing[0]} 等 {len(missing)} 个；未写入任何内容")
    return manifest
