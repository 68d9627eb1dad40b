"""rfm.profile and rfm.customer_features against plain pandas/scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata
from sklearn.metrics import silhouette_samples as sk_silhouette_samples
from sklearn.preprocessing import StandardScaler as SKStandardScaler

from rfm import customer_features, profile


def random_rfm(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.Index(rng.permutation(np.arange(1000, 1000 + n)), name="CustomerID")
    return pd.DataFrame(
        {
            "recency": rng.integers(0, 365, n),
            "frequency": rng.integers(1, 30, n),
            "monetary": rng.lognormal(6, 1, n).round(2),
            "tenure_days": rng.integers(0, 700, n),
        },
        index=idx,
    )


# -- profile -------------------------------------------------------------------------


def test_profile_equals_a_plain_groupby() -> None:
    rfm = random_rfm()
    labels = pd.Series(np.random.default_rng(1).integers(0, 4, len(rfm)), index=rfm.index)
    prof = profile(rfm, labels)
    df = rfm.assign(c=labels)
    g = df.groupby("c")
    n = len(rfm)
    ref = pd.DataFrame(
        {
            "customers": g.size(),
            "share": g.size() / n,
            "recency_mean": g["recency"].mean(),
            "recency_median": g["recency"].median(),
            "frequency_mean": g["frequency"].mean(),
            "frequency_median": g["frequency"].median(),
            "monetary_mean": g["monetary"].mean(),
            "monetary_median": g["monetary"].median(),
            "revenue": g["monetary"].sum(),
            "revenue_share": g["monetary"].sum() / rfm["monetary"].sum(),
        }
    )
    # percentile scores by scipy: average ranks / n, recency reversed
    pct = pd.DataFrame(
        {
            "r_pct": rankdata(-rfm["recency"]) / n,
            "f_pct": rankdata(rfm["frequency"]) / n,
            "m_pct": rankdata(rfm["monetary"]) / n,
        },
        index=rfm.index,
    )
    ref = ref.join(pct.groupby(labels).mean())
    ref["score"] = ref[["r_pct", "f_pct", "m_pct"]].mean(axis=1)
    ref = ref.sort_values("score", ascending=False)
    assert list(prof.index) == list(ref.index)
    assert list(prof["rank"]) == [1, 2, 3, 4]
    assert prof.index.name == "cluster"
    for col in ref.columns:
        np.testing.assert_allclose(prof[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-12)
    assert prof["share"].sum() == pytest.approx(1.0)
    assert prof["revenue_share"].sum() == pytest.approx(1.0)


def test_profile_silhouette_per_cluster_matches_scikit_learn() -> None:
    rfm = random_rfm(80, seed=3)
    X = SKStandardScaler().fit_transform(rfm[["recency", "frequency", "monetary"]])
    labels = np.random.default_rng(4).integers(0, 3, len(rfm))
    prof = profile(rfm, labels, X=X)
    ref = pd.Series(sk_silhouette_samples(X, labels)).groupby(labels).mean()
    np.testing.assert_allclose(prof["silhouette"].sort_index(), ref.sort_index(), atol=1e-12)


def test_profile_aligns_a_shuffled_label_series_by_index() -> None:
    rfm = random_rfm(50, seed=5)
    labels = pd.Series(np.arange(50) % 3, index=rfm.index)
    shuffled = labels.sample(frac=1, random_state=0)
    pd.testing.assert_frame_equal(profile(rfm, shuffled), profile(rfm, labels))


def test_profile_ranks_an_obvious_best_cluster_first() -> None:
    rfm = pd.DataFrame(
        {"recency": [2, 4, 6, 300, 320, 340], "frequency": [20, 25, 30, 1, 1, 2],
         "monetary": [5e3, 6e3, 7e3, 20.0, 30.0, 40.0]}
    )  # fmt: skip
    prof = profile(rfm, [7, 7, 7, 3, 3, 3])
    assert list(prof.index) == [7, 3]
    assert prof.loc[7, "revenue"] == 18_000.0


def test_profile_bad_input_and_no_mutation() -> None:
    rfm = random_rfm(30)
    before = rfm.copy()
    labels = np.arange(30) % 2
    profile(rfm, labels, X=rfm[["recency", "frequency", "monetary"]])
    pd.testing.assert_frame_equal(rfm, before)
    with pytest.raises(ValueError, match="one entry per customer"):
        profile(rfm, labels[:-1])
    with pytest.raises(ValueError, match="missing value"):
        profile(rfm, np.where(labels == 0, np.nan, 1.0))
    with pytest.raises(ValueError, match="does not match"):
        profile(rfm, pd.Series(labels, index=range(30)))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['recency'\]"):
        profile(rfm.drop(columns="recency"), labels)
    with pytest.raises(ValueError, match="rows"):
        profile(rfm, labels, X=np.zeros((5, 3)))
    with pytest.raises(TypeError, match="DataFrame"):
        profile(rfm.to_numpy(), labels)


# (persona names are tested in tests/test_rfm_personas.py)


# -- customer_features ---------------------------------------------------------------


def small_transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CustomerID": ["A", "A", "A", "B", "B", "C", "D", "D"],
            "Category": ["Toys", "Books", "Books", "Home", "Toys", "Toys", "Books", "Home"],
            "Channel": ["Online", "Online", "Mobile", "Mobile", "Mobile", "In-store", None, None],
            "Membership": [None, None, None, "Gold", "Gold", "Silver", None, None],
            "Age": [30, 30, 30, np.nan, 41, 25, 52, 52],
        }
    )


def small_rfm() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recency": [5, 50, 200, 20],
            "frequency": [3, 2, 1, 2],
            "monetary": [300.0, 90.0, 20.0, 70.0],
        },
        index=pd.Index(["A", "B", "C", "D"], name="CustomerID"),
    )


def test_customer_features_by_hand() -> None:
    tx, rfm = small_transactions(), small_rfm()
    tx_before, rfm_before = tx.copy(), rfm.copy()
    out = customer_features(
        tx, rfm, categorical=("Category", "Channel", "Membership"), numeric=("Age",)
    )
    pd.testing.assert_frame_equal(tx, tx_before)
    pd.testing.assert_frame_equal(rfm, rfm_before)
    # modes: A Books (2 of 3), B Home (tie Home/Toys -> first seen), C Toys, D Books (tie)
    # channel: A Online, B Mobile, C In-store, D missing -> "nan"
    # membership: A nan, B Gold, C Silver, D nan ; Age: first non-missing -> 30, 41, 25, 52
    expected_num = SKStandardScaler().fit_transform(
        np.column_stack([rfm.to_numpy(float), [30, 41, 25, 52]])
    )
    np.testing.assert_allclose(
        out[["recency", "frequency", "monetary", "Age"]].to_numpy(), expected_num, atol=1e-12
    )
    onehot = out.drop(columns=["recency", "frequency", "monetary", "Age"])
    expected = pd.DataFrame(
        {
            # Category: Books, Home, Toys -> drop Books
            "Category_Home": [0, 1, 0, 0],
            "Category_Toys": [0, 0, 1, 0],
            # Channel: In-store, Mobile, Online, nan -> drop In-store
            "Channel_Mobile": [0, 1, 0, 0],
            "Channel_Online": [1, 0, 0, 0],
            "Channel_nan": [0, 0, 0, 1],
            # Membership: Gold, Silver, nan -> drop Gold
            "Membership_Silver": [0, 0, 1, 0],
            "Membership_nan": [1, 0, 0, 1],
        },
        index=rfm.index,
        dtype=float,
    )
    pd.testing.assert_frame_equal(onehot, expected)


def test_customer_features_on_seed000_layout_matches_its_columns() -> None:
    from rfm import rfm_table
    from rfm.datasets import make_transactions

    tx = make_transactions(n_customers=300, n_rows=2000, random_state=1)
    rfm = rfm_table(tx, invoice="InvoiceNo", amount="TotalAmount")
    out = customer_features(tx, rfm)
    assert out.index.equals(rfm.index)
    assert np.isfinite(out.to_numpy()).all()
    # seed 000 step In[29]: the 27 encoded columns (its data has the same categories)
    seed_cols = [
        "Recency", "Frequency", "Monetary", "Age", "Category_Books", "Category_Electronics",
        "Category_Fashion", "Category_Home", "Category_Toys", "Country_China", "Country_France",
        "Country_Germany", "Country_India", "Country_UK", "Country_USA", "Channel_Mobile",
        "Channel_Online", "Gender_Male", "Gender_Other", "Occupation_Engineer",
        "Occupation_Manager", "Occupation_Other", "Occupation_Sales", "Occupation_Student",
        "Membership_Platinum", "Membership_Silver", "Membership_nan",
    ]  # fmt: skip
    assert [c.lower() for c in out.columns] == [c.lower() for c in seed_cols]
    # the chosen category is one of the customer's most frequent (independent value_counts)
    onehot = out.filter(like="Category_")
    dropped = sorted(tx["Category"].unique())[0]
    chosen = onehot.idxmax(axis=1).str.removeprefix("Category_")
    chosen = chosen.where(onehot.sum(axis=1) > 0, dropped)
    for cust, rows in tx.groupby("CustomerID")["Category"]:
        counts = rows.value_counts()
        assert counts[chosen[cust]] == counts.max()


def test_customer_features_bad_input() -> None:
    tx, rfm = small_transactions(), small_rfm()
    with pytest.raises(ValueError, match=r"missing column\(s\) \['Gender'\]"):
        customer_features(tx, rfm, categorical=("Gender",), numeric=())
    with pytest.raises(ValueError, match="no transaction"):
        customer_features(
            tx,
            pd.concat([rfm, rfm.iloc[:1].rename(index={"A": "Z"})]),
            categorical=("Category",),
            numeric=(),
        )
    bad = tx.assign(Age=["x"] + [1] * 7)
    with pytest.raises(ValueError, match="non-numeric"):
        customer_features(bad, rfm, categorical=(), numeric=("Age",))
    gap = tx.assign(Age=[np.nan, np.nan, np.nan, 1, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="no value"):
        customer_features(gap, rfm, categorical=(), numeric=("Age",))
    with pytest.raises(TypeError):
        customer_features(tx.to_numpy(), rfm)


@pytest.mark.parametrize("seed", range(3))
def test_separation_is_kruskal_wallis_h_over_n_minus_1(seed: int) -> None:
    """η² of the percentile ranks equals scipy's tie-corrected Kruskal–Wallis H / (n − 1)
    (H is the between-group sum of squares of the ranks over their variance)."""
    from scipy.stats import kruskal

    from rfm.profiles import separation

    rng = np.random.default_rng(seed)
    n = 300
    rfm = pd.DataFrame({"recency": rng.integers(0, 60, n),  # many ties
                        "frequency": rng.integers(1, 4, n),
                        "monetary": rng.lognormal(4, 1, n)})  # fmt: skip
    labels = rng.integers(0, 4, n)
    rfm.loc[labels == 0, "monetary"] *= 5  # cluster 0 spends more
    got = separation(rfm, labels)
    for dim in ("recency", "frequency", "monetary"):
        groups = [rfm.loc[labels == g, dim].to_numpy() for g in range(4)]
        h = kruskal(*groups).statistic
        assert got.loc[dim, "eta_squared"] == pytest.approx(h / (n - 1), rel=1e-10)
    assert got.loc["monetary", "reading"] == "strong"
    prof = profile(rfm, labels)
    for dim in ("recency", "frequency", "monetary"):
        assert prof.attrs["separation"][dim] == pytest.approx(got.loc[dim, "eta_squared"],
                                                              rel=1e-12)


# -- percentile scores: the share of customers each one beats ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rfm.profiles import percentile_scores  # noqa: E402


def _expected_pct(rfm: pd.DataFrame) -> pd.DataFrame:
    n = len(rfm)
    return pd.DataFrame({
        "r_pct": rankdata(-rfm["recency"].to_numpy(np.float64), method="average") / n,
        "f_pct": rankdata(rfm["frequency"].to_numpy(np.float64), method="average") / n,
        "m_pct": rankdata(rfm["monetary"].to_numpy(np.float64), method="average") / n,
    }, index=rfm.index)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 400),
    spread=st.sampled_from([1, 5, 100, 100_000]),
    seed=st.integers(0, 2**32 - 1),
    as_float=st.booleans(),
)
def test_percentile_scores_are_scipys_average_ranks_over_n(
    n: int, spread: int, seed: int, as_float: bool
) -> None:
    """Whole numbers (counted, or sorted when their range is far wider than their count),
    negative ones, ties and plain money amounts all give scipy's average ranks / n."""
    rng = np.random.default_rng(seed)
    recency = rng.integers(-spread // 3, spread + 1, n)
    rfm = pd.DataFrame({
        "recency": recency.astype(float) if as_float else recency,
        "frequency": rng.integers(1, spread + 2, n),
        "monetary": np.round(rng.gamma(1.5, 80, n), 2),
    }, index=[f"c{i}" for i in range(n)])  # fmt: skip
    got = percentile_scores(rfm)
    expected = _expected_pct(rfm)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    assert got.index.equals(rfm.index)


def test_percentile_scores_of_large_whole_numbers_keep_their_order() -> None:
    """Integers beyond 2**53 (where float64 merges neighbours) and both int64 extremes
    rank as scipy ranks them."""
    big = 2**53
    lows = np.iinfo(np.int64).min
    for frequency in ([big, big + 1, big + 1, big + 3], [lows, lows + 1, 0, 2**62]):
        rfm = pd.DataFrame({
            "recency": np.array(frequency, dtype=np.int64),
            "frequency": np.array(frequency, dtype=np.int64),
            "monetary": [1.0, 2.0, 3.0, 4.0],
        })  # fmt: skip
        n = len(rfm)
        got = percentile_scores(rfm)
        np.testing.assert_array_equal(got["f_pct"], rankdata(frequency, method="average") / n)
        descending = n + 1 - rankdata(frequency, method="average")  # exact, no negation
        np.testing.assert_array_equal(got["r_pct"], descending / n)


@pytest.mark.parametrize("n", [900, 1000, 4321])
def test_a_dimension_every_customer_shares_separates_nothing(n: int) -> None:
    """Every customer with 1 order: the percentile scores are all equal, so η² is 0 and
    the reading weak, in ``separation`` and in the profile. (The scores' mean can be an
    ulp off their value; η² of that noise came out as 1.0, "strong", for 900 customers.)
    scipy's Kruskal–Wallis leaves H undefined for all-tied values: the independent
    reference here is the definition, no variation to explain."""
    from rfm.profiles import percentile_scores, separation

    rng = np.random.default_rng(n)
    rfm = pd.DataFrame({"recency": rng.integers(0, 300, n), "frequency": np.ones(n, int),
                        "monetary": rng.lognormal(4, 1, n)})  # fmt: skip
    labels = rng.integers(0, 3, n)
    pct = percentile_scores(rfm)["f_pct"].to_numpy()
    assert pct.min() == pct.max()
    got = separation(rfm, labels)
    assert got.loc["frequency", "eta_squared"] == 0.0
    assert got.loc["frequency", "reading"] == "weak"
    assert profile(rfm, labels).attrs["separation"]["frequency"] == 0.0


def test_the_population_quantiles_are_shared_not_copied_and_survive_parquet(tmp_path) -> None:
    """``attrs["population"]``: the customer base's quantiles at 0 %, 0.5 %, …, 100 % (numpy's
    linear quantiles, computed here), handed to derived frames without a copy (pandas
    deep-copies attrs into each), and still written and read back by ``to_parquet``."""
    rng = np.random.default_rng(3)
    rfm = pd.DataFrame({"recency": rng.integers(0, 400, 500), "frequency": rng.integers(1, 9, 500),
                        "monetary": rng.gamma(2.0, 150.0, 500)})  # fmt: skip
    prof = profile(rfm, rng.integers(0, 3, 500))
    grid = np.arange(201) / 200
    for dim in ("recency", "frequency", "monetary"):
        np.testing.assert_allclose(prof.attrs["population"][dim],
                                   np.quantile(rfm[dim].to_numpy(float), grid), rtol=1e-13)
    derived = prof["customers"]
    assert derived.attrs["population"]["monetary"] is prof.attrs["population"]["monetary"]
    pytest.importorskip("pyarrow")
    prof.to_parquet(tmp_path / "profile.parquet")
    back = pd.read_parquet(tmp_path / "profile.parquet").attrs["population"]
    assert back["monetary"] == list(prof.attrs["population"]["monetary"])


def test_profile_matches_a_shuffled_X_frame_to_the_customers() -> None:
    """X is matched to rfm's customers by index, as labels are: a reordered X gives the
    silhouette of the features in rfm's order (it was taken by position)."""
    rfm = random_rfm(60, seed=6)
    labels = pd.Series(np.arange(60) % 3, index=rfm.index)
    values = SKStandardScaler().fit_transform(rfm[["recency", "frequency", "monetary"]])
    X = pd.DataFrame(values, index=rfm.index, columns=["r", "f", "m"])
    shuffled = X.sample(frac=1, random_state=1)
    before = shuffled.copy()
    prof = profile(rfm, labels, X=shuffled)
    ref = pd.Series(sk_silhouette_samples(values, labels)).groupby(labels.to_numpy()).mean()
    np.testing.assert_allclose(prof["silhouette"].sort_index(), ref.sort_index(), atol=1e-12)
    pd.testing.assert_frame_equal(shuffled, before)
    with pytest.raises(ValueError, match=r"^X is a DataFrame whose index does not match the "
                       r"customers \(1 customer\(s\) without a value, 0 value\(s\) for others\); "
                       r"pass X on rfm's index"):
        profile(rfm, labels, X=shuffled.iloc[1:])
