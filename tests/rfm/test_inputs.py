"""rfm._inputs.parse_dates: text dates of mixed layouts, against pandas' own Timestamp."""

from __future__ import annotations

import datetime as dt

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


# -- text dates whose day and month could be swapped ---------------------------------------


def _orders(dates: list[str]) -> pd.DataFrame:
    customers = ["A", "A", "B", "C", "C"][: len(dates)]
    return pd.DataFrame({"CustomerID": customers, "InvoiceNo": [str(i) for i in
                         range(len(dates))], "InvoiceDate": dates, "Quantity": 1,
                         "UnitPrice": 10.0})  # fmt: skip


AMBIGUOUS = ["01/02/2011", "03/04/2011", "05/06/2011", "02/01/2011", "12/11/2011"]
#: the fix named to a function that takes no date options
PARSE_FIRST = ("parse the column with rfm.parse_date_column first, passing dayfirst=True, "
               "or date_format='%m/%d/%Y' for month first.")  # fmt: skip


@pytest.mark.parametrize(
    "call",
    [
        lambda tx: rfm.rfm_table(tx),
        lambda tx: rfm.clean_transactions(tx),
        lambda tx: rfm.run_pipeline(tx),
    ],
    ids=["rfm_table", "clean_transactions", "run_pipeline"],
)
def test_dates_that_read_both_ways_are_refused_naming_parse_date_column(call) -> None:
    """Every date reads day first and month first: no order is guessed (pandas reads
    them month first); the message names parse_date_column's dayfirst / date_format,
    which these functions do not take."""
    tx = _orders(AMBIGUOUS)
    before = tx.copy()
    with pytest.raises(ValueError) as caught:
        call(tx)
    assert str(caught.value) == (
        "date column 'InvoiceDate': every date, e.g. '01/02/2011', reads both day first "
        "and month first; " + PARSE_FIRST
    )
    pd.testing.assert_frame_equal(tx, before)
    # doing what it says: read day first
    tx["InvoiceDate"], _ = rfm.parse_date_column(tx["InvoiceDate"], dayfirst=True)
    table = rfm.rfm_table(tx, snapshot="2011-12-01")
    assert table["first_purchase"].tolist() == [pd.Timestamp("2011-02-01"),
        pd.Timestamp("2011-06-05"), pd.Timestamp("2011-01-02")]  # fmt: skip


#: the fix named for dates of several layouts (one date_format cannot read them all)
BY_LAYOUT = ("parse the column yourself, one layout at a time, e.g. pd.to_datetime(..., "
             "format='%d/%m/%Y') for these and format='ISO8601' for the others (pandas' "
             "format='mixed' with dayfirst=True would swap the ISO dates' month and day).")


@pytest.mark.parametrize(
    ("dates", "said"),
    [
        # ISO beside d/m/y dates that all read both ways: no order to go by
        (["2011-04-05", "01/02/2011", "03/04/2011"],
         "every a/b/yyyy date, e.g. '01/02/2011', reads both day first and month first "
         "among dates of other layouts; " + BY_LAYOUT),
        # one date only day first, another only month first
        (["25/01/2011", "01/25/2011", "2011-01-01"],
         "'25/01/2011' only reads day first but '01/25/2011' only month first; fix the "
         "file, or " + BY_LAYOUT),
    ],
)
def test_dates_of_several_layouts_are_not_read_with_two_orders(dates, said) -> None:
    tx = _orders(dates)
    for call in (rfm.rfm_table, rfm.clean_transactions):
        with pytest.raises(ValueError) as caught:
            call(tx)
        assert str(caught.value) == f"date column 'InvoiceDate': {said}"
    if "fix the file" not in said:  # doing what it says reads them, day first here
        iso = pd.to_datetime(tx["InvoiceDate"], format="ISO8601", errors="coerce")
        dmy = pd.to_datetime(tx["InvoiceDate"], format="%d/%m/%Y", errors="coerce")
        table = rfm.rfm_table(tx.assign(InvoiceDate=iso.fillna(dmy)), snapshot="2012-01-01")
        assert table["first_purchase"].tolist() == [pd.Timestamp("2011-02-01"),
                                                    pd.Timestamp("2011-04-03")]  # fmt: skip


