"""Which column of a transaction table plays which role: :class:`TransactionColumns`.

Every function that reads order lines (:func:`rfm.clean_transactions`,
:func:`rfm.rfm_table`, :mod:`rfm.kpis`, :func:`rfm.load_transactions`, the pipeline and the
``rfmseg`` command) needs the same five facts: the customer id, the invoice number (or
none: an order is then a customer's purchase day, the lines bought on one calendar day),
the order date, and where money comes from — one amount column, or quantity × unit
price. They keep their keyword arguments (``customer=``, ``amount=`` …) and build one
:class:`TransactionColumns` on entry; the money of each line is then computed in one
place, :meth:`TransactionColumns.line_amounts`.

The one money rule
------------------
``amount`` when given; else ``quantity`` × ``price`` when both are given (one alone is an
error); else, found in the table, a ``TotalAmount`` column, else ``Quantity`` ×
``UnitPrice`` (:meth:`TransactionColumns.for_frame`). Files read by the command line are
recognised more widely, by the usual spellings of each role
(:meth:`TransactionColumns.recognise`: ``Customer ID``, ``Invoice``, ``Price`` …).

A :class:`TransactionColumns` whose money roles are left at their defaults (no ``amount``,
quantity and price not given: the UCI names ``Quantity`` and ``UnitPrice``, marked as
defaults) has named no money column, so the same rule applies to it:
every function given ``columns=`` fits them to the table first
(:meth:`TransactionColumns.for_table`), and ``rfm.run_pipeline(tx)`` takes the money from
the same column as ``rfm.rfm_table(tx)`` and ``rfmseg segment``. Beside an amount,
``Quantity`` and ``UnitPrice`` serve only the cleaning rules, and are used when the table
has them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ALIASES",
    "COLUMNS",
    "DEFAULT_AMOUNT",
    "KEYWORDS",
    "TransactionColumns",
    "fit_money_roles",
    "missing_roles_fix",
    "pass_roles",
    "role_keywords",
]

#: role → recognised header spellings (normalised: lower case, letters and digits only)
ALIASES: dict[str, tuple[str, ...]] = {
    "customer": ("customerid", "customer", "customerno", "clientid", "userid", "custid"),
    "invoice": ("invoiceno", "invoice", "invoiceid", "invoicenumber", "orderid", "orderno",
                "ordernumber", "order", "transactionid"),
    "date": ("invoicedate", "orderdate", "date", "transactiondate", "purchasedate",
             "timestamp", "datetime"),
    "amount": ("totalamount", "amount", "total", "linetotal", "totalprice", "revenue", "sales"),
    "quantity": ("quantity", "qty", "units"),
    "price": ("unitprice", "price", "unitcost"),
}  # fmt: skip

ROLES = ("customer", "invoice", "date", "amount", "quantity", "price")

#: the amount column used when a table has one and no money column is named
DEFAULT_AMOUNT = "TotalAmount"


class _Unnamed(str):
    """A role's column name left at its default: the UCI name, as a ``str`` like any
    other, but one the user did not give, so that the one money rule may pass it over
    for a ``TotalAmount`` column, or drop it beside an amount when the table lacks it.
    The same name given by the user (a plain ``str``) is kept as given."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, tuple[str]]:  # pickles (and copies) as itself
        return (_Unnamed, (str(self),))


#: the quantity and unit price columns when none are named (the UCI names, unnamed)
DEFAULT_QUANTITY, DEFAULT_PRICE = _Unnamed("Quantity"), _Unnamed("UnitPrice")
#: naming an amount column, for messages
AMOUNT_FIX = "amount='<column>'"
#: the other way out of negative line amounts, for a function with ``allow_negative``
ALLOW_NEGATIVE = "pass allow_negative=True to let them reduce the customer's spend"


#: How a function takes the column roles, for the fix its messages name: as keyword
#: arguments (``rfm_table(df, amount="Total")``), or as one
#: ``columns=rfm.TransactionColumns(...)`` (``run_pipeline``, ``rfm.clv.summary``, and
#: ``rfm_table`` or ``clean_transactions`` when given ``columns=``: it replaces the keywords).
KEYWORDS, COLUMNS = "keywords", "columns"


def role_keywords(assignments: str, given_as: str) -> str:
    """Column roles as the caller takes them: ``invoice=None`` as it is (keywords), or
    ``columns=rfm.TransactionColumns(invoice=None)``."""
    if given_as == COLUMNS:
        return f"columns=rfm.TransactionColumns({assignments})"
    return assignments


def pass_roles(assignments: str, given_as: str) -> str:
    """The fix that sets column roles: ``pass invoice=None``, or ``pass
    columns=rfm.TransactionColumns(invoice=None)`` (:func:`role_keywords`)."""
    return f"pass {role_keywords(assignments, given_as)}"


