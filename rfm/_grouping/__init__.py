"""The grouping engine behind :func:`rfm.rfm_table` (private).

keys / keys_numba            Exact, ordered ``uint64`` keys for any id column (numbers,
                             text, Arrow strings), so grouping never compares Python objects.
aggregate / aggregate_numba  Per-customer first and last date, spend and distinct invoices:
                             a sort-and-reduce numpy twin and a partitioned hash
                             aggregation in numba, with one answer.
dense_numba                  The numba path for integer ids in a dense range: partitions
                             by id range, slots at the id, no hashing or final sort.
combine_numba                Group rows by a four-word key (the Dask path's per-partition
                             pre-aggregation and its combine after the shuffle).
sort_numba                   The stable order of two-word keys by radix sort (numpy's
                             stable sort is its twin: one answer).
"""
