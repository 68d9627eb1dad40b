"""Data to try the pipeline on: synthetic transactions, a 20-customer case table, the UCI file.

``make_transactions``
    A 14-column retail order-line table, generated with structure a real shop has:
    customers of five kinds (loyal heavy buyers, regulars, occasional buyers, churned
    customers, one-time buyers) with steady arrivals, different lifetimes and purchase
    rates, the same seasonality every year, skewed
    (log-normal) spend, several lines per invoice and per-customer demographics. So
    recency, frequency and monetary differ *between* groups and K-means has something to
    find — unlike uniform random data, where every cluster looks the same.
``case_study_customers``
    A small 20-customer RFM table, the worked example of many K-means tutorials.
``load_online_retail``
    The UCI Online Retail file (CSV, gzip CSV or xlsx) with the right dtypes.
``load_cdnow``
    The CDNOW purchase data (sample or master file) of the customer-base literature.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_random_state, is_integer
from rfm.io.dates import parse_date_column
from rfm.io.reading import read_transactions

__all__ = ["case_study_customers", "load_cdnow", "load_online_retail", "make_transactions"]

END_DATE = np.datetime64("2025-08-01")
SPAN_DAYS = 912  # about 2.5 years of history, 2023-02-01 .. 2025-08-01

CATEGORIES = np.array(["Beauty", "Books", "Electronics", "Fashion", "Home", "Toys"])
CATEGORY_PRICE = np.array([25.0, 15.0, 90.0, 45.0, 35.0, 22.0])  # median unit price
COUNTRIES = np.array(["Brazil", "China", "France", "Germany", "India", "UK", "USA"])
COUNTRY_P = np.array([0.08, 0.12, 0.10, 0.12, 0.13, 0.25, 0.20])
CHANNELS = np.array(["In-store", "Mobile", "Online"])
GENDERS = np.array(["Female", "Male", "Other"])
GENDER_P = np.array([0.48, 0.46, 0.06])
OCCUPATIONS = np.array(["Artist", "Engineer", "Manager", "Other", "Sales", "Student"])
MEMBERSHIPS = np.array(["Gold", "Platinum", "Silver"], dtype=object)

# customer kinds: share, relative purchase rate, spend multiplier, P(membership)
KINDS = ("loyal", "regular", "occasional", "churned", "one-time")
KIND_SHARE = np.array([0.15, 0.35, 0.15, 0.25, 0.10])
KIND_RATE = np.array([3.0, 1.2, 0.5, 1.0, 0.3])
KIND_SPEND = np.array([1.8, 1.0, 0.8, 0.9, 0.9])
KIND_MEMBER = np.array([0.9, 0.6, 0.4, 0.5, 0.3])
# mean customer lifetime in days (exponential) for the kinds that stay until they leave
KIND_LIFETIME = {"loyal": 2500.0, "regular": 1100.0, "occasional": 900.0}
BURN_IN_DAYS = 3000  # customers may have started this long before the data begin

#: relative shopping activity by calendar month (Jan .. Dec), the same every year
SEASONALITY = np.array([0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 0.9, 0.95, 1.0, 1.05, 1.25, 1.45])


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Vectorised ``f"{prefix}{n:0{width}d}"`` for an int array."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


def _activity_windows(
    rng: np.random.Generator, kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last day (0 .. SPAN_DAYS) of each customer's visible activity, by kind.

    Every kind arrives at a steady rate (many before the data begin) and stays for a
    random lifetime, so the number of customers around is about the same every month;
    churned customers leave after 2-13 months and never come back, one-time buyers
    order once. Windows that end before the data begin are drawn again (such customers
    would not be in the table).
    """
    n = kind.shape[0]
    span = float(SPAN_DAYS)
    start = np.empty(n)
    end = np.empty(n)
    todo = np.ones(n, dtype=bool)
    while todo.any():
        for k, name in enumerate(KINDS):
            m = todo & (kind == k)
            c = int(m.sum())
            if c == 0:
                continue
            a = rng.uniform(-BURN_IN_DAYS, span, c)  # steady arrivals
            if name in KIND_LIFETIME:
                life = rng.exponential(KIND_LIFETIME[name], c) + 30.0
            elif name == "churned":
                life = rng.uniform(60.0, 400.0, c)  # a short spell, then gone for good
            else:  # one-time: a single order
                life = np.zeros(c)
            start[m], end[m] = a, a + life
        todo = end < 0.0  # gone before the data begin: not a customer of this table
    start = np.clip(start, 0.0, span)
    end = np.clip(end, start, span)
    return start, end