def test_a_word_among_dates_that_read_both_ways_still_names_parse_date_column() -> None:
    tx = _orders(["02/03/2011", "05/01/2011", "not a date"])
    for call in (rfm.rfm_table, rfm.clean_transactions):
        with pytest.raises(ValueError, match=r"date column 'InvoiceDate': every date, e\.g\. "
                           r"'02/03/2011', reads.*parse the column with rfm\.parse_date_column "
                           r"first"):
            call(tx)


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # ISO beside d/m/y: the 25 settles day first, so 02/03/2011 is 2 March (pandas
        # alone read it 3 February, beside 25/01/2011 day first)
        (["2011-04-05", "25/01/2011", "02/03/2011"], ["2011-04-05", "2011-01-25", "2011-03-02"]),
        (["13/01/2011", "2011/01/14", "02/03/2011"], ["2011-01-13", "2011-01-14", "2011-03-02"]),
        (["5 Jan 2011", "13/01/2011", "02/03/2011"], ["2011-01-05", "2011-01-13", "2011-03-02"]),
        # month first settled by the 25 in second place
        (["2011-04-05", "01/25/2011", "02/03/2011"], ["2011-04-05", "2011-01-25", "2011-02-03"]),
    ],
)
def test_dates_of_several_layouts_read_with_the_order_their_dates_settle(dates, expected) -> None:
    """Dates of several layouts, none of which reads both ways once the column's
    a/b/yyyy dates settle the order: read, each as written out here."""
    tx = _orders(dates)
    got = rfm.clean_transactions(tx)[0]["InvoiceDate"]
    assert got.tolist() == [pd.Timestamp(d) for d in expected]
    # an object column of datetimes (read_excel's) beside text
    mixed = _orders([dt.datetime(2011, 1, 2), "13/01/2011", "02/03/2011"])
    assert rfm.clean_transactions(mixed)[0]["InvoiceDate"].tolist() == [
        pd.Timestamp("2011-01-02"), pd.Timestamp("2011-01-13"), pd.Timestamp("2011-03-02")]


def test_dates_whose_order_is_settled_still_read() -> None:
    """A day above 12 settles the order for the column; ISO text has none to settle; a
    word among day-first dates is dropped by clean_transactions, the others read day
    first (pandas, value by value, read 02/03/2011 as 3 February)."""
    day_first = _orders(["01/02/2011", "13/04/2011", "05/06/2011", "02/01/2011", "12/11/2011"])
    got = rfm.rfm_table(day_first, snapshot="2011-12-01")
    assert got["first_purchase"].tolist() == [pd.Timestamp(d) for d in
                                              ("2011-02-01", "2011-06-05", "2011-01-02")]
    assert got["last_purchase"].tolist() == [pd.Timestamp(d) for d in
                                             ("2011-04-13", "2011-06-05", "2011-11-12")]
    iso = _orders(["2011-01-02", "2011-03-04", "2011-05-06", "2011-02-01", "2011-12-11"])
    got = rfm.rfm_table(iso, snapshot="2011-12-12")
    assert got["recency"].tolist() == [283, 220, 1]  # by hand: Dec 12 - Mar 4, May 6, Dec 11
    junk = _orders(["02/03/2011", "25/01/2011", "not a date", "02/01/2011", "12/11/2011"])
    clean, report = rfm.clean_transactions(junk)
    assert clean["InvoiceDate"].tolist() == [pd.Timestamp(d) for d in
        ("2011-03-02", "2011-01-25", "2011-01-02", "2011-11-12")]  # fmt: skip
    assert report.set_index("rule").loc["bad_dates", "rows_removed"] == 1


def test_a_datetime_column_is_taken_as_it_is() -> None:
    """Dates that are already datetimes are not looked at again (no copy, no parse)."""
    from rfm._inputs import unparseable_dates

    when = pd.Series(pd.to_datetime(["2011-01-02", "2011-02-01"]))
    parsed, bad = unparseable_dates(when)
    assert parsed is when and not bad.any()


def test_a_series_on_other_customers_counts_both_ways() -> None:
    """A Series with values for customers the table lacks is counted as such (it read
    '0 customer(s) without a value', as if nothing were wrong)."""
    from rfm._inputs import align_to_customers

    index = pd.Index(["a", "b", "c"])
    with pytest.raises(ValueError, match=r"^labels is a Series whose index does not match the "
                       r"customers \(0 customer\(s\) without a value, 1 value\(s\) for others\)"):
        align_to_customers(pd.Series([1, 2, 3, 4], index=["a", "b", "c", "d"]), index,
                           name="labels")  # fmt: skip
    with pytest.raises(ValueError, match=r"\(1 customer\(s\) without a value, 0 value\(s\) for "
                       r"others, customers given twice\)"):
        align_to_customers(pd.Series([1, 2, 3], index=["a", "b", "b"]), index, name="labels")
