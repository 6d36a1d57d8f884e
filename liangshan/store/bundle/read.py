"""Reading a bundle: the whole file is validated (every member, record and sha256) before anything
is imported, and an error names the member and the record at fault."""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liangshan.catalog import Catalog, CatalogSetError, load_catalog, load_set
from liangshan.store.bundle.format import (
    FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    RECORD_TYPES,
    RECORDS,
    SHA256_RE,
    BundleError,
    bundle_error,
    digest,
)
from liangshan.store.bundle.rules import check_record_rules
from liangshan.store.bundle.schema import (
    INCIDENT_UPDATE_SPEC,
    RECORD_SPECS,
    REVIEW_SPEC,
    check_fields,
    describe_record,
    is_iso,
    optional,
)
from liangshan.store.record_rules import range_problem
from liangshan.store.submissions import check_item


@dataclass
class Bundle:
    """A validated bundle (every sha256 checked)."""

    path: Path
    manifest: dict[str, Any]
    region: dict[str, Any]
    parents: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    evidence: dict[str, dict[str, Any]]
    submissions: list[dict[str, Any]]
    files: dict[str, str]  # sha256 → member name
    titles: list[dict[str, Any]] = field(default_factory=list)  # the title register (称号登记簿)
    #: the region's assigned indicator set ``{catalog_set, version}`` (None: none assigned)
    catalog_set: dict[str, Any] | None = None
    #: the contributions to shared elements (共同填报的分项数据), oldest first
    contributions: list[dict[str, Any]] = field(default_factory=list)
    #: the base's status and dates (基地状态; None: none recorded)
    base_status: dict[str, Any] | None = None
    #: the incidents and 督察 findings, each with its rectification history ``updates`` (oldest first)
    incidents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bundle_id(self) -> str:
        return str(self.manifest["bundle_id"])

    @property
    def instance(self) -> str:
        return str(self.manifest["instance"])


