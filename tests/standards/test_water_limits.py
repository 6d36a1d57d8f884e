"""Water limit tables: a second transcription of GB 3838-2002 and GB/T 14848-2017 (typed from SPEC §C.1, §C.2,
§E) checked against the loaded CSVs, and every limit of every item classified on both sides."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangshan.standards.water import classify as C
from liangshan.standards.water.limits import (
    EVALUATION_ITEMS_2011,
    GB3838_2002,
    GBT14848_2017,
    TABLE2_ITEMS,
    TABLE3_ITEMS,
    item_code,
)  # fmt: skip

INF = math.inf
# GB 3838-2002 表1 (mg/L; pH 无量纲; 粪大肠菌群 个/L): direction, limits of classes I..V.
GB3838_T1: dict[str, tuple[str, list]] = {
    "ph": ("range", [(6, 9)] * 5), "do": ("ge", [7.5, 6, 5, 3, 2]), "codmn": ("le", [2, 4, 6, 10, 15]),
    "cod": ("le", [15, 15, 20, 30, 40]), "bod5": ("le", [3, 3, 4, 6, 10]),
    "nh3n": ("le", [0.15, 0.5, 1.0, 1.5, 2.0]), "tp": ("le", [0.02, 0.1, 0.2, 0.3, 0.4]),
    "tp@lake": ("le", [0.01, 0.025, 0.05, 0.1, 0.2]), "tn": ("le", [0.2, 0.5, 1.0, 1.5, 2.0]),
    "cu": ("le", [0.01, 1.0, 1.0, 1.0, 1.0]), "zn": ("le", [0.05, 1.0, 1.0, 2.0, 2.0]),
    "f": ("le", [1.0, 1.0, 1.0, 1.5, 1.5]), "se": ("le", [0.01, 0.01, 0.01, 0.02, 0.02]),
    "as": ("le", [0.05, 0.05, 0.05, 0.1, 0.1]), "hg": ("le", [0.00005, 0.00005, 0.0001, 0.001, 0.001]),
    "cd": ("le", [0.001, 0.005, 0.005, 0.005, 0.01]), "cr6": ("le", [0.01, 0.05, 0.05, 0.05, 0.1]),
    "pb": ("le", [0.01, 0.01, 0.05, 0.05, 0.1]), "cn": ("le", [0.005, 0.05, 0.2, 0.2, 0.2]),
    "phenol": ("le", [0.002, 0.002, 0.005, 0.01, 0.1]), "petroleum": ("le", [0.05, 0.05, 0.05, 0.5, 1.0]),
    "las": ("le", [0.2, 0.2, 0.2, 0.3, 0.3]), "sulfide": ("le", [0.05, 0.1, 0.2, 0.5, 1.0]),
    "fecal_coliform": ("le", [200, 2000, 10000, 20000, 40000]),
}  # fmt: skip
GB3838_T2 = {"so4": 250, "cl": 250, "no3n": 10, "fe": 0.3, "mn": 0.1}
GB3838_T3_SAMPLE = {
    "chloroform": 0.06, "carbon_tetrachloride": 0.002, "benzene": 0.01, "toluene": 0.7,
    "formaldehyde": 0.9, "benzo_a_pyrene": 2.8e-6, "methylmercury": 1e-6, "tl": 0.0001,
}  # fmt: skip
# GB/T 14848-2017 表1 in mg/L (µg/L items divided by 1000 by hand), classes I..IV; V beyond IV.
GBT14848_T1: dict[str, tuple[str, list]] = {
    "color": ("le", [5, 5, 15, 25]), "odor": ("le", [0, 0, 0, 0]), "turbidity": ("le", [3, 3, 3, 10]),
    "visible": ("le", [0, 0, 0, 0]), "ph": ("range", [(6.5, 8.5)] * 3 + [(5.5, 9.0)]),
    "hardness": ("le", [150, 300, 450, 650]), "tds": ("le", [300, 500, 1000, 2000]),
    "so4": ("le", [50, 150, 250, 350]), "cl": ("le", [50, 150, 250, 350]), "fe": ("le", [0.1, 0.2, 0.3, 2.0]),
    "mn": ("le", [0.05, 0.05, 0.10, 1.50]), "cu": ("le", [0.01, 0.05, 1.00, 1.50]),
    "zn": ("le", [0.05, 0.5, 1.00, 5.00]), "al": ("le", [0.01, 0.05, 0.20, 0.50]),
    "phenol": ("le", [0.001, 0.001, 0.002, 0.01]), "las": ("le", [0.0, 0.1, 0.3, 0.3]),
    "codmn": ("le", [1.0, 2.0, 3.0, 10.0]), "nh3n": ("le", [0.02, 0.10, 0.50, 1.50]),
    "sulfide": ("le", [0.005, 0.01, 0.02, 0.10]), "na": ("le", [100, 150, 200, 400]),
    "total_coliform": ("le", [3.0, 3.0, 3.0, 100]), "bacteria": ("le", [100, 100, 100, 1000]),
    "no2n": ("le", [0.01, 0.10, 1.00, 4.80]), "no3n": ("le", [2.0, 5.0, 20.0, 30.0]),
    "cn": ("le", [0.001, 0.01, 0.05, 0.1]), "f": ("le", [1.0, 1.0, 1.0, 2.0]),
    "iodide": ("le", [0.04, 0.04, 0.08, 0.50]), "hg": ("le", [0.0001, 0.0001, 0.001, 0.002]),
    "as": ("le", [0.001, 0.001, 0.01, 0.05]), "se": ("le", [0.01, 0.01, 0.01, 0.1]),
    "cd": ("le", [0.0001, 0.001, 0.005, 0.01]), "cr6": ("le", [0.005, 0.01, 0.05, 0.10]),
    "pb": ("le", [0.005, 0.005, 0.01, 0.10]), "chloroform": ("le", [0.0005, 0.006, 0.06, 0.3]),
    "carbon_tetrachloride": ("le", [0.0005, 0.0005, 0.002, 0.05]),
    "benzene": ("le", [0.0005, 0.001, 0.01, 0.12]),
    "toluene": ("le", [0.0005, 0.14, 0.7, 1.4]), "gross_alpha": ("le", [0.1, 0.1, 0.5, INF]),
    "gross_beta": ("le", [0.1, 1.0, 1.0, INF]),
}  # fmt: skip
GBT14848_T2_SAMPLE = {
    "be": [0.0001, 0.0001, 0.002, 0.06], "ag": [0.001, 0.01, 0.05, 0.10],
    "glyphosate": [0.0001, 0.14, 0.7, 1.4], "benzo_a_pyrene": [0.000002, 0.000002, 0.00001, 0.0005],
}  # fmt: skip


def ref_class(direction: str, limits: list, x: float) -> int:
    """Scalar oracle: the first (best) class whose limit the value meets, else the class after the last."""
    for k, lim in enumerate(limits):
        ok = x <= lim if direction == "le" else x >= lim if direction == "ge" else lim[0] <= x <= lim[1]
        if ok:
            return k + 1
    return len(limits) + 1


def _bounds(std, key):  # loaded (lo, hi) rows
    i = std.index[key]
    return std.lo[i].tolist(), std.hi[i].tolist()


@pytest.mark.parametrize(("std", "table"), [(GB3838_2002, GB3838_T1), (GBT14848_2017, GBT14848_T1)])
def test_loaded_tables_equal_second_transcription(std, table) -> None:
    for key, (direction, limits) in table.items():
        lo, hi = _bounds(std, key)
        if direction == "le":
            assert hi == [float(v) for v in limits] and all(v == -INF for v in lo), key
        elif direction == "ge":
            assert lo == [float(v) for v in limits] and all(v == INF for v in hi), key
        else:
            assert lo == [float(a) for a, _ in limits] and hi == [float(b) for _, b in limits], key


def test_table_sizes_and_single_limits() -> None:
    assert len([k for k in GB3838_2002.tables if GB3838_2002.tables[k] == "1"]) == 25  # 24 items + TP lake
    assert len(TABLE2_ITEMS) == 5 and len(TABLE3_ITEMS) == 80
    assert {k: GB3838_2002.single[k] for k in GB3838_T2} == {k: float(v) for k, v in GB3838_T2.items()}
    for k, v in GB3838_T3_SAMPLE.items():
        assert GB3838_2002.single[k] == v
    assert sum(t == "1" for t in GBT14848_2017.tables.values()) == 39
    assert sum(t == "2" for t in GBT14848_2017.tables.values()) == 54
    for key, limits in GBT14848_T2_SAMPLE.items():
        assert _bounds(GBT14848_2017, key)[1] == limits
    assert len(EVALUATION_ITEMS_2011) == 21 and not {"water_temp", "tn", "fecal_coliform"} & set(
        EVALUATION_ITEMS_2011
    )


@pytest.mark.parametrize(("std", "table"), [(GB3838_2002, GB3838_T1), (GBT14848_2017, GBT14848_T1)])
def test_every_limit_both_sides(std, table) -> None:
    for key, (direction, limits) in table.items():
        edges = limits if direction == "range" else [[v] for v in limits]
        cases: list[tuple[float, int]] = []
        for group in edges:
            for edge in group:
                if not math.isfinite(edge):
                    continue
                near = (np.nextafter(edge, INF), np.nextafter(edge, -INF), edge + 1e-6, max(edge - 1e-6, 0))
                for x in (edge, *near):
                    cases.append((float(x), ref_class(direction, limits, float(x))))
        xs = np.array([c[0] for c in cases])
        got = C.classify(key, xs, std).tolist()
        assert got == [c[1] for c in cases], key


def test_known_values_from_the_tables() -> None:
    # equal adjacent limits take the better class
    assert C.classify("cod", [15.0, 15.01]).tolist() == [1, 3]
    assert C.classify("cu", [1.0, 1.0000001]).tolist() == [2, 6]
    assert C.classify("mn", [0.05], GBT14848_2017).tolist() == [1]
    # DO: higher is better; pH: range (surface 6–9 else 劣Ⅴ; groundwater nested ranges)
    assert C.classify("do", [7.5, 7.49, 2.0, 1.99]).tolist() == [1, 2, 5, 6]
    assert C.classify("ph", [5.99, 6.0, 9.0, 9.01]).tolist() == [6, 1, 1, 6]
    assert C.classify("ph", [5.49, 5.5, 6.49, 6.5, 8.5, 8.51, 9.0, 9.01], GBT14848_2017).tolist() == [
        5,
        4,
        4,
        1,
        1,
        4,
        4,
        5,
    ]
    # TP: the same 0.05 mg/L is class Ⅱ in a river and Ⅲ in a lake/reservoir
    assert C.classify("tp", [0.05]).tolist() == [2] and C.classify("tp@lake", [0.05]).tolist() == [3]
    # radioactivity above the class-Ⅲ screening level is Ⅳ, never Ⅴ (table puts ">0.5" under Ⅳ)
    assert C.classify("gross_alpha", [0.51, 100.0], GBT14848_2017).tolist() == [4, 4]
    assert C.classify("nh3n", [np.nan]).tolist() == [0]
    with pytest.raises(KeyError):
        C.classify("so4", [1.0])  # 表2 single limit, no classes


def test_exceedance_over_class_iii() -> None:
    ki = C.key_indices(GB3838_2002, ["nh3n", "nh3n", "do", "ph", "tp@lake", "unknown"])
    got = C.exceedance_over_iii(GB3838_2002, ki, np.array([1.5, 1.0, 1.0, 10.0, 0.1, 5.0]))
    assert got[0] == pytest.approx(0.5) and got[4] == pytest.approx(1.0)
    assert np.isnan(got[[1, 2, 3, 5]]).all()  # at the limit, DO, pH, no limit


def test_round_report_half_even_on_decimal_values() -> None:
    x = np.array([np.mean([0.1] * 12), 0.155, 0.165, 0.1549999, 2.5, 3.5, 1.0005, 0.0125])
    got = C.round_report(x, np.array([3, 2, 2, 2, 0, 0, 3, 3]))
    assert got.tolist() == [0.1, 0.16, 0.16, 0.15, 2.0, 4.0, 1.0, 0.012]


def test_item_names_and_aliases() -> None:
    assert item_code("氨氮") == item_code("NH3-N") == item_code("nh3n") == "nh3n"
    assert item_code("高锰酸盐指数") == item_code("耗氧量") == "codmn"
    assert item_code("铬（六价）") == item_code("六价铬") == "cr6"
    assert item_code("总磷") == "tp" and item_code("不存在") is None


ALL = list(GB3838_T1.items())


@given(st.lists(st.tuples(st.integers(0, len(ALL) - 1), st.floats(0, 50000, allow_nan=False)), max_size=60))
def test_vectorized_equals_scalar_oracle(rows: list[tuple[int, float]]) -> None:
    keys = [ALL[i][0] for i, _ in rows]
    xs = np.array([x for _, x in rows], dtype=float)
    got = C.classify_keys(GB3838_2002, C.key_indices(GB3838_2002, keys), xs).tolist()
    assert got == [ref_class(ALL[i][1][0], ALL[i][1][1], x) for i, x in rows]


@given(
    st.sampled_from([k for k, (d, _) in GB3838_T1.items() if d == "le"]), st.floats(0, 1e5), st.floats(0, 1e5)
)
def test_class_is_monotone_in_concentration(key: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    ca, cb = C.classify(key, [lo, hi]).tolist()
    assert ca <= cb
