"""公众满意度 statistics (indicator 17, “两山”建设成效公众满意度, target > 95%).

No official sampling rule was retrieved (docs/survey.md, UNVERIFIED); this module implements the recommended
practice stated there, every choice a parameter:

- 5-point scale ``很满意, 满意, 基本满意, 不太满意, 不满意``. Satisfaction = top-box responses / valid
  responses × 100. **Default top box = 3** (很满意 + 满意 + 基本满意), the usual reading of docs/survey.md
  "(满意 + 比较满意/基本满意) / valid"; ``top_box=2`` counts 很满意 + 满意 only.
- 95 % confidence interval of the unweighted rate: **Wilson score interval** (good coverage near 100 %,
  unlike the Wald interval)::

      centre = (p + z²/2n) / (1 + z²/n),   half = z / (1 + z²/n) · sqrt(p(1−p)/n + z²/4n²)

- Stratified (township × urban/rural) weighted rate ``p_w = Σ_h W_h p_h`` with ``W_h`` = population
  shares from a table (or sample shares ``n_h / n`` by default, which gives the unweighted rate). Its
  design-based variance (stratified simple random sampling, no finite-population correction, which is
  conservative)::

      Var(p_w) = Σ_h W_h² p_h (1 − p_h) / n_h,    CI = p_w ± z · sqrt(Var)

  When every stratum is at 0 % or 100 % that variance is 0 and the normal interval degenerates; the
  Wilson interval of the pooled counts is then used instead (``ci_method`` says so).
- Sample size for a proportion with finite-population correction::

      n0 = z² p (1 − p) / e²,   n = n0 / (1 + (n0 − 1) / N),   rounded up

  (z = 1.96, p = 0.5, e = 0.05 → 385 for N = ∞), optionally inflated for invalid questionnaires.
- A claim "满意度 > 95 %" is supported only when the CI lower bound is above 95 (``supports_claim``).

z defaults to **1.96** (the value docs/survey.md and Chinese survey practice use) rather than 1.959964; pass
``z`` to change it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from liangshan.standards.errors import InputError
from liangshan.standards.tabular import Table, TableError, field_label, read_fields

__all__ = [
    "ANSWER_LEVELS",
    "DEFAULT_TOP_BOX",
    "STRATUM_COLUMNS",
    "Z_95",
    "SurveyInputError",
    "SurveyResult",
    "encode_answers",
    "read_responses",
    "read_weights",
    "sample_size",
    "satisfaction",
    "wilson_interval",
]

#: The 5-point scale, most satisfied first (index = answer code 0..4).
ANSWER_LEVELS: tuple[str, ...] = ("很满意", "满意", "基本满意", "不太满意", "不满意")
#: Default number of top categories counted as satisfied (很满意, 满意, 基本满意), UNVERIFIED.
DEFAULT_TOP_BOX = 3
#: Two-sided 95 % normal quantile as used in survey practice (exact value 1.959964…).
Z_95 = 1.96
#: Columns that may define strata, in this order.
STRATUM_COLUMNS: tuple[str, ...] = ("township", "urban_rural")


class SurveyInputError(InputError):
    """Bad survey input (see :class:`~liangshan.standards.errors.InputError`)."""


# --------------------------------------------------------------------------------------------- formulas


def wilson_interval(k: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    k : float
        Number of successes (satisfied responses), 0 ≤ k ≤ n. May be a weighted equivalent count.
    n : float
        Number of trials (valid responses), > 0.
    z : float
        Normal quantile (1.96 for a two-sided 95 % interval).

    Returns
    -------
    (low, high) : tuple of float
        Bounds as fractions in [0, 1].

    References
    ----------
    E. B. Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927).
    """
    if n <= 0:
        raise ValueError("n 必须大于 0")
    if not 0 <= k <= n:
        raise ValueError(f"k 应在 0..n 之间，得到 k={k}, n={n}")
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def sample_size(
    population: float | None = None,
    *,
    p: float = 0.5,
    margin: float = 0.05,
    z: float = Z_95,
    invalid_allowance: float = 0.0,
) -> int:
    """Sample size needed to estimate a proportion, with finite-population correction.

    Parameters
    ----------
    population : float or None
        N, size of the surveyed population (persons); ``None`` or ``inf`` for an infinite population.
    p : float
        Planning proportion (0.5 is the most conservative).
    margin : float
        e, half-width of the interval as a fraction (0.05 = ±5 percentage points).
    z : float
        Normal quantile (1.96 for 95 %).
    invalid_allowance : float
        Fraction added for invalid questionnaires (docs/survey.md suggests 0.10–0.20); 0 by default.

    Returns
    -------
    int
        ``ceil(n / (1 − invalid_allowance))`` where ``n = n0 / (1 + (n0 − 1)/N)``, ``n0 = z²p(1−p)/e²``.
    """
    if not 0 < p < 1:
        raise ValueError(f"p 应在 (0, 1) 之间，得到 {p}")
    if not 0 < margin < 1:
        raise ValueError(f"margin 应在 (0, 1) 之间，得到 {margin}")
    if not 0 <= invalid_allowance < 1:
        raise ValueError(f"invalid_allowance 应在 [0, 1) 之间，得到 {invalid_allowance}")
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None or math.isinf(population):
        n = n0
    else:
        if population < 1:
            raise ValueError(f"总体规模 N 应 ≥ 1，得到 {population}")
        n = n0 / (1 + (n0 - 1) / population)
    n = n / (1 - invalid_allowance)
    # guard against 384.00000000000006 style float noise before rounding up
    return math.ceil(round(n, 9))


