"""rfm.io.loading's reading of money and quantities written as text: the numbers expected
are written here by hand from the text, never taken from the reader."""

from __future__ import annotations

import pandas as pd
import pytest

from rfm.io.loading import money_text, number_column


def read(values: list[str], decimal: str | None = None, thousands: str | None = None,
         role: str = "price") -> list[float]:  # fmt: skip
    """``values`` (one column's text) as the reader makes them numbers."""
    numbers, _ = number_column(pd.Series(values, dtype=object), "Price", role, decimal,
                               thousands)  # fmt: skip
    return numbers.tolist()


@pytest.mark.parametrize(("values", "expected"), [
    # the last mark is the decimal mark, the other groups thousands by three digits
    (["1,234.50", "85"], [1234.5, 85.0]),
    (["1.234,50", "85"], [1234.5, 85.0]),
    (["1,234,567.89", "(1,000.00)", "2.5"], [1234567.89, -1000.0, 2.5]),
    (["1.234.567,89", "-2,5", "7"], [1234567.89, -2.5, 7.0]),
    (["£1,234.50", "£3"], [1234.5, 3.0]),
    (["1.234,50 €", "0,99 €"], [1234.5, 0.99]),
    # one such value settles the column: 1,627 beside it groups thousands
    (["1,234.50", "1,627", "3"], [1234.5, 1627.0, 3.0]),
    # a space (also the no-break ones of French and Excel exports) groups thousands
    (["1 234,50", "3,5"], [1234.5, 3.5]),
    (["1\u00a0234,50", "3"], [1234.5, 3.0]),
    (["1\u202f234,50", "12\u202f000", "3"], [1234.5, 12000.0, 3.0]),
    (["1 234.50", "3"], [1234.5, 3.0]),
])  # fmt: skip
def test_values_holding_both_marks_read_without_flags(values, expected) -> None:
    """1,234.50 was refused naming --thousands ',' (1.234,50 and 1 234,50 naming
    --decimal ','), though a value holding both marks reads one way only."""
    assert read(values) == expected


def test_a_value_holding_both_marks_settles_how_1_627_reads() -> None:
    """1.627 alone reads two ways (1627, or one and a bit) and is refused; beside
    1,234.50 the '.' marks decimals, beside 1.234,50 it groups thousands."""
    with pytest.raises(ValueError, match="reads two ways"):
        read(["1.627", "85"])
    assert read(["1,234.50", "1.627", "85"]) == [1234.5, 1.627, 85.0]
    assert read(["1.234,50", "1.627", "85"]) == [1234.5, 1627.0, 85.0]
    assert read(["1 234.50", "1.627"]) == [1234.5, 1.627]


def test_the_decimal_mark_given_is_kept() -> None:
    """With --decimal '.', 1,234.50 groups thousands with ','; with --decimal ',' it is
    refused (its ',' would be the decimal mark), as before."""
    assert read(["1,234.50", "1.627"], decimal=".") == [1234.5, 1.627]
    with pytest.raises(ValueError, match=r"'1,234\.50'.*out of place"):
        read(["1,234.50", "7"], decimal=",")
    # --thousands ' ' given: 1 234,50 still settles ',' as the decimal mark
    assert read(["1 234,50", "7"], thousands=" ") == [1234.5, 7.0]


@pytest.mark.parametrize(("values", "comma", "point"), [
    (["1,234.50", "1.234,50"], "1.234,50", "1,234.50"),
    (["1,234.50", "2,55"], "2,55", "1,234.50"),
    (["1 234,50", "2.55"], "1 234,50", "2.55"),
    (["(1.234,50)", "-1,234.50"], "(1.234,50)", "-1,234.50"),
])  # fmt: skip
def test_values_that_disagree_on_the_decimal_mark_are_refused(values, comma, point) -> None:
    """Values holding both marks that settle the decimal mark one way beside values that
    read only the other way: no one mark reads them all, and the message says so with a
    value of each, naming --decimal."""
    with pytest.raises(ValueError) as refused:
        read(values)
    assert str(refused.value) == (
        f"column 'Price' mixes decimal marks: {comma!r} has a decimal comma and {point!r} a "
        "decimal point (a value holding both ',' and '.' marks decimals with the last); "
        "write all the numbers with one mark, or pass the file's --decimal (',' or '.') to "
        "have the others listed.")


