"""The 典型案例 library (``cases.yaml``): typical cases of “两山” conversion kept by the office."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from liangshan.catalog import load_catalog
from liangshan.report.measures import LibraryError

DEFAULT_CASES = Path(__file__).with_name("cases.yaml")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(_Frozen):
    name: str
    value: str
    unit: str = ""
    source: str = ""


class Case(_Frozen):
    id: str
    region: str
    title: str
    label: str = ""
    township: str
    path: str
    summary: str
    practices: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    photos: tuple[str, ...] = ()
    indicators: tuple[int, ...] = ()
    units: tuple[str, ...] = ()


class CaseLibrary(_Frozen):
    version: str
    cases: tuple[Case, ...] = ()

    def for_region(self, code: str) -> list[Case]:
        """The region's cases in file order."""
        return [c for c in self.cases if c.region == code]


_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”]"
_FOLD = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def _unfold(text: str) -> str:
    """Drop white space between two Chinese characters (left by folded YAML lines)."""
    return _FOLD.sub("", text).strip()


@lru_cache(maxsize=8)
def _load(path: str) -> CaseLibrary:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except OSError as e:
        raise LibraryError(f"无法读取案例库 {path}：{e.strerror}") from None
    except yaml.YAMLError as e:
        raise LibraryError(f"案例库 {path} 不是有效的 YAML：{e}") from None
    try:
        lib = CaseLibrary.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise LibraryError(f"案例库 {path} 第 {loc} 项有误：{first['msg']}") from None
    ids = [c.id for c in lib.cases]
    known = {i.id for i in load_catalog().indicators}
    base = Path(path).parent
    for c in lib.cases:
        if ids.count(c.id) > 1:
            raise LibraryError(f"案例库 {path}：案例编号 {c.id} 重复")
        bad = [i for i in c.indicators if i not in known]
        if bad:
            raise LibraryError(f"案例库 {path}：案例 {c.id} 关联了不存在的指标序号 {bad}")
        for photo in c.photos:
            p = Path(photo) if Path(photo).is_absolute() else base / photo
            if not p.is_file():
                raise LibraryError(f"案例库 {path}：案例 {c.id} 的照片不存在：{p}")
    # photos resolved against the library's folder so the writers can open them from anywhere; folded
    # YAML lines leave a space between Chinese characters: removed
    resolved = tuple(
        c.model_copy(
            update={
                "photos": tuple(str((base / p).resolve()) for p in c.photos),
                "title": _unfold(c.title),
                "summary": _unfold(c.summary),
                "practices": tuple(_unfold(x) for x in c.practices),
            }
        )
        for c in lib.cases
    )
    return lib.model_copy(update={"cases": resolved})


def load_cases(path: str | Path | None = None) -> CaseLibrary:
    """Read and check a case library (default: the bundled ``cases.yaml`` with 3 示例 cases)."""
    return _load(str(Path(path) if path else DEFAULT_CASES))
