"""The provenance's JSON form (stored with every computed value) and reading it back."""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path

import numpy as np
import pytest

from liangshan.provenance import InputFile, Provenance, jsonable, sha256_file


class _Kind(enum.Enum):
    A = "甲"


def test_jsonable_gives_json_types_only() -> None:
    value = {
        "path": Path("a/b.csv"),
        "when": dt.date(2025, 3, 1),
        "at": dt.datetime(2025, 3, 1, 8, 30),
        "kinds": (_Kind.A, {"x"}),
        1: np.float64(2.5),
        "n": np.int32(7),
        "nested": [{"t": (1, 2)}],
        "nan": float("nan"),
    }
    out = jsonable(value)
    assert out["path"] == "a/b.csv"
    assert out["when"] == "2025-03-01"
    assert out["at"] == "2025-03-01T08:30:00"
    assert out["kinds"] == ["甲", ["x"]]
    assert out["1"] == 2.5 and type(out["1"]) is float
    assert out["n"] == 7 and type(out["n"]) is int
    assert out["nested"] == [{"t": [1, 2]}]
    assert out["nan"] != out["nan"]
    with pytest.raises(TypeError, match="provenance cannot hold a object"):
        jsonable({"x": object()})
    with pytest.raises(TypeError, match="ndarray"):
        jsonable(np.arange(3))


def test_round_trip_through_json(tmp_path: Path) -> None:
    f = tmp_path / "空气.csv"
    f.write_bytes(b"station,time\n")
    inp = sha256_file(f)
    assert inp == InputFile(name="空气.csv", sha256=inp.sha256, size=13)
    prov = Provenance(
        calculator="c",
        standard="HJ633-2026",
        parameters={"edition": "auto", "years": (2024, 2025)},
        inputs=[inp],
    )
    text = json.dumps(prov.to_json(), ensure_ascii=False)
    back = Provenance.from_json(json.loads(text))
    assert back.to_json() == prov.to_json()
    assert back.inputs == [inp]
    assert back.parameters == {"edition": "auto", "years": [2024, 2025]}
    assert list(prov.to_json()) == [
        "calculator",
        "standard",
        "parameters",
        "inputs",
        "package_version",
        "components",
    ]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "expected an object"),
        ({"standard": "s"}, "calculator must be text"),
        ({"calculator": "c", "standard": "s", "inputs": {}}, "inputs a list"),
        ({"calculator": "c", "standard": "s", "inputs": [{"name": "a", "sha256": "0", "size": -1}]}, "size"),
        (
            {"calculator": "c", "standard": "s", "inputs": [{"name": "a", "sha256": "0", "size": True}]},
            "size",
        ),
        ({"calculator": "c", "standard": "s", "inputs": [{"name": 1, "sha256": "0", "size": 1}]}, "name"),
    ],
)
def test_a_malformed_document_is_refused(doc: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Provenance.from_json(doc)