# ------------------------------------------------------------------------------------------------ input


def encode_answers(
    answers: Sequence[str] | pl.Series, *, file: str | None = None, column: str = "answer"
) -> np.ndarray:
    """Map answer labels to codes 0 (很满意) … 4 (不满意), vectorized.

    Parameters
    ----------
    answers : sequence of str or polars.Series
        Labels; surrounding whitespace is ignored.
    file : str, optional
        File name used in the error message.
    column : str
        The column named in the error message (the file's own header, e.g. 满意度).

    Returns
    -------
    numpy.ndarray of int8

    Raises
    ------
    SurveyInputError
        For the first label outside :data:`ANSWER_LEVELS`, naming its CSV row (header = row 1).
    """
    s = answers if isinstance(answers, pl.Series) else pl.Series("answer", list(answers), dtype=pl.String)
    s = s.cast(pl.String).str.strip_chars()
    mapping = {lab: i for i, lab in enumerate(ANSWER_LEVELS)}
    codes = s.replace_strict(mapping, default=None, return_dtype=pl.Int8)
    bad = codes.is_null().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SurveyInputError(
            f"答案 {s[i]!r} 不在取值范围内（应为：{'、'.join(ANSWER_LEVELS)}）；共 {int(bad.sum())} 行无效",
            file=file,
            row=i + 2,
            column=column,
        )
    return codes.to_numpy()


def _read_csv_text(path: Path, schema: str) -> Table:
    """Text columns of a CSV (UTF-8 or GB18030, detected) or .xlsx, headers renamed through the
    ``schema`` synonyms of ``tabular_headers.yaml`` (答案, 乡镇, 城乡, 人口, 权重 …); messages name a
    column by :meth:`Table.header_of` (the header the user wrote)."""
    try:
        return read_fields(path, schema, name=str(path))
    except TableError as exc:
        raise SurveyInputError(exc.reason, file=exc.file, row=exc.row, column=exc.column) from None