def read_bundle(path: str | Path, catalog: Catalog | None = None) -> Bundle:
    """Open and validate a whole bundle; raise :class:`BundleError` naming the member and record at fault."""
    p = Path(path)
    cat = catalog or load_catalog()
    if not p.is_file():
        raise BundleError(f"{p}：文件不存在 / file not found")
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise bundle_error(p, "ZIP", "不是有效的数据包 ZIP 文件", f"not a valid bundle ZIP ({e})") from None
    with zf:
        names = zf.namelist()
        if len(names) != len(set(names)):
            raise bundle_error(p, "ZIP", "成员名称重复", "duplicate member names")
        for required in (MANIFEST, RECORDS):
            if required not in names:
                raise bundle_error(p, required, "缺少该成员", "member missing")
        extra = [
            n
            for n in names
            if n not in (MANIFEST, RECORDS)
            and not (n.startswith(FILES) and SHA256_RE.match(n.removeprefix(FILES)))
        ]
        if extra:
            raise bundle_error(p, sorted(extra)[0], "不应出现的成员", "unexpected member")

        def read(name: str) -> bytes:
            try:
                return zf.read(name)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as e:
                raise bundle_error(p, name, "成员已损坏（校验失败）", f"member is corrupt: {e}") from None
            except RuntimeError as e:
                raise bundle_error(p, name, "成员无法读取", f"member cannot be read: {e}") from None

        try:
            manifest = json.loads(read(MANIFEST))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise bundle_error(p, MANIFEST, "不是有效的 JSON", f"invalid JSON ({e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise bundle_error(p, MANIFEST, f"不是 {FORMAT} 数据包", f"not a {FORMAT} manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise bundle_error(
                p,
                MANIFEST,
                f"不支持的格式版本 {manifest.get('format_version')!r}（支持 {FORMAT_VERSION}）",
                f"unsupported format_version {manifest.get('format_version')!r}"
                f" (supported: {FORMAT_VERSION})",
            )
        for key in ("bundle_id", "records_sha256"):
            if not isinstance(manifest.get(key), str) or not SHA256_RE.match(manifest[key]):
                raise bundle_error(
                    p, MANIFEST, f"字段 {key} 缺失或格式错误", f"field {key} missing or malformed"
                )
        for key in ("instance", "region"):
            if not isinstance(manifest.get(key), str) or not manifest[key]:
                raise bundle_error(p, MANIFEST, f"字段 {key} 缺失", f"field {key} missing")
        if not isinstance(manifest.get("files"), dict):
            raise bundle_error(p, MANIFEST, "字段 files 缺失", "field files missing")
        if not optional(is_iso)(manifest.get("exported_at")):
            raise bundle_error(p, MANIFEST, "字段 exported_at 格式错误", "field exported_at malformed")
        records = read(RECORDS)
        bundle = _parse_records(p, manifest, records, cat)  # first: a bad record is named precisely
        got = hashlib.sha256(records).hexdigest()
        if got != manifest["records_sha256"]:
            raise bundle_error(
                p,
                RECORDS,
                f"sha256 与 manifest 不符（manifest {manifest['records_sha256'][:12]}…，实际 {got[:12]}…）",
                "sha256 does not match the manifest",
            )
        expect_id = digest(
            {
                "format_version": FORMAT_VERSION,
                "instance": manifest["instance"],
                "region": manifest["region"],
                "records_sha256": got,
            }
        )
        if manifest["bundle_id"] != expect_id:
            raise bundle_error(p, MANIFEST, "bundle_id 与内容不符", "bundle_id does not match the content")

        file_members = sorted(n for n in names if n.startswith(FILES))
        if sorted(manifest["files"]) != file_members:
            raise bundle_error(
                p, MANIFEST, "files 列表与 ZIP 成员不符", "files list does not match the ZIP members"
            )
        for name in file_members:
            sha = name.removeprefix(FILES)
            data = read(name)
            actual = hashlib.sha256(data).hexdigest()
            meta = manifest["files"][name]
            if actual != sha or not isinstance(meta, dict) or meta.get("sha256") != sha:
                raise bundle_error(p, name, f"sha256 不符（实际 {actual[:12]}…）", "sha256 mismatch")
            ev = bundle.evidence.get(sha)
            if ev is None:
                raise bundle_error(p, name, "没有对应的佐证记录", "no evidence record for this file")
            if ev["size"] != len(data) or meta.get("size") != len(data):
                raise bundle_error(
                    p, name, f"大小不符（记录 {ev['size']}，实际 {len(data)}）", "size mismatch"
                )
            bundle.files[sha] = name
    return bundle


def _parse_records(p: Path, manifest: dict[str, Any], raw: bytes, cat: Catalog) -> Bundle:
    try:
        text_ = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise bundle_error(p, RECORDS, "不是 UTF-8 文本", f"not UTF-8 ({e})") from None
    out = Bundle(p, manifest, {}, [], [], [], {}, [], {})
    seen_subs: set[int] = set()
    seen_keys: set[tuple[str, int, int]] = set()
    rounds: set[tuple[str, int, int]] = set()
    overrides: set[int] = set()
    seen_contributions: set[tuple[Any, ...]] = set()
    seen_incidents: set[tuple[Any, ...]] = set()
    order = 0
    lines = text_.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, start=1):
        where = f"{RECORDS} 第 {n} 行 (line {n})"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise bundle_error(p, where, "不是有效的 JSON", f"invalid JSON ({e})") from None
        if (
            not isinstance(rec, dict)
            or set(rec) != {"type", "sha256", "data"}
            or not isinstance(rec["data"], dict)
        ):
            raise bundle_error(
                p, where, "记录应为 {type, sha256, data}", "record must be {type, sha256, data}"
            )
        kind, data = rec["type"], rec["data"]
        if kind not in RECORD_TYPES:
            raise bundle_error(p, where, f"未知记录类型 {kind!r}", f"unknown record type {kind!r}")
        where = f"{where}, {describe_record(kind, data)}"
        if digest(data) != rec["sha256"]:
            raise bundle_error(
                p, where, "记录 sha256 不符（内容被修改）", "record sha256 mismatch (content altered)"
            )
        rank = RECORD_TYPES.index(kind)
        if rank < order or (kind == "region" and out.region):
            raise bundle_error(p, where, "记录顺序错误", "records out of order")
        order = rank
        bad = check_fields(RECORD_SPECS[kind], data)
        if bad is not None:
            raise bundle_error(
                p, where, f"字段 {bad} 缺失或类型错误", f"field {bad} missing or of the wrong type"
            )
        if kind == "incident":
            _check_incident(p, where, data, seen_incidents)  # the steps' fields, before their rules
        check_record_rules(p, where, kind, data, cat)  # the entry rules of the services (title, status, …)
        if kind == "region":
            if data["code"] != manifest["region"]:
                raise bundle_error(
                    p, where, f"地区代码与 manifest（{manifest['region']}）不符", "region code differs"
                )
            out.region = data
        elif kind == "parent":
            child = out.parents[-1] if out.parents else out.region
            if child.get("parent_code") != data["code"]:
                raise bundle_error(p, where, "上级地区链不连续", "parent chain is broken")
            out.parents.append(data)
        elif kind == "catalog":
            if out.catalog_set is not None:
                raise bundle_error(p, where, "指标体系记录重复", "duplicate catalog record")
            if cat.framework != data["catalog_set"]:
                try:
                    cat = load_set(data["catalog_set"])
                except CatalogSetError:
                    raise bundle_error(
                        p,
                        where,
                        f"本系统没有指标体系 {data['catalog_set']}，无法按其核对数据",
                        f"unknown indicator set {data['catalog_set']!r}",
                    ) from None
            out.catalog_set = data
        elif kind == "round":
            key = (data["name"], data["start_year"], data["end_year"])
            if key in rounds or data["start_year"] > data["end_year"]:
                raise bundle_error(p, where, "评估批次重复或年份错误", "duplicate round or bad years")
            rounds.add(key)
            out.rounds.append(data)
        elif kind == "override":
            try:
                cat.indicator(data["indicator_id"])
            except KeyError:
                raise bundle_error(p, where, "未知指标", "unknown indicator") from None
            if data["indicator_id"] in overrides:
                raise bundle_error(p, where, "目标覆盖重复", "duplicate override")
            overrides.add(data["indicator_id"])
            out.overrides.append(data)
        elif kind == "title":
            if any((t["name"], t["awarded_on"]) == (data["name"], data["awarded_on"]) for t in out.titles):
                raise bundle_error(p, where, "称号记录重复", "duplicate title")
            out.titles.append(data)
        elif kind == "evidence":
            if data["sha256"] in out.evidence:
                raise bundle_error(p, where, "佐证记录重复", "duplicate evidence record")
            out.evidence[data["sha256"]] = data
        elif kind == "contribution":
            _check_contribution(p, where, data, cat, out, seen_contributions)
            out.contributions.append(data)
        elif kind == "base_status":
            if out.base_status is not None:
                raise bundle_error(p, where, "基地状态记录重复", "duplicate base status record")
            out.base_status = data
        elif kind == "incident":
            out.incidents.append(data)
        else:
            _check_submission(p, where, data, cat, out, rounds)
            key = (data["item"], data["year"], data["version"])
            if data["id"] in seen_subs or key in seen_keys:
                raise bundle_error(p, where, "填报记录重复", "duplicate submission")
            seen_subs.add(data["id"])
            seen_keys.add(key)
            out.submissions.append(data)
    if not out.region:
        raise bundle_error(p, RECORDS, "缺少地区记录", "region record missing")
    counts = manifest.get("counts")
    if isinstance(counts, dict):
        actual = {
            "region": 1,
            "parent": len(out.parents),
            "round": len(out.rounds),
            "override": len(out.overrides),
            "evidence": len(out.evidence),
            "submission": len(out.submissions),
        }
        if counts.get("title", 0) != len(out.titles):  # bundles made before the register have none
            actual["title"] = len(out.titles)
        if counts.get("contribution", 0) != len(out.contributions):  # counted only when present
            actual["contribution"] = len(out.contributions)
        if counts.get("catalog", 0) != (out.catalog_set is not None):  # counted only when present
            actual["catalog"] = int(out.catalog_set is not None)
        if counts.get("base_status", 0) != (out.base_status is not None):  # counted only when present
            actual["base_status"] = int(out.base_status is not None)
        if counts.get("incident", 0) != len(out.incidents):  # counted only when present
            actual["incident"] = len(out.incidents)
        if any(counts.get(k) != v for k, v in actual.items()):
            raise bundle_error(
                p, MANIFEST, f"counts 与记录数不符（实际 {actual}）", "counts do not match the records"
            )
    return out