def _seasonal_days(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """One day in ``[lo, hi]`` per entry, more likely in busy months (:data:`SEASONALITY`)."""
    first = (END_DATE - np.timedelta64(SPAN_DAYS, "D")).astype("datetime64[D]")
    n = lo.shape[0]
    out = np.empty(n)
    todo = np.arange(n)
    top = SEASONALITY.max()
    while todo.size:
        day = lo[todo] + rng.random(todo.size) * (hi[todo] - lo[todo])
        month = (first + np.floor(day).astype(np.int64)).astype("datetime64[M]").astype(
            np.int64
        ) % 12
        keep = rng.random(todo.size) * top < SEASONALITY[month]
        out[todo[keep]] = day[keep]
        todo = todo[~keep]
    return out


def make_transactions(
    n_customers: int = 20_000, n_rows: int = 200_000, random_state: int | None = 0
) -> pd.DataFrame:
    """Synthetic order lines in a 14-column retail layout (customer, invoice, date, quantity,
    price, amount, product category, country, channel and customer demographics).

    Parameters
    ----------
    n_customers : int
        Number of customers (ids ``C00001`` …); every one buys at least once.
    n_rows : int
        Number of order lines, at least ``n_customers``.
    random_state : int, Generator or None
        Seed; the same seed gives the same table.

    Returns
    -------
    DataFrame
        Rows in random order with columns ``CustomerID`` ("C00001"), ``InvoiceNo``
        ("INV100000", numbered in date order, about 1.8 lines per invoice),
        ``InvoiceDate`` (datetime with a shopping-hours time, 2023-02-01 .. 2025-08-01),
        ``Quantity`` (1..), ``UnitPrice``, ``TotalAmount`` (= Quantity × UnitPrice
        rounded to cents), ``Category``, ``Country``, ``Channel``, ``Age``, ``Gender``,
        ``Membership`` (Gold / Platinum / Silver, missing for non-members, as in the
        seed), ``RegistrationDate`` (on or before the first purchase) and
        ``Occupation``. Customer attributes (country, age, gender, membership,
        registration, occupation) are constant per customer.

    Notes
    -----
    Customers are of five kinds — loyal heavy buyers (15 %: three times the base
    purchase rate, higher spend, long lifetimes), regulars (35 %), occasional buyers
    (15 %), churned customers (25 %: active for 2–13 months, then never again) and
    one-time buyers (10 %). All kinds arrive at a steady rate (many before the data
    begin), so monthly activity is steady and no month is special; each customer's
    orders are spread over its activity window, more of them in busy months (the same
    seasonality every year: a dip in February, a peak in November–December). The number
    of lines follows the customer's rate and window length with log-normal noise, and
    prices carry a per-customer log-normal multiplier, so spend is right-skewed as in
    real shops.
    """
    for name, value in (("n_customers", n_customers), ("n_rows", n_rows)):
        if not is_integer(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if n_rows < n_customers:
        raise ValueError(
            f"n_rows={n_rows} < n_customers={n_customers}: every customer needs at least "
            "one order line."
        )
    rng = check_random_state(random_state)
    n_c, n_r = int(n_customers), int(n_rows)

    # --- customers -----------------------------------------------------------------
    kind = rng.choice(len(KINDS), size=n_c, p=KIND_SHARE)
    start, end = _activity_windows(rng, kind)
    # orders in proportion to the time a customer is around: a customer who arrived last
    # week has had one week to buy, not a month
    weight = KIND_RATE[kind] * (end - start + 1.0) * rng.lognormal(0.0, 0.4, n_c)
    rows_per = 1 + rng.multinomial(n_r - n_c, weight / weight.sum())
    spend = KIND_SPEND[kind] * rng.lognormal(0.0, 0.35, n_c)
    fav_category = rng.integers(0, len(CATEGORIES), n_c)
    fav_channel = rng.integers(0, len(CHANNELS), n_c)

    # --- invoices: each customer's lines split into invoices of >= 1 line ------------
    n_inv_per = np.clip(rng.binomial(rows_per, 0.55), 1, rows_per)
    n_inv_per[kind == KINDS.index("one-time")] = 1
    inv_offset = np.concatenate([[0], np.cumsum(n_inv_per)[:-1]])
    n_inv = int(n_inv_per.sum())
    inv_cust = np.repeat(np.arange(n_c), n_inv_per)
    # purchases spread over each customer's window (no purchase pinned to its end: a
    # customer's last order is simply its last one), busier in the busy months
    inv_day = _seasonal_days(rng, start[inv_cust], end[inv_cust])
    # a customer who arrived during the data arrived with its first order
    arrived = start > 0.0
    inv_day[inv_offset[arrived]] = start[arrived]
    hours = rng.choice(np.arange(8, 23), size=n_inv, p=_hour_weights())
    inv_seconds = (np.floor(inv_day) * 86400 + hours * 3600 + rng.integers(0, 3600, n_inv))
    inv_seconds = np.minimum(inv_seconds, SPAN_DAYS * 86400 + 23 * 3600).astype(np.int64)
    inv_date = (END_DATE - np.timedelta64(SPAN_DAYS, "D")).astype("datetime64[s]") + inv_seconds
    # invoice numbers follow the calendar, like a shop's till
    inv_number = np.empty(n_inv, dtype=np.int64)
    inv_number[np.argsort(inv_seconds, kind="stable")] = np.arange(n_inv)
    width = max(6, len(str(100_000 + n_inv)))
    inv_label = _ids("INV", 100_000 + inv_number, width)

    # --- order lines ---------------------------------------------------------------
    row_cust = np.repeat(np.arange(n_c), rows_per)
    first_row = np.concatenate([[0], np.cumsum(rows_per)[:-1]])
    j = np.arange(n_r) - first_row[row_cust]  # line number within the customer
    row_inv = inv_offset[row_cust] + (j * n_inv_per[row_cust]) // rows_per[row_cust]
    category = np.where(
        rng.random(n_r) < 0.5, fav_category[row_cust], rng.integers(0, len(CATEGORIES), n_r)
    )
    channel = np.where(
        rng.random(n_r) < 0.7, fav_channel[row_cust], rng.integers(0, len(CHANNELS), n_r)
    )
    quantity = rng.geometric(0.4, n_r) + (rng.random(n_r) < 0.3)
    unit_price = np.round(
        np.clip(CATEGORY_PRICE[category] * spend[row_cust] * rng.lognormal(0, 0.5, n_r), 0.5, 999),
        2,
    )
    unit_price = _distinct_lines(row_inv, category, channel, quantity, unit_price)
    total = np.round(quantity * unit_price, 2)

    # --- customer attributes -------------------------------------------------------
    ids = _ids("C", np.arange(1, n_c + 1), max(5, len(str(n_c))))
    country = rng.choice(len(COUNTRIES), size=n_c, p=COUNTRY_P)
    age = np.clip(np.round(rng.normal(38, 12, n_c)), 18, 75).astype(np.int64)
    gender = rng.choice(len(GENDERS), size=n_c, p=GENDER_P)
    occupation = rng.integers(0, len(OCCUPATIONS), n_c)
    member = rng.random(n_c) < KIND_MEMBER[kind]
    tier = np.where(kind == 0, rng.choice(3, n_c, p=[0.45, 0.25, 0.30]),
                    rng.choice(3, n_c, p=[0.25, 0.10, 0.65]))
    membership = np.where(member, MEMBERSHIPS[tier], np.nan)
    first_day = np.minimum.reduceat(np.floor(inv_day).astype(np.int64), inv_offset)
    registration = (END_DATE - np.timedelta64(SPAN_DAYS, "D")) + (
        first_day - rng.integers(0, 366, n_c)
    ).astype("timedelta64[D]")

    order = rng.permutation(n_r)
    rc = row_cust[order]
    return pd.DataFrame(
        {
            "CustomerID": ids[rc],
            "InvoiceNo": inv_label[row_inv[order]],
            "InvoiceDate": pd.DatetimeIndex(inv_date[row_inv[order]]).as_unit("ns"),
            "Quantity": quantity[order].astype(np.int64),
            "UnitPrice": unit_price[order],
            "TotalAmount": total[order],
            "Category": CATEGORIES[category[order]],
            "Country": COUNTRIES[country[rc]],
            "Channel": CHANNELS[channel[order]],
            "Age": age[rc],
            "Gender": GENDERS[gender[rc]],
            "Membership": membership[rc],
            "RegistrationDate": pd.DatetimeIndex(registration[rc]).as_unit("ns"),
            "Occupation": OCCUPATIONS[occupation[rc]],
        }
    )


def _distinct_lines(
    invoice: np.ndarray,
    category: np.ndarray,
    channel: np.ndarray,
    quantity: np.ndarray,
    price: np.ndarray,
) -> np.ndarray:
    """Prices nudged by a cent where two lines of one invoice would be identical (e.g.
    both at the price cap), so that cleaning never sees generated duplicates."""
    price = price.copy()
    while True:
        key = pd.DataFrame({"i": invoice, "c": category, "h": channel, "q": quantity,
                            "p": price})
        rank = key.groupby(["i", "c", "h", "q", "p"], sort=False).cumcount().to_numpy()
        if not rank.any():
            return price
        price = np.round(price + 0.01 * rank, 2)


def _hour_weights() -> np.ndarray:
    """Shopping-hours profile over 8:00 .. 22:00 with lunchtime and evening peaks."""
    w = np.array([2, 4, 6, 8, 10, 9, 7, 6, 6, 7, 9, 10, 8, 5, 3], dtype=float)
    return w / w.sum()


def case_study_customers() -> pd.DataFrame:
    """A small 20-customer RFM table (a common worked example), as published.

    Returns
    -------
    DataFrame
        Columns ``customer_id`` ("C001" .. "C020"), ``recency_days``, ``frequency``,
        ``monetary``, ``avg_order_value``, ``first_purchase_days``; default RangeIndex.
        Only the table is taken from that example; the results printed beside it
        elsewhere are not reproduced here (recompute them with this package).
    """
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(1, 21)],
            "recency_days": [8, 142, 3, 287, 19, 64, 5, 198, 31, 112,
                             7, 243, 25, 88, 12, 172, 44, 320, 16, 55],
            "frequency": [14, 2, 22, 1, 9, 4, 18, 2, 7, 3, 20, 1, 11, 5, 16, 2, 6, 1, 13, 8],
            "monetary": [2840, 184, 5120, 67, 1640, 420, 4280, 145, 1180, 310,
                         4890, 88, 2140, 580, 3640, 165, 760, 52, 2560, 1020],
            "avg_order_value": [202.9, 92.0, 232.7, 67.0, 182.2, 105.0, 237.8, 72.5, 168.6,
                                103.3, 244.5, 88.0, 194.5, 116.0, 227.5, 82.5, 126.7, 52.0,
                                196.9, 127.5],
            "first_purchase_days": [312, 180, 348, 290, 280, 145, 356, 210, 268, 195,
                                    340, 300, 288, 162, 326, 220, 198, 310, 274, 232],
        }
    )