def test_both_marks_without_digits_grouped_by_three_are_refused() -> None:
    """1,23.5: its ',' cannot group thousands (two digits follow it), so it is not a
    number; the message says why and names the flags, alone or beside 1,234.50."""
    with pytest.raises(ValueError) as refused:
        read(["1,23.5", "4"])
    assert str(refused.value) == (
        "column 'Price' has 1 value(s) that are not numbers, e.g. '1,23.5'; a value holding "
        "both ',' and '.' marks decimals with the last and groups thousands with the other, "
        "three digits to a group, which those cells do not; fix them, or pass the file's "
        "--decimal and --thousands.")
    with pytest.raises(ValueError) as refused:
        read(["1,234.50", "1,23.5"])
    assert str(refused.value) == (
        "column 'Price' has 1 value(s) that are not numbers, e.g. '1,23.5'; with the decimal "
        "mark '.' (as '1,234.50' writes it) and thousands grouped by ',', those cells hold a "
        "separator out of place; fix them, or pass the file's --decimal and --thousands.")
    with pytest.raises(ValueError, match=r"'1\.23,5'; a value holding both"):
        read(["1.23,5", "4"])


def test_a_part_reads_as_the_whole_column_decides() -> None:
    """On Dask each partition is read with what the whole column held: 1.627 in one part
    reads as the 1,234.50 of another decides (1.627) or the 1.234,50 (1627); parts that
    disagree are refused before any is read."""
    first = pd.Series(["1.627", "85"], dtype=object)
    for later, expected in ((["1,234.50"], 1.627), (["1.234,50"], 1627.0)):
        whole = money_text(first, "amount").then(
            money_text(pd.Series(later, dtype=object), "amount"))
        numbers, _ = number_column(first, "Amount", "amount", None, None, whole)
        assert numbers.tolist() == [expected, 85.0]
        whole.check("Amount", None, None)  # the first pass does not refuse it
    mixed = money_text(pd.Series(["1,234.50"], dtype=object), "amount").then(
        money_text(pd.Series(["1.234,50"], dtype=object), "amount"))
    with pytest.raises(ValueError, match=r"^column 'Amount' mixes decimal marks"):
        mixed.check("Amount", None, None)
    mixed.check("Amount", ".", None)  # told: the values written otherwise are refused


@pytest.mark.parametrize("role", ["amount", "price", "quantity"])
def test_a_dash_alone_is_0_and_said(role) -> None:
    """A dash alone ('-', or the en dash '–') is how accounting exports show 0 without a
    currency: it was refused as not a number. Read as 0 (so that its line is removed
    with the other lines of 0, as an empty cell's is), and said with a value as written;
    a quantity still takes no currency ('$ -' is not a quantity)."""
    values = pd.Series(["-", "2.50", "\u2013", " - ", "4"], dtype=object)
    numbers, read = number_column(values, "Col", role, None)
    assert numbers.tolist() == [0.0, 2.5, 0.0, 0.0, 4.0]
    assert read.zero == "-"
    assert read.notes("Col") == ["values shown as a dash in column 'Col' read as 0, as "
                                 "spreadsheets show 0 in the accounting format (e.g. '-')"]
    assert read.symbol is None  # no currency read from a dash alone
    if role == "quantity":
        with pytest.raises(ValueError, match=r"'\$ -'"):
            read_values = pd.Series(["$ -", "3"], dtype=object)
            number_column(read_values, "Col", role, None)
    else:
        numbers, read = number_column(pd.Series(["$ \u2013", "$ 3"], dtype=object), "Col",
                                      role, None)  # fmt: skip
        assert numbers.tolist() == [0, 3] and read.symbol == "$"
