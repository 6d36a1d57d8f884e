"""Errors of the work plan: :class:`ValueError` subclasses with messages a county office can act on."""

from __future__ import annotations

from liangshan.store.errors import NotFoundError, StoreError


class WorkplanError(StoreError):
    """A work-plan request that is refused; nothing was written."""


class WorkplanNotFound(NotFoundError, WorkplanError):
    """A task, item, report, survey… that does not exist (HTTP 404)."""


class PlanFileError(WorkplanError):
    """A bad plan file: names the file and the place in it (e.g. ``tasks[4].subtasks[1].units``)."""

    def __init__(self, message: str, *, file: str, where: str | None = None) -> None:
        prefix = f"文件 {file}" + (f"，{where}" if where else "")
        super().__init__(f"{prefix}：{message}")
        self.file, self.where = file, where


class PlanExistsError(WorkplanError):
    """The region already has a work plan loaded."""


class RateLimited(WorkplanError):
    """Too many public submissions from one client address within the window (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DuplicateResponse(WorkplanError):
    """This device/session has already answered the survey (HTTP 409)."""


class SurveyClosed(WorkplanError):
    """The survey is closed (HTTP 409)."""
