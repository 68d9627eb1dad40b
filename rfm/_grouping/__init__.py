"""The grouping engine behind :func:`rfm.rfm_table` (private).

keys / keys_numba            Exact, ordered ``uint64`` keys for any id column (numbers,
                             text, Arrow strings), so grouping never compares Python objects.
aggregate / aggregate_numba  Per-customer first and last date, spend and distinct invoices:
                             a sort-and-reduce numpy twin and a partitioned hash
                             aggregation in numba, with one answer.
"""
