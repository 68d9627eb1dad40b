"""rfm._inputs.parse_dates: text dates of mixed layouts, against pandas' own Timestamp."""

from __future__ import annotations

import pandas as pd
import pytest

import rfm
from rfm._inputs import parse_dates


def test_mixed_layouts_keep_the_finest_precision() -> None:
    # "2 Jan 2011" reads to the microsecond, the ISO values carry nanoseconds: one column
    when = ["2 Jan 2011 10:00", "3 Jan 2011 11:30", "2011-02-01 09:00:00.123456789",
            "2011-02-03 08:00:00.000000001"]  # fmt: skip
    got = parse_dates(pd.Series(when, dtype=object), "when")
    assert got.tolist() == [pd.Timestamp(w) for w in when]
    tx = pd.DataFrame({"cust": ["a", "b", "a", "b"], "inv": ["1", "2", "3", "4"],
                       "when": when, "amount": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    table = rfm.rfm_table(tx, customer="cust", invoice="inv", date="when", amount="amount",
                          snapshot="2011-03-01")
    assert table["last_purchase"].tolist() == [pd.Timestamp(w) for w in when[2:]]
    assert table["recency"].tolist() == [27, 25]  # Mar 1 - Feb 1 09:00, - Feb 3 08:00


def test_cluster_names_are_the_mapped_texts_as_categories() -> None:
    """The category column equals mapping each label to its name and categorising the
    texts; a cluster without a name is refused, naming it."""
    from rfm._inputs import cluster_names

    labels = pd.Series([3, 0, 3, 1, 0, 3], index=list("abcdef"), name="cluster")
    names = {0: "Lapsed", 1: "Champions", 3: "Recent", 7: "Unused"}
    got = cluster_names(labels, names)
    pd.testing.assert_series_equal(got, labels.map(names).astype("category"))
    pd.testing.assert_series_equal(cluster_names(labels, pd.Series(names)), got)
    with pytest.raises(ValueError, match=r"no name for cluster\(s\) \[1, 3\]"):
        cluster_names(labels, {0: "Lapsed"})
