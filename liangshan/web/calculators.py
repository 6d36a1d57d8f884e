"""上传原始数据计算: the calculators offered on an item's entry page, and their preview → confirm.

The calculators are the specs of :mod:`liangshan.services.calculators` (one declarative spec each):
the form is built from the spec's files and parameters (:func:`describe`), the fields are parsed by the
spec (:func:`parse_params`) and the spec's ``run`` computes — the same function the CLI's
``--to-indicator`` path and the demo hooks call, so every face records the same provenance.

Flow: :func:`preview` checks the uploads (size, content sniffing), keeps them under a one-time token
in ``<files>/calc-pending/``, runs the calculator (in a worker thread; at most :data:`MAX_RUNNING` at
once) and dry-runs the save (:func:`liangshan.services.values.save_computed` with ``dry_run``) so the
preview shows exactly what confirming would write; nothing is stored in the database. :func:`confirm`
writes the previewed rows in one transaction (409 if anything changed since), attaches the raw files
as evidence and deletes the pending copy. Bad input raises :class:`CalcInputError` (the calculators'
messages name the file, row and column).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from liangshan.assess.values import round_half_even
from liangshan.catalog.models import Catalog
from liangshan.services.calculators import SPECS, CalculatorSpec, Computation, ParamSpec, SpecError
from liangshan.services.calculators import for_item as specs_for_item
from liangshan.services.calculators import parse_params as parse_spec_params
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, PermissionDenied, check_edit, edit_denial, item_name
from liangshan.services.queries import (
    current_round,
    fmt_value,
    latest_map,
    plain_number,
    round_denial,
    round_dict,
    round_years,
)
from liangshan.services.uploads import CheckedUpload
from liangshan.services.values import ComputedRow, save_computed
from liangshan.standards.errors import message_for
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.store.models import Region
from liangshan.web.context import WebContext

PENDING_TTL = 3600  # seconds a preview waits for confirmation
MAX_RUNNING = 2  # calculations at once per process (a land raster can take a while and memory)
_SLOTS = threading.BoundedSemaphore(MAX_RUNNING)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")
log = logging.getLogger(__name__)


class CalcInputError(EntryError):
    """The raw data could not be computed (HTTP 422); the message names the file, row and column."""


_BOOL_CHOICES = (("true", "是"), ("false", "否"))


def describe(
    calc: CalculatorSpec, catalog: Catalog, defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The upload form of a spec: its files and the parameters offered on the web, with defaults."""
    d = dict(defaults or {})
    params = []
    for p in calc.params:
        if not p.web:
            continue
        default = _default(p, d)
        choices = p.choices
        kind = p.kind
        if kind == "bool":  # a yes/no select on the form
            kind, choices = "choice", _BOOL_CHOICES
            default = "true" if default else "false"
        params.append(
            {
                "key": p.key,
                "label": f"{p.label}（{p.unit}）" if p.unit and p.unit not in p.label else p.label,
                "kind": kind,
                "required": p.required,
                "help": p.help,
                "choices": [{"value": v, "label": lab} for v, lab in choices],
                "default": default,
                "low": p.low,
                "high": p.high,
                "unit": p.unit,
            }
        )
    return {
        "key": calc.key,
        "title": calc.title,
        "cli": calc.cli,
        "note": calc.note,
        "elements": [{"code": c, "name": catalog.element(c).name} for c in calc.elements],
        "files": [
            {
                "key": f.key,
                "label": f.label,
                "kinds": list(f.kinds),
                "kinds_text": f.kinds_text,
                "accept": f.accept,
                "required": f.required,
                "help": f.help,
            }
            for f in calc.files
        ],
        "params": params,
    }


def _default(p: ParamSpec, defaults: Mapping[str, Any]) -> Any:
    if p.round_year:
        return defaults.get("round_year", p.default)
    if p.region_zone:
        return defaults.get("zone", p.default)
    return p.default


