"""Import: validate a whole bundle, then merge it into the database in one transaction (see
:func:`import_bundle`)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from liangshan.catalog import Catalog
from liangshan.config import evidence_root
from liangshan.store.bundle.context import (
    import_base_status,
    import_catalog_set,
    import_contributions,
    import_evidence,
    import_incidents,
    import_overrides,
    import_regions,
    import_rounds,
    import_titles,
)
from liangshan.store.bundle.database import begin_transaction, instance_id
from liangshan.store.bundle.format import bundle_error
from liangshan.store.bundle.merge import merge_values
from liangshan.store.bundle.read import Bundle, read_bundle
from liangshan.store.bundle.summary import ImportSummary
from liangshan.store.db import get_engine, now
from liangshan.store.evidence import blob_path
from liangshan.store.service import ensure_db
from liangshan.store.submissions import audit


def _apply(s: Session, b: Bundle, actor: str, summary: ImportSummary, local_inst: str | None) -> None:
    ts = now()
    import_regions(s, b, actor, ts, summary)
    import_catalog_set(s, b, actor, ts, summary)
    round_ids = import_rounds(s, b, actor, ts, summary)
    import_overrides(s, b, actor, ts, summary)
    import_titles(s, b, actor, ts, summary)
    ev_ids = import_evidence(s, b, actor, ts, summary)
    merge_values(s, b, round_ids, ev_ids, actor, ts, summary, local_inst)
    import_contributions(s, b, ev_ids, actor, ts, summary)
    import_base_status(s, b, actor, ts, summary)
    import_incidents(s, b, actor, ts, summary)
    audit(
        s,
        actor,
        "bundle_import",
        "bundle",
        b.bundle_id,
        after={"instance": b.instance, "region": b.region["code"], **summary.counts()},
        detail="无变化 / no change" if not summary.changed else f"{b.path.name}",
        at=ts,
    )
    s.flush()


def import_bundle(
    url: str, path: str | Path, actor: str, *, dry_run: bool = False, catalog: Catalog | None = None
) -> ImportSummary:
    """Validate the whole bundle, then merge it into the database at ``url`` in one transaction.

    Per region-item-year: a value already imported from the same source (instance, submission id,
    version, content) is skipped; an older source version than one already imported is skipped as
    stale; otherwise the value becomes a NEW local version (nothing is updated or deleted) with
    ``provenance.origin``. It is ``approved`` (the county approved it) when the local newest version
    came from the same source instance and is approved (or there is none); when the local newest
    version was made elsewhere (at the province) it is a conflict: the imported version is added as
    ``submitted`` for the office to approve or return, the local approved value stays in force, and
    the conflict is listed in the summary. Evidence rows and files are content-addressed (one per
    sha256 and region). Contributions to shared elements are append-only: those missing here are
    added, those here already are kept, and one here with the same unit, recorder and time but another
    content refuses the whole import. The after-naming records follow the same rules: the base status
    is written only when none is recorded here (a different one is kept and listed); incidents and
    their rectification steps missing here are added, those here are listed as present, and one with
    the same identity but another content refuses the import. One ``bundle_import`` audit entry is
    written per import, even when nothing changed; with ``dry_run`` nothing is written at all.
    """
    b = read_bundle(path, catalog)
    ensure_db(url)
    summary = ImportSummary(
        path=str(path),
        bundle_id=b.bundle_id,
        instance=b.instance,
        region=b.region["code"],
        exported_at=b.manifest.get("exported_at"),
        alembic_revision=str(b.manifest.get("alembic_revision", "")),
        dry_run=dry_run,
    )
    root = evidence_root(url)
    session = sessionmaker(bind=get_engine(url), expire_on_commit=False)()
    try:
        begin_transaction(session, write=True)
        _apply(session, b, actor, summary, instance_id(session))
        missing = [sha for sha in sorted(b.files) if not blob_path(root, sha).exists()]
        summary.files_written = len(missing)
        if dry_run:
            session.rollback()
            return summary
        if missing:
            with zipfile.ZipFile(b.path) as zf:
                for sha in missing:
                    data = zf.read(b.files[sha])
                    if hashlib.sha256(data).hexdigest() != sha:  # the file changed since validation
                        raise bundle_error(b.path, b.files[sha], "sha256 不符", "sha256 mismatch")
                    target = blob_path(root, sha)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    fd, tmp = tempfile.mkstemp(dir=target.parent)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(data)
                    os.replace(tmp, target)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return summary
