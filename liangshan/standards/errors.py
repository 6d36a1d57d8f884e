"""The input error shared by the calculators: it names the file, the row and the column.

A message may tell the user how to name the file's columns. The command line does it with the option
``--columns``, the web's upload form with its 列名映射 field, and some readers (the values import) offer
no mapping at all; so such a message carries placeholders (:data:`FACE_HINTS`) and each face renders its
own words (:meth:`FaceMessage.text`). ``str(error)`` is the command line's text.
"""

from __future__ import annotations

#: placeholder → its words on each face: ``cli`` (the command line), ``web`` (the upload form), ``plain``
#: (a reader without a column mapping)
FACE_HINTS: dict[str, dict[str, str]] = {
    "{columns_option}": {"cli": "--columns", "web": "“列名映射”", "plain": "列名映射"},
    "{or_columns}": {
        "cli": "（或用 --columns 指定）",
        "web": "（或在上传表单的“列名映射”中指定列名）",
        "plain": "",
    },
    "{see_formats}": {
        "cli": "，见 docs/data-formats.md；或用 --columns 指定",
        "web": "；或在上传表单的“列名映射”中指定列名",
        "plain": "",
    },
}
FACES = ("cli", "web", "plain")


def face_text(template: str, face: str = "cli") -> str:
    """``template`` with its :data:`FACE_HINTS` placeholders in the words of ``face``."""
    if face not in FACES:
        raise ValueError(f"unknown face {face!r}")
    for key, words in FACE_HINTS.items():
        template = template.replace(key, words[face])
    return template


class FaceMessage:
    """An error whose message may hold :data:`FACE_HINTS` placeholders (``template``)."""

    template: str = ""

    def text(self, face: str = "cli") -> str:
        """The message as ``face`` shows it (``str(error)`` is the ``cli`` text)."""
        return face_text(self.template, face)


def message_for(exc: BaseException, face: str) -> str:
    """The message of any error as ``face`` shows it."""
    return exc.text(face) if isinstance(exc, FaceMessage) else str(exc)


def located(message: str, file: str | None, row: int | None, column: str | None) -> str:
    """``文件 a.csv，第 3 行，列 PM2.5：message`` (the parts known)."""
    where = []
    if file:
        where.append(f"文件 {file}")
    if row is not None:
        where.append(f"第 {row} 行")
    if column:
        where.append(f"列 {column}")
    prefix = "，".join(where)
    return f"{prefix}：{message}" if prefix else message


class InputError(FaceMessage, ValueError):
    """Bad input: names the file, the 1-based data row (header = row 1) and the column."""

    def __init__(
        self, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        self.template = located(message, file, row, column)
        super().__init__(face_text(self.template))
        self.file, self.row, self.column = file, row, column