def read_responses(path: str | Path) -> pl.DataFrame:
    """Read a responses CSV.

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8 or GB18030) or .xlsx with column ``answer`` (or 答案/满意度: 很满意, 满意, 基本满意,
        不太满意, 不满意) and optional ``township`` (乡镇) and ``urban_rural`` (城镇/农村 or any stratum
        label). Other columns are kept.

    Returns
    -------
    polars.DataFrame
        Columns ``code`` (Int8, 0 = 很满意 … 4 = 不满意), ``answer`` and the optional stratum columns.

    Raises
    ------
    SurveyInputError
        Missing ``answer`` column, no rows, an out-of-range answer or an empty stratum label (row named).
    """
    p = Path(path)
    table = _read_csv_text(p, "survey_responses")
    df, head = table.frame, table.header_of
    if "answer" not in df.columns:
        shown = [head(c) for c in df.columns]
        need = field_label("survey_responses", "answer", shown)
        raise SurveyInputError(f"缺少列 {need}（现有列：{', '.join(shown)}）", file=str(p))
    if df.height == 0:
        raise SurveyInputError("没有有效问卷（数据行为 0）", file=str(p))
    codes = encode_answers(df["answer"].fill_null(""), file=str(p), column=head("answer"))
    for col in STRATUM_COLUMNS:
        if col in df.columns:
            vals = df[col].str.strip_chars()
            empty = (vals.is_null() | (vals == "")).to_numpy()
            if empty.any():
                i = int(np.flatnonzero(empty)[0])
                raise SurveyInputError("分层字段为空", file=str(p), row=i + 2, column=head(col))
            df = df.with_columns(vals.alias(col))
    return df.with_columns(pl.Series("code", codes, dtype=pl.Int8), pl.col("answer").str.strip_chars())


def read_weights(path: str | Path) -> pl.DataFrame:
    """Read a stratum weights CSV.

    Parameters
    ----------
    path : str or Path
        CSV with one or both stratum columns ``township``, ``urban_rural`` and either ``population``
        (persons; shares are computed) or ``weight`` (shares, normalised to sum 1).

    Returns
    -------
    polars.DataFrame
        Stratum columns plus ``weight`` (Float64, sums to 1).

    Raises
    ------
    SurveyInputError
        No stratum column, no population/weight column, non-numeric or negative values, duplicate strata.
    """
    p = Path(path)
    table = _read_csv_text(p, "survey_weights")
    df, head = table.frame, table.header_of

    def label(col: str) -> str:  # a column the file lacks, named as this file's user would write it
        return field_label("survey_weights", col, table.headers)

    keys = [c for c in STRATUM_COLUMNS if c in df.columns]
    if not keys:
        raise SurveyInputError(
            f"权重表缺少分层列（{label('township')} 和/或 {label('urban_rural')}）", file=str(p)
        )
    wcol = "population" if "population" in df.columns else "weight" if "weight" in df.columns else None
    if wcol is None:
        raise SurveyInputError(f"权重表缺少 {label('population')} 或 {label('weight')} 列", file=str(p))
    if df.height == 0:
        raise SurveyInputError("权重表没有数据行", file=str(p))
    raw = df[wcol].str.strip_chars()
    num = raw.cast(pl.Float64, strict=False)
    bad = (num.is_null() | (num < 0).fill_null(True) | ~num.is_finite().fill_null(False)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SurveyInputError(f"应为非负数值，得到 {raw[i]!r}", file=str(p), row=i + 2, column=head(wcol))
    total = float(num.sum())
    if total <= 0:
        raise SurveyInputError(f"{head(wcol)} 合计必须大于 0", file=str(p), column=head(wcol))
    out = df.select([pl.col(k).str.strip_chars() for k in keys]).with_columns((num / total).alias("weight"))
    dup = (~out.select(pl.struct(keys).is_first_distinct()).to_series()).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SurveyInputError("分层重复", file=str(p), row=i + 2, column="、".join(head(k) for k in keys))
    return out


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SurveyResult:
    """Satisfaction statistics of one survey.

    Attributes
    ----------
    n : int
        Valid responses.
    satisfied : float
        Top-box responses (unweighted) — an integer count.
    satisfaction_percent : float
        Reported rate, %: weighted when a weights table was given, else unweighted.
    unweighted_percent : float
        Top-box share of the sample, %.
    ci_low, ci_high : float
        Confidence interval of the reported rate, %.
    ci_method : str
        ``wilson``, ``stratified`` (Σ W_h² p_h(1−p_h)/n_h) or ``wilson(回退)``.
    sample_needed : int
        Sample size needed at the given population (FPC) and margin.
    supports_claim : bool
        CI lower bound > ``claim_threshold`` (the sample supports "满意度 > 95 %").
    sample_sufficient : bool
        ``n ≥ sample_needed``.
    satisfied_equivalent : float
        Count recorded for the indicator: ``satisfied`` when unweighted, ``p_w × n`` when weighted.
    strata : list of dict
        Per stratum: keys, n, satisfied, percent, weight.
    parameters : dict
        Every choice that produced the figures (top box and its labels, z, margin, p, N, weights source).
    """

    n: int
    satisfied: int
    satisfaction_percent: float
    unweighted_percent: float
    ci_low: float
    ci_high: float
    ci_method: str
    sample_needed: int
    supports_claim: bool
    sample_sufficient: bool
    weighted: bool
    satisfied_equivalent: float
    counts: dict[str, int]
    strata: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)