ONLINE_RETAIL_COLUMNS = (
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
    "CustomerID", "Country",
)


def load_online_retail(path: str | PathLike[str]) -> pd.DataFrame:
    """Read the UCI Online Retail file (``.csv``, ``.csv.gz``, ``.parquet`` or ``.xlsx``).

    Parameters
    ----------
    path : str or path-like
        The file, read by :func:`rfm.io.reading.read_transactions` (the reader of
        ``rfmseg segment``): CSV as UTF-8 (with or without byte-order mark), UTF-16 with a
        byte-order mark, else Windows-1252 (the encoding of many copies of the original
        export), gzip detected from the ``.gz`` suffix; Parquet (needs pyarrow); ``.xlsx``
        (needs openpyxl). ``InvoiceDate`` is parsed with one format for the whole column
        (``rfm.io.dates.parse_date_column``).

    Returns
    -------
    DataFrame
        The eight UCI columns. ``InvoiceNo`` and ``StockCode`` are text (invoice
        ``"C536379"`` is a cancellation, stock codes like ``"85123A"`` keep their
        letters), ``InvoiceDate`` is a datetime, and ``CustomerID`` is a nullable
        integer (``Int64``): the file stores it as 17850.0 with blanks for guest orders,
        and ``Int64`` keeps the ids exact while marking guests as ``<NA>``.

    Raises
    ------
    FileNotFoundError, ValueError, ImportError
        The file is missing, its format is not recognised or it cannot be read, a UCI
        column is missing, or the format needs a package that is not installed.
    """
    path = Path(path)
    df = read_transactions(path, text_columns=["InvoiceNo", "StockCode"])
    check_columns(df, list(ONLINE_RETAIL_COLUMNS), what=f"Online Retail file {path.name}")
    df["InvoiceDate"], _ = parse_date_column(df["InvoiceDate"], name="InvoiceDate")
    customer = pd.to_numeric(df["CustomerID"], errors="raise")
    df["CustomerID"] = customer.round().astype("Int64")
    return df


