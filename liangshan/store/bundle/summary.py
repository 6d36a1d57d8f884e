"""What an export or an import did, for the command's output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExportSummary:
    path: str
    bundle_id: str
    instance: str
    region: str
    exported_at: str | None
    counts: dict[str, int]
    files: int
    size: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do).

    Every submission record of the bundle lands in exactly one of ``added`` (a new approved version),
    ``conflicts`` (a new version awaiting the office, the local value kept in force), ``unchanged``
    and ``stale`` (an older source version than one already imported).
    """

    path: str
    bundle_id: str
    instance: str
    region: str
    exported_at: str | None
    alembic_revision: str
    dry_run: bool = False
    added: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)
    evidence_added: int = 0
    files_written: int = 0
    contributions_added: int = 0
    contributions_unchanged: int = 0
    #: the after-naming records: base status (0/1), incidents and rectification steps added
    base_status_added: int = 0
    incidents_added: int = 0
    incident_updates_added: int = 0
    created: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    #: records of the bundle already here (same identity and content), skipped
    present: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.conflicts
            or self.evidence_added
            or self.files_written
            or self.created
            or self.contributions_added
            or self.base_status_added
            or self.incidents_added
            or self.incident_updates_added
        )

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "unchanged": self.unchanged,
            "conflicts": len(self.conflicts),
            "stale": len(self.stale),
            "evidence_added": self.evidence_added,
            "files_written": self.files_written,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "counts": self.counts()}
