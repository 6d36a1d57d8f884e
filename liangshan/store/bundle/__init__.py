"""Mergeable deployments: a region's approved values as one bundle file that another instance imports.

A county runs its own instance (SQLite); the province runs one on PostgreSQL and merges the
counties' bundles. (Not to be confused with :mod:`liangshan.workplan.bundle`, the checklist ZIP.)

Bundle format 1 — a ZIP with deterministic bytes (fixed member times and attributes, members in a
fixed order, canonical JSON: sorted keys, no spaces, UTF-8):

- ``manifest.json``: ``format``, ``format_version``, ``bundle_id``, ``instance`` (the source
  instance id), ``region``, ``alembic_revision``, ``catalog_version``, ``exported_at``,
  ``records_sha256``, ``counts`` and ``files`` (``{member: {sha256, size}}``).
- ``records.jsonl``: one ``{"type", "sha256", "data"}`` object a line, ``sha256`` being the hash of
  the canonical JSON of ``data``. Types in this order: ``region``, ``parent`` (the parent chain,
  nearest first), ``catalog`` (the indicator set assigned to the region — ``region_catalog`` — with
  its version; absent when none is assigned, and then not counted; the bundle's overrides and values
  are checked against that set), ``round``, ``override`` (target overrides), ``title`` (the title
  register, 称号登记簿), ``evidence`` (metadata, one per sha256), ``submission`` (every approved
  version with its reviews and evidence sha256s), ``contribution`` (every contribution to a shared
  element — 共同填报的分项数据 — with its unit, part, comment, evidence sha256, recorder and time),
  ``base_status`` (the base's status and dates, 基地状态) and ``incident`` (each entry of the incident
  register with its rectification steps). ``catalog``, ``contribution``, ``base_status`` and
  ``incident`` are absent when the region has none, and then not counted (``title`` is counted, 0
  when none). Titles, the base status, incidents and contributions must meet the services' entry
  rules (:mod:`liangshan.store.record_rules`, checked by :mod:`.rules`).
- ``files/<sha256>``: the evidence files themselves (only with ``include_files``).

``bundle_id`` is the sha256 of the canonical JSON of ``{format_version, instance, region,
records_sha256}``: the same content gives the same id with or without the files. ``exported_at``
is the newest timestamp of the exported content (the data's as-of time), not the wall clock, so
exporting unchanged data twice gives identical bytes.

Import validates the whole file first and writes all or nothing in one transaction; see
:func:`import_bundle` and docs/bundle.md for the merge rules.

Modules: :mod:`.format` (archive layout, canonical JSON and hashes, building the ZIP),
:mod:`.schema` (the fields of each record type), :mod:`.read` (reading and validating a bundle),
:mod:`.database` (instance id, schema revision, transactions), :mod:`.export`, :mod:`.importer`
(the import transaction), :mod:`.context` (regions, rounds, overrides and evidence rows),
:mod:`.rules` (the entry rules of the register records),
:mod:`.merge` (the merge decision for each value) and :mod:`.summary` (what an export or import did).
"""

from liangshan.store.bundle.context import IMPORT_ACTION, PLACEHOLDER_NOTE
from liangshan.store.bundle.database import INSTANCE_KEY, alembic_revision, instance_id
from liangshan.store.bundle.export import export_bundle
from liangshan.store.bundle.format import (
    FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    RECORD_TYPES,
    RECORDS,
    REGION_FIELDS,
    ZIP_TIME,
    BundleError,
    build_bundle,
    canonical,
    digest,
    value_digest,
)
from liangshan.store.bundle.importer import import_bundle
from liangshan.store.bundle.read import Bundle, read_bundle
from liangshan.store.bundle.summary import ExportSummary, ImportSummary

__all__ = [
    "FILES",
    "FORMAT",
    "FORMAT_VERSION",
    "IMPORT_ACTION",
    "INSTANCE_KEY",
    "MANIFEST",
    "PLACEHOLDER_NOTE",
    "RECORDS",
    "RECORD_TYPES",
    "REGION_FIELDS",
    "ZIP_TIME",
    "Bundle",
    "BundleError",
    "ExportSummary",
    "ImportSummary",
    "alembic_revision",
    "build_bundle",
    "canonical",
    "digest",
    "export_bundle",
    "import_bundle",
    "instance_id",
    "read_bundle",
    "value_digest",
]