def missing_roles_fix(
    roles: Mapping[str, str | None], missing: Sequence[str], given_as: str
) -> str:
    """The sentence that ends a "missing column(s)" message (see
    :func:`kmeans_np.checks.check_columns`): as keywords, the usual advice; given as
    ``columns=``, the roles whose columns are missing, to name in a new
    :class:`TransactionColumns` (``invoice=None`` offered when the invoice is missing)."""
    if given_as == KEYWORDS:
        return "Pass the right names as keyword arguments."
    named = [role for role in ROLES if roles.get(role) is not None and roles[role] in missing]
    text = ", ".join(f"{role}='<column>'" for role in named) or "..."
    days = " (or invoice=None: an order is then a customer's purchase day)"
    return (f"Name the right ones with {role_keywords(text, COLUMNS)}"
            f"{days if 'invoice' in named else ''}.")  # fmt: skip


def fit_money_roles(
    names: Any, amount: str | None, quantity: str | None, price: str | None
) -> tuple[str | None, str | None, str | None]:
    """``(amount, quantity, price)`` fitted to a table with columns ``names``.

    Money roles left at their defaults (no ``amount``; quantity and price not given, so
    :data:`DEFAULT_QUANTITY` and :data:`DEFAULT_PRICE`) name no money column: a
    ``TotalAmount`` column, when the table has one, is then the amount. Beside an amount,
    a quantity or price left at its default is dropped (``None``) when the table lacks
    it: it serves only the cleaning rules. Anything given, even ``quantity="Quantity"``,
    is returned as it is (and is checked where it is used): the user chose it.
    """
    names = {str(c) for c in names}
    if (amount is None and isinstance(quantity, _Unnamed) and isinstance(price, _Unnamed)
            and DEFAULT_AMOUNT in names):  # fmt: skip
        amount = DEFAULT_AMOUNT
    if amount is not None:
        if isinstance(quantity, _Unnamed) and quantity not in names:
            quantity = None
        if isinstance(price, _Unnamed) and price not in names:
            price = None
    return amount, quantity, price


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _find(columns: Sequence[str], role: str) -> str | None:
    """The one column whose normalised name is a recognised spelling of ``role``."""
    by_norm: dict[str, list[str]] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), []).append(c)
    for alias in ALIASES[role]:
        if alias in by_norm:
            found = list(dict.fromkeys(by_norm[alias]))
            if len(found) > 1:
                raise ValueError(
                    f"columns {', '.join(map(repr, found))} could all be the {role} column; "
                    f"choose one with --{role} COL."
                )
            return found[0]
    return None


