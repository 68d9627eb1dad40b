"""``python -m benchmarks make-data --rows N --out DIR``: a partitioned Parquet order set.

Order lines like a shop export (``CustomerID``, ``InvoiceNo``, ``InvoiceDate``,
``Quantity``, ``UnitPrice``), written ``--rows-per-file`` rows at a time, so memory stays
at one file's worth whatever ``--rows`` is (100 million rows: 50 files of 2 million).

* about one customer per 10 rows; ids are integers (``--ids int``, the default) or
  text such as ``C000012345`` (``--ids str``);
* rows come in invoice order with 2.2 lines per invoice on average, so the invoice at
  the end of one file goes on at the start of the next: an exact RFM table must merge
  its lines across files;
* each invoice belongs to one customer and has one date (within 900 days), both drawn
  from a hash of the invoice number; quantities and prices come from a generator seeded
  per file. The same ``--rows`` and ``--rows-per-file`` always give the same files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROWS_PER_FILE = 2_000_000
START = np.datetime64("2022-01-01T00:00:00", "s")
SPAN_SECONDS = 900 * 86_400
LINES_NUM, LINES_DEN = 11, 5  # rows per invoice = 11 / 5 = 2.2 on average


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 (a well-spread hash of the invoice number)."""
    x = x.astype(np.uint64)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def chunk(start: int, stop: int, n_rows: int, *, ids: str = "int") -> pd.DataFrame:
    """Rows ``start .. stop - 1`` of the ``n_rows``-row set."""
    rows = np.arange(start, stop, dtype=np.int64)
    invoice = rows * LINES_DEN // LINES_NUM + 1
    n_customers = max(1, n_rows // 10)
    h = _mix(invoice)
    customer = (h % np.uint64(n_customers)).astype(np.int64) + 1
    seconds = (_mix(h) % np.uint64(SPAN_SECONDS)).astype(np.int64)
    rng = np.random.default_rng([start, n_rows])
    customer_ids: np.ndarray | pd.Series = customer
    if ids == "str":
        customer_ids = pd.Series(np.char.add("C", np.char.zfill(customer.astype(str), 9)),
                                 dtype="str")
    return pd.DataFrame(
        {
            "CustomerID": customer_ids,
            "InvoiceNo": invoice,
            "InvoiceDate": (START + seconds.astype("timedelta64[s]")).astype("datetime64[us]"),
            "Quantity": rng.integers(1, 13, len(rows)).astype(np.int32),
            "UnitPrice": rng.gamma(2.0, 4.0, len(rows)).round(2),
        }
    )


def make_data(
    n_rows: int, out: str | Path, *, rows_per_file: int = ROWS_PER_FILE, ids: str = "int"
) -> list[Path]:
    """Write the ``n_rows``-row set into ``out`` (``part-00000.parquet``, ...)."""
    if n_rows < 1 or rows_per_file < 1:
        raise ValueError("--rows and --rows-per-file must be at least 1.")
    if ids not in ("int", "str"):
        raise ValueError(f"--ids must be 'int' or 'str', got {ids!r}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for k, start in enumerate(range(0, n_rows, rows_per_file)):
        path = out / f"part-{k:05d}.parquet"
        stop = min(n_rows, start + rows_per_file)
        chunk(start, stop, n_rows, ids=ids).to_parquet(path, index=False)
        files.append(path)
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks make-data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), required=True,
                        help="number of order lines (100_000_000 is fine)")
    parser.add_argument("--out", required=True, help="folder to write the Parquet files to")
    parser.add_argument("--rows-per-file", type=int, default=ROWS_PER_FILE)
    parser.add_argument("--ids", choices=("int", "str"), default="int",
                        help="customer ids as integers or as text")
    args = parser.parse_args(argv)
    files = make_data(args.rows, args.out, rows_per_file=args.rows_per_file, ids=args.ids)
    print(f"wrote {args.rows:,} rows in {len(files)} file(s) to {args.out}")


if __name__ == "__main__":
    main()