def _check_submission(
    p: Path, where: str, data: dict[str, Any], cat: Catalog, out: Bundle, rounds: set[tuple[str, int, int]]
) -> None:
    try:
        check_item(cat, data["item"])
    except (KeyError, ValueError):
        raise bundle_error(
            p, where, f"未知指标或数据元素 {data['item']!r}", f"unknown item {data['item']!r}"
        ) from None
    if data["value_num"] is not None and data["value_bool"] is not None:
        raise bundle_error(p, where, "数值与是/否不能同时给出", "value_num and value_bool both set")
    if data["value_num"] is not None:
        data["value_num"] = float(data["value_num"])
        if not math.isfinite(data["value_num"]):
            raise bundle_error(p, where, "数值无效", "invalid number")
        _check_range(p, where, data, cat)
    rnd = data["round"]
    if rnd is not None:
        key = (rnd.get("name"), rnd.get("start_year"), rnd.get("end_year"))
        if key not in rounds:
            raise bundle_error(
                p, where, "引用了数据包中没有的评估批次", "refers to a round not in the bundle"
            )
    for sha in data["evidence"]:
        if sha not in out.evidence:
            raise bundle_error(
                p, where, f"引用了数据包中没有的佐证 {sha[:12]}", "refers to evidence not in the bundle"
            )
    for rv in data["reviews"]:
        bad = check_fields(REVIEW_SPEC, rv)
        if bad is not None:
            raise bundle_error(
                p, where, f"审核记录字段 {bad} 缺失或类型错误", f"review field {bad} missing or wrong"
            )