@dataclass(frozen=True)
class TransactionColumns:
    """The column of each role in a table of order lines.

    Parameters
    ----------
    customer, date : str
        Customer id and order date columns.
    invoice : str or None
        Invoice / order number column; ``None``: an order is a customer's purchase
        day (the lines of one customer on one calendar day).
    amount : str or None
        Line amount column. When given, money is its values.
    quantity, price : str or None
        Quantity and unit price columns: money is their product when ``amount`` is
        ``None`` (then both are needed). Beside an amount they are only used by
        :func:`rfm.clean_transactions`' returns and free-item rules, and at their default
        names only when the table has them. Left at their defaults with no ``amount``,
        they name no money column: a table with a ``TotalAmount`` column takes its money
        from it (:meth:`for_table`).

    Examples
    --------
    >>> cols = TransactionColumns(amount="TotalAmount", quantity=None, price=None)
    >>> cols.money
    ('TotalAmount',)
    """

    customer: str = "CustomerID"
    invoice: str | None = "InvoiceNo"
    date: str = "InvoiceDate"
    amount: str | None = None
    quantity: str | None = DEFAULT_QUANTITY
    price: str | None = DEFAULT_PRICE

    def __post_init__(self) -> None:
        for role in ROLES:
            value = getattr(self, role)
            if value is not None and not isinstance(value, str):
                raise TypeError(
                    f"{role}= must be a column name (str) or None, got {type(value).__name__}."
                )
        if self.amount is None and (self.quantity is None or self.price is None):
            raise ValueError(
                "money needs amount= or both quantity= and price= (spend = quantity × price)."
            )

    # -- building one --------------------------------------------------------------------
    @classmethod
    def for_frame(
        cls,
        columns: Any,
        *,
        customer: str = "CustomerID",
        invoice: str | None = "InvoiceNo",
        date: str = "InvoiceDate",
        amount: str | None = None,
        quantity: str | None = None,
        price: str | None = None,
        given_as: str = KEYWORDS,
    ) -> TransactionColumns:
        """Columns for a table with ``columns`` (a DataFrame or its column names), by the
        one money rule (module docstring). Named columns must exist; ``given_as`` says how
        the caller takes the roles, for the fix its messages name (:data:`KEYWORDS`:
        ``amount='<column>'``, :data:`COLUMNS`: ``columns=rfm.TransactionColumns(...)``).

        Raises
        ------
        ValueError
            A named column is missing (the columns found are listed), only one of
            ``quantity`` / ``price`` is given, or no money column is named or found.
        """
        names = list(columns.columns if isinstance(columns, pd.DataFrame) else columns)
        named = [c for c in (amount, quantity, price) if c is not None]
        missing = [c for c in named if c not in names]
        if missing:
            roles = {"amount": amount, "quantity": quantity, "price": price}
            raise ValueError(
                f"transactions is missing column(s) {missing}; columns found: "
                f"{[str(c) for c in names]}. {missing_roles_fix(roles, missing, given_as)}"
            )
        if amount is not None:
            if quantity is not None or price is not None:
                raise ValueError(
                    "give either amount= or quantity= and price=, not both: spend is the sum "
                    "of one amount column or of quantity × price."
                )
            return cls(customer, invoice, date, amount, None, None)
        if quantity is not None or price is not None:
            if quantity is None or price is None:
                raise ValueError(
                    "quantity= and price= go together (spend = quantity × price); got only "
                    f"{'quantity' if price is None else 'price'}. Pass both, or amount=."
                )
            return cls(customer, invoice, date, None, quantity, price)
        if DEFAULT_AMOUNT in names:
            return cls(customer, invoice, date, DEFAULT_AMOUNT, None, None)
        if "Quantity" in names and "UnitPrice" in names:
            return cls(customer, invoice, date, None, "Quantity", "UnitPrice")
        pair = role_keywords("quantity='<column>', price='<column>'", given_as)
        either = f"{pass_roles(AMOUNT_FIX, given_as)} or {pair}"
        raise ValueError(
            f"cannot tell how much each line is worth: {either} (no {DEFAULT_AMOUNT} column "
            f"and no Quantity/UnitPrice pair found; columns found: {[str(c) for c in names]})."
        )

    @classmethod
    def recognise(
        cls,
        columns: Sequence[str],
        *,
        customer: str | None = None,
        invoice: str | None = None,
        date: str | None = None,
        amount: str | None = None,
        quantity: str | None = None,
        price: str | None = None,
    ) -> TransactionColumns:
        """Columns of a file's header: given names are checked, the others recognised.

        Names are compared ignoring case, spaces and punctuation (:data:`ALIASES`), so the
        UCI Online Retail file (``CustomerID``, ``InvoiceNo``, ``InvoiceDate``,
        ``Quantity``, ``UnitPrice``), its second edition (``Customer ID``, ``Invoice``,
        ``Price``) and :func:`rfm.datasets.make_transactions`' table need no names.
        ``invoice`` may stay ``None`` (an order is then a customer's purchase day: the rows of
        one customer on one calendar day). Money comes from ``amount`` if given, else
        ``quantity`` × ``price`` if given, else a recognised amount column, else a
        recognised quantity and price; a recognised quantity and price are kept beside an
        amount so that cleaning can drop returns and free items.
        Messages name the command-line flags (``--customer COL`` …).
        """
        cols = [str(c) for c in columns]
        given = {"customer": customer, "invoice": invoice, "date": date, "amount": amount,
                 "quantity": quantity, "price": price}  # fmt: skip
        missing = [f"{v!r}" for v in given.values() if v is not None and v not in cols]
        if missing:
            raise ValueError(f"column(s) {', '.join(missing)} not found; columns found: {cols}")
        if (quantity is None) != (price is None) and amount is None:
            raise ValueError("give both --quantity and --price (their product is the amount).")
        out = {role: given[role] or _find(cols, role) for role in ROLES}
        for role in ("customer", "date"):
            if out[role] is None:
                raise ValueError(
                    f"no {role} column recognised; pass --{role} COL. columns found: {cols}"
                )
        if amount is None and quantity is not None:
            out["amount"] = None  # the user chose quantity × price
        elif out["amount"] is None and (out["quantity"] is None or out["price"] is None):
            raise ValueError(
                "no amount column recognised; pass --amount COL or --quantity COL --price COL. "
                f"columns found: {cols}"
            )
        return cls(**out)

    @classmethod
    def resolve(
        cls, table_columns: Any, columns: TransactionColumns | None = None, **keywords: Any
    ) -> TransactionColumns:
        """The roles for a table with ``table_columns`` (its column names): ``columns``
        fitted to it (:meth:`for_table`) when given, else the roles the caller's keywords
        name, by the one money rule (:meth:`for_frame`, which takes ``keywords``)."""
        if columns is not None:
            return columns.for_table(table_columns)
        return cls.for_frame(table_columns, **keywords)

    def for_table(self, columns: Any) -> TransactionColumns:
        """These roles fitted to a table with ``columns`` (a DataFrame or its column names).

        Money roles left at their defaults name no money column (module docstring): with
        no ``amount`` and ``quantity``, ``price`` at ``Quantity``, ``UnitPrice``, a table
        with a ``TotalAmount`` column takes its money from that column, as
        :func:`rfm.rfm_table` and the command line do. Beside an amount, ``Quantity`` or
        ``UnitPrice`` at its default name is kept only when the table has it (it serves
        the cleaning rules alone). Every other role is returned as it is, and the roles
        are not checked against the table here (the function using them does that).

        Examples
        --------
        >>> TransactionColumns().for_table(["CustomerID", "InvoiceNo", "InvoiceDate",
        ...                                 "TotalAmount"]).money
        ('TotalAmount',)
        >>> TransactionColumns().for_table(["CustomerID", "InvoiceNo", "InvoiceDate",
        ...                                 "Quantity", "UnitPrice"]).money
        ('Quantity', 'UnitPrice')
        """
        names = columns.columns if isinstance(columns, pd.DataFrame) else columns
        money = fit_money_roles(names, self.amount, self.quantity, self.price)
        if money == (self.amount, self.quantity, self.price):
            return self
        return TransactionColumns(self.customer, self.invoice, self.date, *money)

    def as_named(self) -> TransactionColumns:
        """These roles with every name as if the user had given it: what a fitted model
        keeps, so that its columns stay its own on any later table (the names left at
        their defaults no longer give way to a ``TotalAmount`` column), the same in
        memory, pickled or read back from its file."""
        return TransactionColumns(*(None if v is None else str(v)
                                    for v in self.roles().values()))  # fmt: skip

    # -- using one -----------------------------------------------------------------------
    @property
    def money(self) -> tuple[str, ...]:
        """The column(s) money comes from: ``(amount,)`` or ``(quantity, price)``."""
        if self.amount is not None:
            return (self.amount,)
        return (str(self.quantity), str(self.price))

    @property
    def roles_text(self) -> str:
        """Which column plays which role, as a run tells the user it read them.

        >>> TransactionColumns(amount="Amount").roles_text
        "customer 'CustomerID', date 'InvoiceDate', order 'InvoiceNo', spend 'Amount'"
        >>> TransactionColumns(invoice=None).roles_text
        "customer 'CustomerID', date 'InvoiceDate', no order column (an order is a \
customer's purchase day), spend 'Quantity' × 'UnitPrice'"
        """
        order = (f"order {self.invoice!r}" if self.invoice is not None else
                 "no order column (an order is a customer's purchase day)")
        spend = (repr(self.amount) if self.amount is not None else
                 f"{self.quantity!r} × {self.price!r}")
        return f"customer {self.customer!r}, date {self.date!r}, {order}, spend {spend}"

    @property
    def money_text(self) -> str:
        """The money column(s) as messages name them: ``column 'X'`` or ``'Q' × 'P'``."""
        if self.amount is not None:
            return f"column {self.amount!r}"
        return f"{self.quantity!r} × {self.price!r}"

    def roles(self) -> dict[str, str | None]:
        """Role → column name (``customer, invoice, date, amount, quantity, price``)."""
        return {role: getattr(self, role) for role in ROLES}

    def money_keywords(self) -> dict[str, str | None]:
        """``amount=`` or ``quantity=`` and ``price=`` as :func:`rfm.rfm_table` takes them."""
        if self.amount is not None:
            return {"amount": self.amount}
        return {"quantity": self.quantity, "price": self.price}

    def line_amounts(
        self,
        df: pd.DataFrame,
        *,
        allow_negative: bool = True,
        negative_fix: str | None = ALLOW_NEGATIVE,
    ) -> np.ndarray:
        """Money of each line of ``df`` as float64, checked.

        ``negative_fix`` is the caller's other way out of negative lines, after removing
        them (``None``: none, the caller takes no ``allow_negative``).

        Raises
        ------
        TypeError
            A money column is not numeric.
        ValueError
            A line's money is missing or infinite, or (unless ``allow_negative``) below 0.
        """
        from rfm._inputs import numeric_values

        if self.amount is not None:
            line = numeric_values(df[self.amount], self.amount)
        else:
            q, p = self.money
            line = numeric_values(df[q], q) * numeric_values(df[p], p)
        if not np.isfinite(line).all():
            raise ValueError(
                f"{self.money_text} has {int((~np.isfinite(line)).sum())} missing value(s) "
                "(NaN) or infinite value(s); drop or fix them first (e.g. clean_transactions)."
            )
        if not allow_negative and (line < 0).any():
            other = f", or {negative_fix}" if negative_fix else ""
            raise ValueError(
                f"{self.money_text} has {int((line < 0).sum())} negative line amount(s) "
                f"(returns or cancellations?). Remove them with clean_transactions{other}."
            )
        return line