def satisfaction(
    responses: pl.DataFrame,
    *,
    top_box: int = DEFAULT_TOP_BOX,
    weights: pl.DataFrame | None = None,
    population: float | None = None,
    z: float = Z_95,
    margin: float = 0.05,
    planning_p: float = 0.5,
    invalid_allowance: float = 0.0,
    claim_threshold: float = 95.0,
) -> SurveyResult:
    """Satisfaction rate, confidence interval, sample size needed and the > 95 % claim flag.

    Parameters
    ----------
    responses : polars.DataFrame
        As returned by :func:`read_responses`: column ``code`` (0 = 很满意 … 4 = 不满意) and optional
        ``township``, ``urban_rural``.
    top_box : int
        Number of top categories counted as satisfied, 1–4 (default 3: 很满意, 满意, 基本满意).
    weights : polars.DataFrame, optional
        From :func:`read_weights`: stratum columns + ``weight`` (population shares). Every stratum of the
        table must have respondents and every respondent must fall in a stratum of the table. Without it
        the rate is unweighted (sample shares) and the Wilson interval is used.
    population : float, optional
        N, persons in the surveyed population, for the finite-population correction of the sample size.
    z : float
        Normal quantile of the interval and the sample size (1.96 = 95 %).
    margin : float
        Margin of error e used for ``sample_needed`` (fraction).
    planning_p : float
        Planning proportion p used for ``sample_needed``.
    invalid_allowance : float
        Fraction added to ``sample_needed`` for invalid questionnaires.
    claim_threshold : float
        Percent the CI lower bound must exceed for ``supports_claim`` (95).

    Returns
    -------
    SurveyResult

    Raises
    ------
    SurveyInputError
        A stratum of the weights table without respondents, or respondents outside the table's strata.
    """
    if not 1 <= top_box <= len(ANSWER_LEVELS) - 1:
        raise ValueError(f"top_box 应在 1..{len(ANSWER_LEVELS) - 1} 之间，得到 {top_box}")
    codes = responses["code"].to_numpy()
    n = int(codes.size)
    if n == 0:
        raise SurveyInputError("没有有效问卷")
    sat_mask = codes < top_box
    k = int(sat_mask.sum())
    counts = {lab: int(c) for lab, c in zip(ANSWER_LEVELS, np.bincount(codes, minlength=5), strict=True)}
    p_hat = k / n
    keys = [c for c in STRATUM_COLUMNS if c in responses.columns]
    frame = responses.with_columns(pl.Series("_sat", sat_mask, dtype=pl.Int64))
    strata_df: pl.DataFrame | None = None
    weighted = weights is not None
    if weighted:
        assert weights is not None
        wkeys = [c for c in STRATUM_COLUMNS if c in weights.columns]
        missing = [c for c in wkeys if c not in responses.columns]
        if missing:

            def named(c: str) -> str:  # the frames carry field names: name them as the files' user would
                return field_label("survey_responses", c, responses.columns)

            raise SurveyInputError(
                f"权重表按 {'、'.join(map(named, wkeys))} 分层，但问卷缺少列 {'、'.join(map(named, missing))}"
            )
        keys = wkeys
        joined = frame.with_row_index("_row").join(weights, on=keys, how="left")
        nomatch = joined.filter(pl.col("weight").is_null()).sort("_row")
        if nomatch.height:
            r = nomatch.row(0, named=True)
            label = " / ".join(str(r[c]) for c in keys)
            raise SurveyInputError(
                f"分层 {label} 不在权重表中",
                row=int(r["_row"]) + 2,
                column="、".join(field_label("survey_responses", c, responses.columns) for c in keys),
            )
        strata_df = (
            frame.group_by(keys)
            .agg(pl.len().alias("n"), pl.col("_sat").sum().alias("satisfied"))
            .join(weights, on=keys, how="right")
            .select([*keys, "n", "satisfied", "weight"])
        )
        empty = strata_df.filter(pl.col("n").is_null() & (pl.col("weight") > 0))
        if empty.height:
            r = empty.row(0, named=True)
            label = " / ".join(str(r[c]) for c in keys)
            raise SurveyInputError(f"权重表中的分层 {label} 没有样本，无法估计该层满意度")
        strata_df = strata_df.filter(pl.col("n").is_not_null()).with_columns(
            pl.col("n").cast(pl.Int64), pl.col("satisfied").cast(pl.Int64)
        )
    elif keys:
        strata_df = (
            frame.group_by(keys)
            .agg(pl.len().alias("n"), pl.col("_sat").sum().alias("satisfied"))
            .with_columns((pl.col("n") / n).alias("weight"))
        )
    if strata_df is not None:
        strata_df = strata_df.with_columns(
            (pl.col("satisfied") / pl.col("n")).alias("p"),
        ).sort(keys)

    if weighted and strata_df is not None:
        w = strata_df["weight"].to_numpy()
        w = w / w.sum()
        nh = strata_df["n"].to_numpy().astype(float)
        ph = strata_df["p"].to_numpy()
        rate = float(np.sum(w * ph))
        var = float(np.sum(w * w * ph * (1 - ph) / nh))
        if var > 0:
            half = z * math.sqrt(var)
            lo, hi = max(0.0, rate - half), min(1.0, rate + half)
            ci_method = "stratified"
        else:
            lo, hi = wilson_interval(k, n, z)
            ci_method = "wilson(回退)"
        sat_equiv = rate * n
        weights_source = "人口权重表"
    else:
        rate = p_hat
        lo, hi = wilson_interval(k, n, z)
        ci_method = "wilson"
        sat_equiv = float(k)
        weights_source = "样本份额（未加权）"

    needed = sample_size(population, p=planning_p, margin=margin, z=z, invalid_allowance=invalid_allowance)
    strata: list[dict[str, Any]] = []
    if strata_df is not None:
        strata = [
            {
                **{c: r[c] for c in keys},
                "n": int(r["n"]),
                "satisfied": int(r["satisfied"]),
                "percent": 100.0 * float(r["p"]),
                "weight": float(r["weight"]),
            }
            for r in strata_df.iter_rows(named=True)
        ]
    params: dict[str, Any] = {
        "top_box": top_box,
        "top_box_labels": list(ANSWER_LEVELS[:top_box]),
        "z": z,
        "margin": margin,
        "planning_p": planning_p,
        "invalid_allowance": invalid_allowance,
        "population": population,
        "claim_threshold": claim_threshold,
        "weights": weights_source,
        "strata_columns": keys,
        "ci_method": ci_method,
    }
    return SurveyResult(
        n=n,
        satisfied=k,
        satisfaction_percent=100.0 * rate,
        unweighted_percent=100.0 * p_hat,
        ci_low=100.0 * lo,
        ci_high=100.0 * hi,
        ci_method=ci_method,
        sample_needed=needed,
        supports_claim=100.0 * lo > claim_threshold,
        sample_sufficient=n >= needed,
        weighted=weighted,
        satisfied_equivalent=sat_equiv,
        counts=counts,
        strata=strata,
        parameters=params,
    )
