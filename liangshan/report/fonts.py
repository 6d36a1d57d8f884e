"""Fonts of the report, in the conventions of Chinese government documents (GB/T 9704-2012).

GB/T 9704-2012 sets the title in 2号小标宋, first-level headings in 3号黑体, second-level in 3号楷体 and
body text in 3号仿宋 (仿宋_GB2312). These fonts are rarely installed on a Linux server; each role has a
preference list and :meth:`FontSet.detect` takes the first installed name, falling back to Noto Serif /
Sans CJK SC (``fonts-noto-cjk``). :meth:`FontSet.official` always writes the official names (for a
document opened in Word on a machine that has them); :mod:`liangshan.report.pdf` then maps them to
Noto for LibreOffice through a private fontconfig file.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

PREFERENCES: dict[str, tuple[str, ...]] = {
    "title": ("方正小标宋简体", "方正小标宋_GBK", "华文中宋", "Noto Serif CJK SC"),
    "heading1": ("黑体", "SimHei", "Noto Sans CJK SC"),
    "heading2": ("楷体_GB2312", "楷体", "KaiTi", "Noto Sans CJK SC"),
    "body": ("仿宋_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "table": ("仿宋_GB2312", "仿宋", "FangSong", "Noto Sans CJK SC"),
    "latin": ("Times New Roman", "Liberation Serif", "Noto Serif CJK SC"),
}
# What LibreOffice should render an official name with when it is not installed.
FALLBACK: dict[str, str] = {
    "方正小标宋简体": "Noto Serif CJK SC",
    "方正小标宋_GBK": "Noto Serif CJK SC",
    "华文中宋": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "楷体": "Noto Serif CJK SC",
    "KaiTi": "Noto Serif CJK SC",
    "仿宋_GB2312": "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    "FangSong": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "Times New Roman": "Noto Serif CJK SC",
}


@lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    """Font family names known to fontconfig (empty when ``fc-list`` is not available)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return frozenset()
    out = subprocess.run([exe, ":", "family"], capture_output=True, text=True, timeout=30, check=False).stdout
    names: set[str] = set()
    for line in out.splitlines():
        names.update(n.strip() for n in line.split(",") if n.strip())
    return frozenset(names)


@dataclass(frozen=True)
class FontSet:
    """The font name used for each role (East Asian text; ``latin`` for digits and Latin letters)."""

    title: str
    heading1: str
    heading2: str
    body: str
    table: str
    latin: str

    @classmethod
    def detect(cls) -> FontSet:
        """The first installed font of each role's preference list (Noto CJK when none is)."""
        have = installed_families()
        pick = {role: next((n for n in names if n in have), names[-1]) for role, names in PREFERENCES.items()}
        return cls(**pick)

    @classmethod
    def official(cls) -> FontSet:
        """The GB/T 9704 names, whether installed or not."""
        return cls("方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "仿宋_GB2312", "Times New Roman")

    @property
    def cjk_sans(self) -> str:
        """A sans-serif CJK face for the deck and charts."""
        return self.heading1
