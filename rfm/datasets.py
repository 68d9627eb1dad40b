"""Data to try the pipeline on: synthetic transactions, seed 002's case table, the UCI file.

``make_transactions``
    Seed 000's 14-column order-line table, generated with structure a real shop has:
    customers of five kinds (loyal heavy buyers, regulars, occasional buyers, lapsed
    customers, newcomers) with different activity windows and purchase rates, skewed
    (log-normal) spend, several lines per invoice and per-customer demographics. So
    recency, frequency and monetary differ *between* groups and K-means has something to
    find — unlike uniform random data, where every cluster looks the same.
``case_study_customers``
    Seed 002's 20-customer RFM table, exactly as written in its code.
``load_online_retail``
    The UCI Online Retail file (CSV, gzip CSV or xlsx) with the right dtypes.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from kmeans_np._checks import check_columns, check_random_state
from rfm.dates import parse_date_column
from rfm.reading import read_csv_text_ids

__all__ = ["case_study_customers", "load_online_retail", "make_transactions"]

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
KINDS = ("loyal", "regular", "occasional", "lapsed", "new")
KIND_SHARE = np.array([0.15, 0.35, 0.15, 0.25, 0.10])
KIND_RATE = np.array([3.0, 1.2, 0.5, 1.0, 1.5])
KIND_SPEND = np.array([1.8, 1.0, 0.8, 0.9, 0.9])
KIND_MEMBER = np.array([0.9, 0.6, 0.4, 0.5, 0.3])


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Vectorised ``f"{prefix}{n:0{width}d}"`` for an int array."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


def _activity_windows(
    rng: np.random.Generator, kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last active day (0 .. SPAN_DAYS) of each customer, by kind."""
    n = kind.shape[0]
    u = rng.random(n)
    start = np.empty(n)
    end = np.empty(n)
    span = SPAN_DAYS
    for k, name in enumerate(KINDS):
        m = kind == k
        c = int(m.sum())
        if name == "loyal":
            start[m] = u[m] * span * 0.4
            end[m] = span - rng.exponential(12.0, c)
        elif name == "regular":
            start[m] = u[m] * span * 0.6
            end[m] = span - rng.exponential(45.0, c)
        elif name == "occasional":
            start[m] = u[m] * span * 0.8
            end[m] = start[m] + rng.random(c) * (span - start[m])
        elif name == "lapsed":
            start[m] = u[m] * span * 0.5
            end[m] = np.minimum(start[m] + rng.uniform(60, 400, c), span - rng.uniform(180, 500, c))
        else:  # new
            start[m] = span - rng.uniform(10, 120, c)
            end[m] = span - rng.exponential(8.0, c)
    start = np.clip(start, 0, span)
    end = np.clip(np.maximum(end, start), 0, span)
    return start, end


def make_transactions(
    n_customers: int = 20_000, n_rows: int = 200_000, random_state: int | None = 0
) -> pd.DataFrame:
    """Synthetic order lines in seed 000's 14-column layout.

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
    Customers are of five kinds — loyal heavy buyers (15 %: active to the end, three
    times the base purchase rate, higher spend), regulars (35 %), occasional buyers
    (15 %), lapsed customers (25 %: stopped 6–16 months before the end) and newcomers
    (10 %: first purchase in the last four months). Each customer's lines are spread
    over its activity window; the number of lines follows its rate and window length
    with log-normal noise, and prices carry a per-customer log-normal multiplier, so
    spend is right-skewed as in real shops.
    """
    for name, value in (("n_customers", n_customers), ("n_rows", n_rows)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
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
    weight = KIND_RATE[kind] * (end - start + 30.0) * rng.lognormal(0.0, 0.4, n_c)
    rows_per = 1 + rng.multinomial(n_r - n_c, weight / weight.sum())
    spend = KIND_SPEND[kind] * rng.lognormal(0.0, 0.35, n_c)
    fav_category = rng.integers(0, len(CATEGORIES), n_c)
    fav_channel = rng.integers(0, len(CHANNELS), n_c)

    # --- invoices: each customer's lines split into invoices of >= 1 line ------------
    n_inv_per = np.clip(rng.binomial(rows_per, 0.55), 1, rows_per)
    inv_offset = np.concatenate([[0], np.cumsum(n_inv_per)[:-1]])
    n_inv = int(n_inv_per.sum())
    inv_cust = np.repeat(np.arange(n_c), n_inv_per)
    inv_day = start[inv_cust] + rng.random(n_inv) * (end[inv_cust] - start[inv_cust])
    last_inv = inv_offset + n_inv_per - 1  # pin one invoice at the window's end
    inv_day[last_inv] = end
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


def _hour_weights() -> np.ndarray:
    """Shopping-hours profile over 8:00 .. 22:00 with lunchtime and evening peaks."""
    w = np.array([2, 4, 6, 8, 10, 9, 7, 6, 6, 7, 9, 10, 8, 5, 3], dtype=float)
    return w / w.sum()


def case_study_customers() -> pd.DataFrame:
    """Seed 002's 20-customer RFM table, exactly as in its code.

    Returns
    -------
    DataFrame
        Columns ``customer_id`` ("C001" .. "C020"), ``recency_days``, ``frequency``,
        ``monetary``, ``avg_order_value``, ``first_purchase_days``; default RangeIndex.
        Only the table is taken from the seed — its printed results are wrong (see
        ``shared/seeds/README.md``).
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
    """Read the UCI Online Retail file (``.csv``, ``.csv.gz`` or ``.xlsx``).

    Parameters
    ----------
    path : str or path-like
        The file. CSV is read as UTF-8 (with or without byte-order mark), UTF-16 with a
        byte-order mark, else Windows-1252 (the encoding of many copies of the original
        export); gzip is detected from the ``.gz`` suffix. ``InvoiceDate`` is parsed
        with one format for the whole column (``rfm.dates.parse_date_column``).
        ``.xlsx`` / ``.xls`` needs the optional ``openpyxl`` package.

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
    FileNotFoundError, ValueError
        The file is missing, its format is not recognised, or a UCI column is missing.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no Online Retail file at {path}")
    suffixes = [s.lower() for s in path.suffixes]
    text_cols = {"InvoiceNo": str, "StockCode": str}
    if suffixes and suffixes[-1] in (".xlsx", ".xls"):
        try:
            import openpyxl  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the installation
            raise ValueError(
                "reading .xlsx needs the optional package openpyxl (pip install openpyxl), "
                "or convert the file to CSV."
            ) from None
        df = pd.read_excel(path, dtype=text_cols)
    elif ".csv" in suffixes or ".txt" in suffixes:
        df = read_csv_text_ids(path, list(text_cols))
    else:
        raise ValueError(
            f"cannot tell the format of {path.name}: expected .csv, .csv.gz or .xlsx."
        )
    check_columns(df, list(ONLINE_RETAIL_COLUMNS), what=f"Online Retail file {path.name}")
    df["InvoiceDate"], _ = parse_date_column(df["InvoiceDate"], name="InvoiceDate")
    customer = pd.to_numeric(df["CustomerID"], errors="raise")
    df["CustomerID"] = customer.round().astype("Int64")
    return df
