"""The input error shared by the calculators: it names the file, the row and the column."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: names the file, the 1-based data row (header = row 1) and the column."""

    def __init__(
        self, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        where = []
        if file:
            where.append(f"文件 {file}")
        if row is not None:
            where.append(f"第 {row} 行")
        if column:
            where.append(f"列 {column}")
        prefix = "，".join(where)
        super().__init__(f"{prefix}：{message}" if prefix else message)
        self.file, self.row, self.column = file, row, column
