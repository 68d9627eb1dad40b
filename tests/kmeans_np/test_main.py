"""``python -m kmeans_np``: its help, and the walkthrough's figures against independent ones.

The walkthrough runs in process (``main(argv)`` with capsys). Its elbow figures are
checked against scikit-learn's inertias and Kneedle worked out here; its iterations
against Lloyd's algorithm written out in the test from the same starting centres.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans as SkKMeans

from kmeans_np import KMeans, MinMaxScaler
from kmeans_np.__main__ import customers, main


def walkthrough(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


def scaled() -> np.ndarray:
    """The walkthrough's data, min-max scaled with recency inverted, by hand."""
    v = customers().to_numpy(dtype=float)
    x = (v - v.min(axis=0)) / (v.max(axis=0) - v.min(axis=0))
    x[:, 0] = 1 - x[:, 0]
    return x


def test_help_explains_and_does_not_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m kmeans_np")
    assert "--k K" in out and "--seed SEED" in out and "inertia" in out
    assert "Step 1" not in out  # help only, no walkthrough


@pytest.mark.parametrize("bad", [["--k", "1"], ["--k", "11"], ["--k", "four"], ["--frobnicate"]])
def test_bad_options_are_refused(capsys: pytest.CaptureFixture[str], bad: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(bad)
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert "error:" in err and "Step 1" not in out


def test_walkthrough_elbow_against_sklearn_and_kneedle(capsys) -> None:
    out = walkthrough(capsys)
    X = scaled()
    ks = np.arange(2, 8)
    ref = np.array([SkKMeans(k, n_init=50, random_state=0).fit(X).inertia_ for k in ks])
    x = (ks - 2) / 5
    gaps = (1 - x) - (ref - ref.min()) / (ref.max() - ref.min())
    rows = re.findall(r"^ +(\d) +([\d.]+) +\S+ +\S+ +([\d.]+) +(True|False)$", out, re.M)
    assert [int(r[0]) for r in rows] == ks.tolist()
    np.testing.assert_allclose([float(r[1]) for r in rows], ref, atol=5e-5)
    np.testing.assert_allclose([float(r[2]) for r in rows], gaps, atol=5e-5)
    knee = int(ks[np.argmax(gaps)])
    assert [r[3] == "True" for r in rows] == (ks == knee).tolist()
    assert f"Here that is k = {knee} " in out
    runner_up = int(ks[np.argsort(-gaps, kind="stable")[1]])
    assert f"next comes k = {runner_up} " in out
    for words in ("sum of squares", "squared", "never rises", "farthest below"):
        assert words in out, words  # inertia and the knee explained


@pytest.mark.parametrize("argv", [[], ["--k", "3", "--seed", "7"]])
def test_walkthrough_iterations_are_lloyds(capsys, argv: list[str]) -> None:
    """Lloyd from the same starting centres, by hand: the same changes and inertias,
    said in good grammar, and the same clusters."""
    out = walkthrough(capsys, *argv)
    k = int(argv[1]) if argv else 4
    seed = int(argv[3]) if argv else 0
    X = scaled()
    start = (
        KMeans(k, n_init=10, random_state=seed, record_history=True)
        .fit(MinMaxScaler(invert=["recency"]).fit_transform(customers()))
        .history_[0]["centers"]
    )
    centers, labels, expected = start, np.full(len(X), -1), []
    while True:
        d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        new = d2.argmin(axis=1)
        changed = int((new != labels).sum())
        expected.append((changed, d2.min(axis=1).sum()))
        labels = new
        centers = np.array([X[labels == c].mean(axis=0) for c in range(k)])
        if changed == 0:
            break
    lines = re.findall(r"^  iteration (\d+): (.*); inertia ([\d.]+)$", out, re.M)
    assert len(lines) == len(expected)
    for (n, what, inertia), (changed, ref) in zip(lines, expected, strict=True):
        assert float(inertia) == pytest.approx(ref, abs=5e-5)
        if n == "1":
            assert what == "every customer joins its nearest starting centre"
        elif changed == 0:
            assert what == "no customer changed cluster: converged"
        else:
            noun = "customer" if changed == 1 else "customers"
            assert what == f"{changed} {noun} changed cluster"
    assert not re.search(r"\b1 (labels|customers|iterations)\b", out)
    # the clusters' table: sizes and mean spend of the hand-run labels
    table = out.split("The clusters (mean days, orders and spend of their customers):\n")[1]
    sizes = [int(line.split()[1]) for line in table.splitlines()[2:]]
    spend = [float(line.split()[-1]) for line in table.splitlines()[2:]]
    ref = customers().groupby(labels)["monetary"].mean()
    assert sorted(zip(sizes, spend, strict=True)) == sorted(
        zip(np.bincount(labels).tolist(), ref.round(1).tolist(), strict=True)
    )
    assert sum(sizes) == 20


def test_walkthrough_is_deterministic(capsys) -> None:
    assert walkthrough(capsys) == walkthrough(capsys)


def test_the_data_is_twenty_customers() -> None:
    rfm = customers()
    assert rfm.shape == (20, 3) and isinstance(rfm, pd.DataFrame)
    assert rfm.index.is_unique
