"""The rows of a data set in the order of their values: fits that do not depend on row order.

K-means draws its starts by row position (k-means++ picks a row at random, then rows in
proportion to their squared distance), so the same customers listed in another order can
end in another local optimum, and a rule that picks k by the fits can pick another k. A
table of customers comes in the order of its ids, and ids read as text ("10" < "9") sort
differently from the same ids read as numbers, so a file segmented by the command line and
the same file read with ``pd.read_csv`` would otherwise give different clusters.

:func:`value_order` sorts the rows lexicographically by their values (first column first,
then the second, ...). Rows that tie are equal in every column, so their order among
themselves changes nothing a fit can see: whatever order the rows came in, the sorted data
set is the same array, and so is every fit on it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["value_order"]


def value_order(arr: np.ndarray) -> np.ndarray:
    """Row positions of ``arr`` (n, d) sorted by value, first column first.

    ``arr[value_order(arr)]`` is the same array for any permutation of the rows of
    ``arr`` (rows that tie are equal).

    Examples
    --------
    >>> value_order(np.array([[2.0, 1.0], [1.0, 5.0], [1.0, 3.0]])).tolist()
    [2, 1, 0]
    """
    return np.lexsort(arr.T[::-1])
