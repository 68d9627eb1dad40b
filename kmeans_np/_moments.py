"""Column moments that cannot overflow: values divided by a power of two first.

The standard scaler needs each column's mean and population variance. A sum of values
near 1e306, or the square of a deviation above 1.3e154, overflows float64, and the
scaler then divides by ``inf`` and returns zeros. Dividing a column by a power of two
``2^e`` is exact (only the exponent changes), so summing ``x · 2^-e`` and squaring
``(x - mean) · 2^-e``, then scaling back, gives the same numbers bit for bit where
nothing overflows, and the right ones where it would. A deviation ``x - mean`` itself
passes float64's largest number only when the column spans more than it (values near
±1e308): there it is taken halved, ``x/2 - mean/2``, which is exact at that size
(:func:`scaled_difference`). Shared by the in-memory scaler (:mod:`kmeans_np.scaling`)
and its Dask twin (:mod:`kmeans_np.transform_dask`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["scaled_difference", "size_exponents", "spread"]


def size_exponents(z_min: np.ndarray, z_max: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the powers of two ``2^e`` that bring its values and its deviations
    from the mean below 1 in size: ``e`` of ``max(|min|, |max|)`` and of the spread.

    With ``|x| < 2^e_size`` and ``max - min < 2^e_dev``, every ``x · 2^-e_size`` and every
    deviation ``(x - mean) · 2^-e_dev`` lies in (-1, 1): n of them sum to at most n, and
    their squares neither overflow nor, for the spreads that matter, underflow.
    """
    with np.errstate(over="ignore"):
        size = np.maximum(np.abs(z_min), np.abs(z_max))
        half = z_max * 0.5 - z_min * 0.5  # the spread, halved so that it cannot overflow
    return np.frexp(size)[1], np.frexp(half)[1] + 1


def spread(mean_square: np.ndarray, exponent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population variance and standard deviation from the mean square of the deviations
    divided by ``2^exponent``: ``var = ms · 4^e`` (``inf`` when it passes float64's
    largest number, 1.8e308, as it does for spreads above 1.3e154) and ``std = √ms · 2^e``
    (always finite)."""
    with np.errstate(over="ignore"):
        var = np.ldexp(mean_square, 2 * exponent)
    return var, np.ldexp(np.sqrt(mean_square), exponent)


def scaled_difference(
    z: np.ndarray, centre: np.ndarray, scale: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``scale(z - centre)`` for a linear ``scale`` whose results are small, also where
    ``z - centre`` passes float64's largest number (a column spanning more than 1.8e308):
    there it is ``2 · scale(z/2 - centre/2)``.

    Halving is exact for every value but a subnormal one (below 2.2e-308), whose lost
    last bit is far below the rounding of a difference that large, so each result is the
    one an overflow-free float64 would give; where nothing overflows (every column of
    ordinary data) it is ``scale(z - centre)`` bit for bit. ``z`` and ``centre`` must be
    finite and broadcast together.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        diff = z - centre
        out = scale(diff)
        wide = np.isinf(diff)
        if wide.any():
            out = np.where(wide, 2.0 * scale(z * 0.5 - centre * 0.5), out)
    return out