#: CDNOW column names: the sample file has the customer's id in the sample first
CDNOW_SAMPLE_COLUMNS = ("customer", "sample_id", "date", "cds", "amount")
CDNOW_MASTER_COLUMNS = ("customer", "date", "cds", "amount")


def load_cdnow(path: str | PathLike[str]) -> pd.DataFrame:
    """Read the CDNOW purchase data (``CDNOW_sample.txt`` or ``CDNOW_master.txt``).

    The standard data set of the customer-base ("buy till you die") literature: every
    purchase of the customers who first bought at the online CD shop CDNOW in the first
    quarter of 1997, to 1998-06-30 (Fader, Hardie & Lee 2005 use the 1-in-10 sample).
    Whitespace-separated text without invoices, as distributed with lifetimes and R's
    BTYD; read by :func:`rfm.io.reading.read_transactions`.

    Parameters
    ----------
    path : str or path-like
        The sample (five columns, no header) or the master file (four columns, a header
        line ``customer_id date number_of_cds dollar_value``), possibly compressed.

    Returns
    -------
    DataFrame
        ``customer`` (text, zero-padded as in the file), ``date`` (datetime), ``cds``
        (int), ``amount`` (float, US dollars). ``customer`` is the id of the master file,
        in the sample too (its line ``00004 0001 19970101 2 29.33`` is the master file's
        ``00004 19970101 2 29.33``); the sample also has ``sample_id`` (text), its own
        numbering of the customers, ``0001`` to ``2357``.
        Read it with ``TransactionColumns(customer="customer", invoice=None,
        date="date", amount="amount", quantity=None, price=None)``.

    Raises
    ------
    FileNotFoundError, ValueError
        The file is missing or does not have the CDNOW layout.
    """
    from rfm.io.reading import ReadOptions

    path = Path(path)
    first = read_transactions(path, options=ReadOptions(sep="whitespace", header=False))
    width = first.shape[1]
    header = width == 4 and not str(first.iloc[0, 1]).strip().isdigit()
    names = {5: CDNOW_SAMPLE_COLUMNS, 4: CDNOW_MASTER_COLUMNS}.get(width)
    if names is None:
        raise ValueError(f"{path.name} has {width} columns; a CDNOW file has 5 (the sample) "
                         "or 4 (the master file).")
    df = read_transactions(
        path, text_columns=["customer", "sample_id"],
        options=ReadOptions(sep="whitespace", header=header, names=names),
    )
    df["date"], _ = parse_date_column(df["date"], name="date")
    return df