def _check_range(p: Path, where: str, data: dict[str, Any], cat: Catalog) -> None:
    """A value or contribution in the range the services allow on entry (:func:`range_problem`: not
    negative, within the element's or the indicator's maximum, a count whole), named as the entry forms
    name it."""
    item = str(data["item"])
    if item.startswith(("indicator:", "official:", "explain:")):
        elem, ind = None, cat.indicator(item.split(":", 1)[1])
        name = f"指标{ind.id}“{ind.name}”"
    else:
        elem, ind = cat.element(item), None
        name = f"“{elem.name}”"
    problem = range_problem(data["value_num"], elem, ind)
    if problem is not None:
        raise bundle_error(
            p, where, f"{name}{data['year']}年的数值{problem}", "a value out of the range allowed on entry"
        )


def contribution_key(data: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a contribution across instances: element, year, unit, who recorded it and when
    (to the microsecond, in UTC)."""
    at = datetime.fromisoformat(data["created_at"])
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return (data["item"], data["year"], data["unit_name"], data["created_by"], at)


def _check_contribution(
    p: Path, where: str, data: dict[str, Any], cat: Catalog, out: Bundle, seen: set[tuple[Any, ...]]
) -> None:
    try:
        check_item(cat, data["item"])
    except (KeyError, ValueError):
        raise bundle_error(
            p, where, f"未知数据元素 {data['item']!r}", f"unknown data element {data['item']!r}"
        ) from None
    if data["value_num"] is not None:
        data["value_num"] = float(data["value_num"])
        if not math.isfinite(data["value_num"]):
            raise bundle_error(p, where, "分项数值无效", "invalid number")
        _check_range(p, where, data, cat)
    if data["evidence"] is not None and data["evidence"] not in out.evidence:
        raise bundle_error(
            p,
            where,
            f"引用了数据包中没有的佐证 {data['evidence'][:12]}",
            "refers to evidence not in the bundle",
        )
    key = contribution_key(data)
    if key in seen:
        raise bundle_error(p, where, "分项数据记录重复", "duplicate contribution")
    seen.add(key)


def _utc(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def incident_key(data: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies an incident across instances: kind, date, title, who recorded it and when (to the
    microsecond, in UTC). The entry never changes after it is written (only its history grows)."""
    return (data["kind"], data["occurred_on"], data["title"], data["created_by"], _utc(data["created_at"]))


def incident_update_key(data: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a rectification step of an incident: when, who and the status it recorded."""
    return (_utc(data["at"]), data["actor"], data["status"])


def _check_incident(p: Path, where: str, data: dict[str, Any], seen: set[tuple[Any, ...]]) -> None:
    seen_steps: set[tuple[Any, ...]] = set()
    for i, u in enumerate(data["updates"], start=1):
        bad = check_fields(INCIDENT_UPDATE_SPEC, u)
        if bad is not None:
            raise bundle_error(
                p,
                where,
                f"第 {i} 条整改记录的字段 {bad} 缺失或类型错误",
                f"rectification step {i}: field {bad} missing or of the wrong type",
            )
        if set(u) != set(INCIDENT_UPDATE_SPEC):
            raise bundle_error(p, where, f"第 {i} 条整改记录有多余字段", f"step {i} has unknown fields")
        key = incident_update_key(u)
        if key in seen_steps:
            raise bundle_error(p, where, f"第 {i} 条整改记录重复", f"duplicate rectification step {i}")
        seen_steps.add(key)
    key = incident_key(data)
    if key in seen:
        raise bundle_error(p, where, "问题记录重复", "duplicate incident")
    seen.add(key)