def for_item(item: str) -> list[CalculatorSpec]:
    """The calculators whose output includes ``item`` (GEP also gives 国土面积 but is offered on GEP)."""
    return specs_for_item(item)


def get(key: str, item: str) -> CalculatorSpec:
    calc = SPECS.get(key)
    if calc is None or calc not in for_item(item):
        raise NotFoundError(f"数据项“{item}”没有计算器“{key}”")
    return calc


def pick(item: str, key: str | None) -> CalculatorSpec:
    calcs = for_item(item)
    if not calcs:
        raise NotFoundError(f"数据项“{item}”没有可用的原始数据计算器，请直接填报数值")
    return get(key, item) if key else calcs[0]


def defaults(ctx: WebContext, region: str) -> dict[str, Any]:
    """Defaults that depend on the region: the round's last year, the region's terrain zone."""
    with ctx.read() as s:
        rnd = current_round(s, region)
        reg = s.get(Region, region)
        zone = reg.terrain_zone if reg is not None and reg.terrain_zone else "山区"
    return {"round_year": rnd.end_year if rnd else None, "zone": zone}


def parse_params(calc: CalculatorSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed parameters from form fields; :class:`EntryError` names the parameter."""
    try:
        return parse_spec_params(calc, raw)
    except SpecError as exc:
        raise EntryError(str(exc)) from None


# ------------------------------------------------------------------------------ preview and confirm
def _pending_root(ctx: WebContext) -> Path:
    d = ctx.files_dir / "calc-pending"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sweep(root: Path) -> None:
    """Forget previews older than :data:`PENDING_TTL` (best effort)."""
    now = time.time()
    for d in root.iterdir():
        try:
            if now - d.stat().st_mtime > PENDING_TTL:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


def _scrub(message: str, folder: Path) -> str:
    """Calculator messages name files by path: keep only the uploaded file's name."""
    text = re.sub(re.escape(str(folder)) + r"[\\/][^\\/\s]+[\\/]", "", message)
    return text.replace(str(folder), "")


def preview(
    ctx: WebContext,
    actor: Actor,
    *,
    region: str,
    item: str,
    calc_key: str | None,
    uploads: Mapping[str, CheckedUpload],
    raw_params: Mapping[str, Any],
) -> dict[str, Any]:
    """Compute and dry-run the save; keep the files under a token when something can be saved.

    Blocking (file I/O, the calculation): call it in a worker thread. Raises PermissionDenied,
    NotFoundError, EntryError (parameters) or :class:`CalcInputError` (the data); nothing is stored.
    """
    calc = pick(item, calc_key)
    check_edit(actor, ctx.catalog, region, item)
    params = parse_params(calc, raw_params)
    for f in calc.files:
        if f.required and f.key not in uploads:
            raise EntryError(f"请选择文件：{f.label}（{f.kinds_text}）")
    unknown = set(uploads) - {f.key for f in calc.files}
    if unknown:
        raise EntryError(f"计算器“{calc.title}”不需要文件：{'、'.join(sorted(unknown))}")
    root = _pending_root(ctx)
    _sweep(root)
    token = secrets.token_urlsafe(18)
    folder = root / token
    paths: dict[str, Path] = {}
    files: list[dict[str, Any]] = []
    keep = False
    try:
        for key, up in uploads.items():
            (folder / key).mkdir(parents=True)
            paths[key] = folder / key / up.filename
            paths[key].write_bytes(up.data)
            files.append({"key": key, "label": next(f.label for f in calc.files if f.key == key),
                          "filename": up.filename, "kind": up.kind, "content_type": up.content_type,
                          "size": len(up.data), "sha256": hashlib.sha256(up.data).hexdigest()})  # fmt: skip
        with _SLOTS:
            try:
                comp = calc.run(paths, params, region)
            except (EntryError, StoreError):
                raise
            except (ValueError, OSError) as exc:  # InputError, AirInputError, WaterInputError, … name the row
                raise CalcInputError(_scrub(message_for(exc, "web"), folder)) from None
            except Exception as exc:  # a parser's own error on a damaged file (YAML, Excel, GDAL …)
                log.warning(
                    "calculator %s failed on %s", calc.key, [f["filename"] for f in files], exc_info=True
                )
                names = "、".join(str(f["filename"]) for f in files)
                raise CalcInputError(
                    f"无法读取或计算文件 {names}：{_scrub(str(exc), folder)[:500]}（{type(exc).__name__}）"
                ) from None
        plan = _plan(ctx, actor, region, item, calc, comp)
        plan.update(
            {
                "files": files,
                "parameters": params,
                "warnings": [_scrub(w, folder) for w in comp.warnings],
                "token": None,
            }
        )
        if plan["can_confirm"]:
            plan["token"] = token
            rows = plan.pop("_rows")
            meta = {"user": actor.id, "region": region, "item": item, "calc": calc.key, "at": time.time(),
                    "files": files, "rows": rows, "plan": plan}  # fmt: skip
            (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            keep = True
        plan.pop("_rows", None)
        return plan
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _plan(
    ctx: WebContext, actor: Actor, region: str, item: str, calc: CalculatorSpec, comp: Computation
) -> dict[str, Any]:
    """Each computed element-year: saved (new version / unchanged, with the checks) or why not."""
    cat = ctx.catalog
    with ctx.read() as s:
        rnd = current_round(s, region)
        years = sorted({r.year for r in comp.results})
        latest = latest_map(s, region, years, calc.elements)
        closed_msg = round_denial(rnd, region, rnd.start_year if rnd else 0)  # no round, or closed
        rows: list[dict[str, Any]] = []
        for res in sorted(comp.results, key=lambda r: r.year):
            prov = res.provenance.to_json()
            for code, value in res.values.items():
                cur = latest.get((code, res.year))
                el = cat.element(code)
                row = {
                    "item": code, "name": el.name, "unit": el.unit, "year": res.year,
                    "value": value, "value_text": "" if value is None else plain_number(float(value)),
                    "current": None if cur is None else {"version": cur.version, "status": cur.status,
                                                         "value_text": fmt_value(cur)},
                    "provenance": prov, "expected_version": cur.version if cur else 0,
                    "action": "skip", "reason": "", "checks": [], "new_version": None,
                }  # fmt: skip
                why = edit_denial(actor, cat, region, code) or round_denial(rnd, region, res.year)
                if value is None:
                    why = "无计算值"
                elif why is None and cur is not None and cur.status == "approved":
                    why = f"第 {cur.version} 版已审核通过并锁定；如需修改，须由领导小组办公室说明理由重新打开"
                row["reason"] = why or ""
                row["action"] = "skip" if why else "write"
                rows.append(row)
        round_info = round_dict(rnd)
        round_span = round_years(rnd)
    writable = [r for r in rows if r["action"] == "write"]
    if writable:
        outcomes = save_computed(
            ctx, actor, region=region, action="save", dry_run=True,
            rows=[ComputedRow(r["item"], r["year"], r["value"], r["provenance"], r["expected_version"])
                  for r in writable],
        )  # fmt: skip
        for r, out in zip(writable, outcomes, strict=True):
            r["action"] = "new" if out.changed else "unchanged"
            r["new_version"] = out.submission["version"] if out.changed else None
            r["checks"] = [{"level": c.level, "message": c.message} for c in out.checks]
    errors = [c["message"] for r in rows for c in r["checks"] if c["level"] == "error"]
    by_year: dict[int, dict[str, Any]] = {}
    for res in sorted(comp.results, key=lambda r: r.year):
        by_year[res.year] = {
            "year": res.year,
            "standard": res.provenance.standard,
            "details": comp.details.get(res.year, {}),
            "indicators": _indicators(cat, res.values),
            "rows": [_public(r) for r in rows if r["year"] == res.year],
            "in_round": res.year in round_span,
        }
    to_write = sum(r["action"] == "new" for r in rows)
    return {
        "region": region,
        "item": item,
        "item_name": item_name(cat, item),
        "calculator": {"key": calc.key, "title": calc.title, "cli": calc.cli},
        "round": round_info,
        "closed": closed_msg,
        "years": list(by_year.values()),
        "to_write": to_write,
        "skipped": sum(r["action"] == "skip" for r in rows),
        "unchanged": sum(r["action"] == "unchanged" for r in rows),
        "errors": errors,
        "can_confirm": to_write > 0 and not errors,
        "_rows": [
            {k: r[k] for k in ("item", "year", "value", "provenance", "expected_version")}
            for r in rows
            if r["action"] == "new"
        ],
    }


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("provenance", "expected_version")}


def _indicators(cat: Catalog, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Ratio indicators computable from these values alone (e.g. 优良天数比例), for the preview, rounded
    to the indicator's reporting precision (GB/T 8170, as the assessment does)."""
    out = []
    for ind in cat.indicators:
        f = ind.formula
        codes = f.element_codes()
        if f.kind != "ratio" or not codes or not set(codes) <= set(values):
            continue
        den = sum(float(values[c] or 0) for c in f.denominator)
        if den > 0:
            num = sum(float(values[c] or 0) for c in f.numerator)
            out.append(
                {
                    "id": ind.id,
                    "name": ind.name,
                    "unit": ind.unit,
                    "value": round_half_even(num / den * f.scale, ind.precision),
                }
            )
    return out


def _meta(ctx: WebContext, actor: Actor, token: str) -> tuple[Path, dict[str, Any]]:
    if not _TOKEN.fullmatch(token or ""):
        raise StoreError("计算预览编号无效，请重新上传文件")
    folder = _pending_root(ctx) / token
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        raise StoreError("计算预览已过期或已确认，请重新上传文件")
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user") != actor.id:
        raise PermissionDenied("无权确认他人上传的计算预览（只能确认自己上传的）")
    return folder, meta


def pending_plan(ctx: WebContext, actor: Actor, token: str) -> dict[str, Any] | None:
    """The preview of a token still waiting (to show it again with the reason a confirm failed)."""
    try:
        _, meta = _meta(ctx, actor, token)
    except (StoreError, PermissionDenied):
        return None
    plan: dict[str, Any] | None = meta.get("plan")
    return plan


def confirm(ctx: WebContext, actor: Actor, token: str, action: str, note: str = "") -> dict[str, Any]:
    """Write a previewed calculation: one transaction, the raw files attached as evidence."""
    folder, meta = _meta(ctx, actor, token)
    if time.time() - float(meta.get("at", 0)) > PENDING_TTL:
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError("计算预览已超过 1 小时，请重新上传文件")
    uploads = []
    for f in meta["files"]:
        data = (folder / f["key"] / f["filename"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != f["sha256"]:
            raise StoreError(f"暂存的文件“{f['filename']}”已变化，请重新上传")
        uploads.append(CheckedUpload(f["filename"], f["kind"], f["content_type"], data))
    rows = [ComputedRow(r["item"], r["year"], r["value"], r["provenance"], r["expected_version"])
            for r in meta["rows"]]  # fmt: skip
    outcomes = save_computed(
        ctx, actor, region=meta["region"], rows=rows, action=action, note=note, uploads=uploads
    )
    shutil.rmtree(folder, ignore_errors=True)
    written = [o.submission for o in outcomes if o.changed]
    verb = "保存为草稿" if action == "save" else "提交审核"
    return {
        "region": meta["region"],
        "item": meta["item"],
        "written": len(written),
        "unchanged": len(outcomes) - len(written),
        "submission_ids": [s["id"] for s in written],
        "submissions": [o.submission for o in outcomes],
        "message": f"已将 {len(written)} 项计算结果{verb}（附原始数据文件及来源）"
        + (f"，{len(outcomes) - len(written)} 项无变化" if len(outcomes) > len(written) else ""),
    }
