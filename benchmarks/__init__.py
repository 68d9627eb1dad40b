"""Side-by-side benchmarks of rfmseg against the established tools.

Run from a checkout with the ``bench`` extra installed::

    python -m benchmarks kmeans        # K-means vs scikit-learn
    python -m benchmarks silhouette    # exact silhouette vs scikit-learn
    python -m benchmarks rfm           # rfm_table vs pandas, DuckDB, polars
    python -m benchmarks load          # the demo idle, beside busy loops, on 1 thread
    python -m benchmarks clv           # BG/NBD fit and CLV summary vs lifetimes
    python -m benchmarks all --quick   # every benchmark on small sizes (a smoke run)

Each benchmark times the contenders interleaved in one process, reports medians and
ratios, and writes its table to ``bench-results/<name>.md``. Never run two at once: the
machine has two cores.
"""
