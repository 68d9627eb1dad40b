"""rfm.export and rfm.io.export.export_table: the CRM file, read back."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from rfm import export
from rfm.io.export import export_table


def export_inputs() -> dict:
    idx = pd.Index([17850, 12346, 13047], name="CustomerID")
    rfm = pd.DataFrame(
        {"recency": [1, 325, 31], "frequency": [34, 1, 10], "monetary": [5391.21, 77183.6, 3237.54],
         "tenure_days": [300, 0, 200]},
        index=idx,
    )  # fmt: skip
    scores = rfm.assign(
        r_score=[5, 1, 3], f_score=[5, 1, 4], m_score=[5, 5, 4], rfm_code=["555", "115", "344"]
    )
    segments = pd.DataFrame({"segment": ["Champions", "Lost", "Loyal Customers"]}, index=idx)
    labels = pd.Series([1, 0, 1], index=idx)
    personas = pd.Series({1: "Champions", 0: "Lost"}, name="persona")
    silhouette = np.array([0.61, 0.0, 0.42])
    return {
        "rfm": rfm,
        "labels": labels,
        "scores": scores,
        "segments": segments,
        "personas": personas,
        "silhouette": silhouette,
    }


def expected_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": [17850, 12346, 13047],
            "recency": [1, 325, 31],
            "frequency": [34, 1, 10],
            "monetary": [5391.21, 77183.6, 3237.54],
            "r_score": [5, 1, 3],
            "f_score": [5, 1, 4],
            "m_score": [5, 5, 4],
            "rfm_code": [555, 115, 344],  # read back from CSV as numbers
            "segment": ["Champions", "Lost", "Loyal Customers"],
            "cluster": [1, 0, 1],
            "persona": ["Champions", "Lost", "Champions"],
            "silhouette": [0.61, 0.0, 0.42],
        }
    )


def test_export_csv_round_trip(tmp_path) -> None:
    inp = export_inputs()
    before = inp["rfm"].copy()
    path = export(tmp_path / "crm.csv", **inp)
    assert path == tmp_path / "crm.csv"
    back = pd.read_csv(path)
    pd.testing.assert_frame_equal(back, expected_table(), check_dtype=False)
    pd.testing.assert_frame_equal(inp["rfm"], before)


def test_export_minimal_columns_and_segment_series(tmp_path) -> None:
    inp = export_inputs()
    table = export_table(inp["rfm"], inp["labels"], segments=inp["segments"]["segment"])
    assert list(table.columns) == [
        "customer",
        "recency",
        "frequency",
        "monetary",
        "segment",
        "cluster",
    ]


@pytest.mark.skipif(importlib.util.find_spec("openpyxl") is None, reason="openpyxl not installed")
def test_export_xlsx_round_trip(tmp_path) -> None:
    path = export(tmp_path / "crm.xlsx", **export_inputs(), format="xlsx")
    back = pd.read_excel(path, sheet_name="customers")
    exp = expected_table()
    back["rfm_code"] = back["rfm_code"].astype(int)
    pd.testing.assert_frame_equal(back, exp, check_dtype=False)


def test_export_xlsx_without_openpyxl_is_a_clear_error(tmp_path, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a)
    )
    with pytest.raises(ImportError, match="pip install openpyxl"):
        export(tmp_path / "crm.xlsx", **export_inputs(), format="xlsx")
    assert not (tmp_path / "crm.xlsx").exists()


def test_export_bad_input(tmp_path) -> None:
    inp = export_inputs()
    with pytest.raises(ValueError, match="format"):
        export(tmp_path / "x.json", inp["rfm"], inp["labels"], format="json")
    with pytest.raises(ValueError, match="no name for cluster"):
        export(tmp_path / "x.csv", inp["rfm"], inp["labels"], personas={1: "Champions"})
    with pytest.raises(ValueError, match="one value per customer"):
        export(tmp_path / "x.csv", inp["rfm"], inp["labels"], silhouette=[0.1])
    with pytest.raises(ValueError, match="does not exist"):
        export(tmp_path / "nope" / "x.csv", inp["rfm"], inp["labels"])
    with pytest.raises(ValueError, match="missing column"):
        export(tmp_path / "x.csv", inp["rfm"], inp["labels"], scores=inp["rfm"])


def test_segments_floats_are_written_with_12_significant_digits() -> None:
    """Every float of segments.csv within half a unit of its 12th significant digit of the
    value (the nearest 12-digit decimal; at an exact tie either neighbour), and written
    with at most 12 significant digits; NaN, zero and infinities kept."""
    from rfm.io.export import _significant_digits

    rng = np.random.default_rng(0)
    v = rng.lognormal(3, 6, 20_000) * rng.choice([1, -1], 20_000)
    v = np.r_[v, 0.0, np.nan, np.inf, 1e-30, 5e-324, 1.7e308]
    got = _significant_digits(pd.DataFrame({"a": v}), 12)["a"].to_numpy()
    finite = np.isfinite(v) & (v != 0)
    unit = 10.0 ** (np.floor(np.log10(np.abs(v[finite]))) - 11)
    # half a unit, plus the binary error of a decimal tie (a few ulps of the value)
    slack = 0.5 * unit + 4 * np.spacing(np.abs(v[finite]))
    assert (np.abs(got[finite] - v[finite]) <= slack).all()
    for x in got[finite]:
        digits = repr(float(x)).split("e")[0].replace("-", "").replace(".", "").strip("0")
        assert len(digits) <= 12, x
    assert got[-6] == 0.0 and np.isnan(got[-5]) and got[-4] == np.inf


def test_a_carriage_return_in_a_used_category_ends_lines_with_crlf(tmp_path) -> None:
    """A category column is checked by its categories that occur: one holding a carriage
    return makes every line end in CRLF (a spreadsheet then keeps the row whole); one that
    no row uses changes nothing."""
    from rfm.io.export import write_csv

    used = pd.DataFrame({"id": ["a", "b"], "note": pd.Categorical(["x\ry", "z"])})
    unused = pd.DataFrame({
        "id": ["a", "b"], "note": pd.Categorical(["z", "z"], categories=["z", "x\ry"]),
    })  # fmt: skip
    write_csv(used, tmp_path / "used.csv")
    write_csv(unused, tmp_path / "unused.csv")
    assert (tmp_path / "used.csv").read_bytes().endswith(b'"z"\r\n')
    assert (tmp_path / "used.csv").read_bytes().count(b"\r\n") == 3
    assert b"\r" not in (tmp_path / "unused.csv").read_bytes()
    # the same text as a plain column decides the same way
    write_csv(used.astype({"note": object}), tmp_path / "plain.csv")
    assert (tmp_path / "plain.csv").read_bytes() == (tmp_path / "used.csv").read_bytes()
