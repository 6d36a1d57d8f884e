"""Errors and warnings of the air-quality calculators."""

from __future__ import annotations

from liangshan.standards.errors import FaceMessage, face_text


class AirInputError(FaceMessage, ValueError):
    """Bad air-quality input: names the file, the 1-based row (header = row 1) and the column when known."""

    def __init__(
        self, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        where = []
        if file is not None:
            where.append(f"文件 {file}")
        if row is not None:
            where.append(f"第 {row} 行")
        if column is not None:
            where.append(f"列 {column}")
        self.template = ("，".join(where) + "：" if where else "") + message  # may hold FACE_HINTS
        super().__init__(face_text(self.template))
        self.file, self.row, self.column = file, row, column


class AQIWarning(UserWarning):
    """A value was reported by a special rule: above the top breakpoint (爆表, 500) or SO2/O3 > 800."""
