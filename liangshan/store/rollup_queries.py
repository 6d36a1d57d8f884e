"""Loading a region and everything below it for roll-ups, in a fixed number of queries.

:func:`county_sets` reads which indicator set each county below a root is assessed by (one query).

:func:`load_subtree` runs four statements whatever the number of regions: the region tree (a
recursive CTE from the root down), the chosen submission of every item-year of every region in the
tree (a window function picks the newest approved version — the same choice as
:func:`liangshan.store.submissions.approved_observations`, with its evidence count as a correlated
sub-query), the target overrides, and the newest assessment round (the default window).

:func:`observation_frame` is the bulk load the roll-ups use: the same choice of submission, but the
candidate rows are read with the database driver's cursor straight into a polars frame (no ORM row
objects; 475,000 rows for 3,000 counties × 4 years) and the newest version is picked in polars; the
evidence counts of the same rows come from a second, grouped query (a join, not a sub-query per row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, case, cast, func, select
from sqlalchemy.orm import Session

from liangshan.assess.rollup import NATION, Comparison, RegionNode, RegionTree, Rollup, build_rollup_frame
from liangshan.assess.values import Observation
from liangshan.catalog.loader import BASE_SET
from liangshan.catalog.models import Catalog
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.store.models import (
    AssessmentRound,
    Region,
    RegionCatalog,
    Submission,
    SubmissionEvidence,
    TargetOverride,
)
from liangshan.store.submissions import PREVIEW_RANK, STANDING

if TYPE_CHECKING:
    import polars as pl

DEFAULT_SPAN = 3  # years in a window when no round says otherwise (the 2023—2025 rounds)


@dataclass(frozen=True)
class Subtree:
    """A root region, every region below it, their observations and their target overrides."""

    root: str
    tree: RegionTree
    observations: dict[str, dict[tuple[str, int], Observation]]
    overrides: dict[str, dict[int, dict[str, Any]]]


def _codes_below(root: str) -> Select[tuple[str]]:
    """``SELECT code`` of ``root`` and every region below it (recursive CTE; all regions for the nation)."""
    if root == NATION:
        return select(Region.code)
    tree = select(Region.code).where(Region.code == root).cte("rollup_tree", recursive=True)
    tree = tree.union_all(select(Region.code).join(tree, Region.parent_code == tree.c.code))
    return select(tree.c.code)


def region_tree(session: Session, root: str = NATION) -> RegionTree:
    """The region tree from ``root`` down (one query). Raises :class:`NotFoundError` for an unknown root."""
    rows = session.execute(
        select(
            Region.code,
            Region.name,
            Region.level,
            Region.parent_code,
            Region.terrain_zone,
            Region.zone_shares,
            Region.population,
        ).where(Region.code.in_(_codes_below(root)))
    ).all()
    if root != NATION and not any(r[0] == root for r in rows):
        raise NotFoundError(f"未知地区代码：{root}")
    return RegionTree(RegionNode(*r) for r in rows)  # the root's parent is not loaded: it hangs under NATION


def _preference(include_pending: bool) -> Any:
    """Order of the versions of one item-year (lower first), as :func:`approved_observations` chooses."""
    s = Submission
    if include_pending:
        return case(*((s.status == k, v) for k, v in PREVIEW_RANK.items()), else_=9)
    return case((s.status.in_(STANDING), 0), else_=1)


def subtree_observations(
    session: Session, root: str, years: Iterable[int], include_pending: bool = False
) -> dict[str, dict[tuple[str, int], Observation]]:
    """region → (item, year) → observation for ``root`` and every region below it (one query).

    Per region, item and year the newest approved version wins; with ``include_pending`` the newest
    submitted/reopened version is used where none is approved (as ``approved_observations``).
    """
    statuses = ["approved", "submitted", "reopened"] if include_pending else list(STANDING)
    s = Submission
    rn = (
        func.row_number()
        .over(
            partition_by=(s.region_code, s.item_code, s.year),
            # official: the standing version; a preview: the newest (as approved_observations)
            order_by=(
                case((s.status.in_(STANDING), 0), else_=1 if not include_pending else 0),
                s.version.desc(),
            ),
        )
        .label("rn")
    )
    ranked = (
        select(s.id, s.region_code, s.item_code, s.year, s.version, s.value_num, s.value_bool, rn)
        .where(
            s.region_code.in_(_codes_below(root)),
            s.year.in_(sorted(set(years))),
            s.status.in_(statuses),
        )
        .subquery("ranked")
    )
    evidence = (
        select(func.count())
        .select_from(SubmissionEvidence)
        .where(SubmissionEvidence.submission_id == ranked.c.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            ranked.c.id,
            ranked.c.region_code,
            ranked.c.item_code,
            ranked.c.year,
            ranked.c.version,
            ranked.c.value_num,
            ranked.c.value_bool,
            evidence,
        ).where(ranked.c.rn == 1)
    ).all()
    out: dict[str, dict[tuple[str, int], Observation]] = {}
    for sid, region, item, year, version, num, flag, n_evidence in rows:
        value = flag if flag is not None else num
        out.setdefault(region, {})[(item, year)] = Observation(value, int(n_evidence or 0), sid, version)
    return out


def observation_frame(
    session: Session, root: str, years: Iterable[int], include_pending: bool = False
) -> pl.DataFrame:
    """The chosen observation of every region, item and year below ``root`` as one long frame
    (columns of :func:`liangshan.assess.vectorised.frame_schema`), the same choice as
    :func:`subtree_observations` (newest approved version; with ``include_pending`` the newest
    submitted/reopened one where none is approved). Two statements — the candidate rows, and their
    evidence counts grouped by submission — read column-wise with the driver's cursor
    (:func:`_fetch_frame`) and joined by submission id; only the item-years with more than one candidate
    version (one of them has ``version > 1``: versions are unique per item-year) are sorted."""
    import polars as pl

    from liangshan.assess.vectorised import frame_schema

    statuses = ["approved", "submitted", "reopened"] if include_pending else list(STANDING)
    ys = sorted(set(years))
    schema = frame_schema()
    s = Submission
    where = [s.year.in_(ys), s.status.in_(statuses)]
    if root != NATION:  # every submission's region is a region: the nation needs no filter
        where.append(s.region_code.in_(_codes_below(root)))
    flag = cast(s.value_bool, Integer)  # 0/1 from every driver
    cols: list[Any] = [s.id, s.region_code, s.item_code, s.year, s.version, s.value_num, flag]
    types: dict[str, Any] = {
        "id": pl.Int64,
        "region": pl.String,
        "item": pl.String,
        "year": pl.Int64,
        "version": pl.Int64,
        "num": pl.Float64,
        "flag": pl.Int64,
    }
    if include_pending:
        cols.append(_preference(include_pending))
        types["pending"] = pl.Int64
    raw = _fetch_frame(session, select(*cols).where(*where), types)
    # evidence counts of the same rows, grouped (for 475,000 rows a third of the time of a correlated
    # sub-query per row), joined by submission id
    ev = SubmissionEvidence
    counted = (
        select(ev.submission_id, func.count())
        .join(s, s.id == ev.submission_id)
        .where(*where)
        .group_by(ev.submission_id)
    )
    counts = _fetch_frame(session, counted, {"id": pl.Int64, "evidence": pl.Int64})
    raw = raw.join(counts, on="id", how="left", maintain_order="left").with_columns(
        pl.col("evidence").fill_null(0)
    )
    keys = ["region", "item", "year"]
    again = raw.filter(pl.col("version") > 1).select(keys).unique()
    if again.height:  # item-years with several candidate versions: the preferred, then the newest
        order = ["pending", "version"] if include_pending else ["version"]
        several = raw.join(again, on=keys, how="semi").sort(order, descending=[c == "version" for c in order])
        raw = pl.concat(
            [raw.join(again, on=keys, how="anti"), several.unique(keys, keep="first", maintain_order=True)]
        )
    return raw.with_columns(pl.col("flag").cast(pl.Boolean)).select(list(schema)).cast(schema)  # type: ignore[arg-type]


def _fetch_frame(session: Session, stmt: Select[*tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    """All rows of ``stmt`` as a polars frame, read in chunks from the DB-API cursor and turned into
    columns (no SQLAlchemy row objects; the garbage collector paused meanwhile, since the row tuples
    it would scan again and again are freed at once: for 475,000 rows this is twice as fast as
    polars' row-wise constructor)."""
    import gc

    import polars as pl

    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    positional = compiled.positiontup
    args: Any = tuple(params[k] for k in positional) if positional is not None else params
    columns: list[list[Any]] = [[] for _ in schema]
    cursor = conn.connection.cursor()
    paused = gc.isenabled()
    gc.disable()
    try:
        cursor.execute(str(compiled), args)
        while batch := cursor.fetchmany(50_000):
            for out, col in zip(columns, zip(*batch, strict=True), strict=True):
                out.extend(col)
            del batch
    finally:
        cursor.close()
        if paused:
            gc.enable()
    pairs = zip(schema.items(), columns, strict=True)
    return pl.DataFrame([pl.Series(name, col, dtype=dtype) for (name, dtype), col in pairs])


def subtree_overrides(session: Session, root: str) -> dict[str, dict[int, dict[str, Any]]]:
    """region → indicator id → override parameters, for ``root`` and every region below it (one query)."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    rows = session.execute(
        select(TargetOverride.region_code, TargetOverride.indicator_id, TargetOverride.params).where(
            TargetOverride.region_code.in_(_codes_below(root))
        )
    ).all()
    for region, ind, params in rows:
        out.setdefault(region, {})[int(ind)] = dict(params)
    return out


def county_sets(session: Session, root: str, tree: RegionTree) -> dict[str, str]:
    """county → the id of the indicator set it is assessed by (``region_catalog``; none: the base
    set, as ``services.catalogs.catalog_for_region``), for every county below ``root`` (one query)."""
    rows = session.execute(
        select(RegionCatalog.region_code, RegionCatalog.catalog_set).where(
            RegionCatalog.region_code.in_(_codes_below(root))
        )
    ).all()
    assigned = {str(code): str(set_id) for code, set_id in rows}
    return {c: assigned.get(c) or BASE_SET for c in tree.counties(root)}


def default_window(session: Session, root: str = NATION) -> tuple[int, int] | None:
    """The years of the newest assessment round of ``root`` or any region below it (one query)."""
    row = session.execute(
        select(AssessmentRound.start_year, AssessmentRound.end_year)
        .where(AssessmentRound.region_code.in_(_codes_below(root)))
        .order_by(AssessmentRound.end_year.desc(), AssessmentRound.start_year, AssessmentRound.id.desc())
        .limit(1)
    ).first()
    return (int(row[0]), int(row[1])) if row else None


def data_years(session: Session, root: str = NATION) -> list[int]:
    """The years with any approved value below ``root``, newest first (for a year switcher)."""
    rows = session.scalars(
        select(Submission.year)
        .where(Submission.region_code.in_(_codes_below(root)), Submission.status == "approved")
        .distinct()
        .order_by(Submission.year.desc())
    )
    return [int(y) for y in rows]


def window(session: Session, root: str, years: str | None = None, year: int | None = None) -> tuple[int, ...]:
    """The assessment window: ``years`` (``2023-2025``) as given; else ``year`` as its last year with
    the length of the newest round (default 3 years); else the newest round's years."""
    from liangshan.store.service import parse_years

    if years:
        return tuple(parse_years(years, (0, 0)))
    rnd = default_window(session, root)
    span = (rnd[1] - rnd[0] + 1) if rnd else DEFAULT_SPAN
    if year is not None:
        return tuple(range(year - span + 1, year + 1))
    if rnd is None:
        raise StoreError(f"地区 {root} 及其下级地区没有评估批次，请用 --years 指定评估年份（如 2023-2025）")
    return tuple(range(rnd[0], rnd[1] + 1))


def load_subtree(session: Session, root: str, years: Sequence[int], include_pending: bool = False) -> Subtree:
    """The region tree below ``root`` with its observations for ``years`` and its overrides."""
    tree = region_tree(session, root)
    obs = subtree_observations(session, root, years, include_pending)
    return Subtree(root, tree, obs, subtree_overrides(session, root))


def rollup_of(
    session: Session,
    catalog: Catalog,
    root: str,
    years: Sequence[int],
    include_pending: bool = False,
    tree: RegionTree | None = None,
    comparison: Comparison | None = None,
    catalogs: dict[str, Catalog] | None = None,
) -> Rollup:
    """Load ``root``'s subtree (observations from one year before the window) and roll it up
    (``tree``: the region tree of ``root`` when the caller has already read it; ``comparison`` and
    ``catalogs``: counties assessed by several indicator sets, see ``services.rollup``)."""
    ys = sorted(set(years))
    tree = tree if tree is not None else region_tree(session, root)
    frame = observation_frame(session, root, range(ys[0] - 1, ys[-1] + 1), include_pending)
    ov = subtree_overrides(session, root)
    return build_rollup_frame(catalog, tree, frame, ys, ov, root, comparison=comparison, catalogs=catalogs)
