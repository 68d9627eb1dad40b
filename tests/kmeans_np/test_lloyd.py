"""Lloyd's iterations as ``history_`` records them: one entry per iteration, each inertia
checked by brute force."""

from __future__ import annotations

import numpy as np
import pytest
from _kmeans_helpers import BACKENDS, blob_data, direct_inertia, positive_weights

from kmeans_np import KMeans

# --- history_ -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_history_records_every_iteration(weighted, backend):
    """One entry per iteration; entry 0 holds the init; each entry's inertia is the
    inertia of assigning X to that entry's centres (brute force); inertia never rises."""
    X = blob_data(1500, 3, 5, seed=90)
    w = positive_weights(1500, seed=91) if weighted else None
    init = X[[0, 1, 2, 3, 4]].copy()
    km = KMeans(5, init=init, tol=0.0, backend=backend, record_history=True).fit(
        X, sample_weight=w
    )
    hist = km.history_
    assert km.n_iter_ >= 5
    assert len(hist) == km.n_iter_
    assert [h["iteration"] for h in hist] == list(range(1, km.n_iter_ + 1))
    np.testing.assert_array_equal(hist[0]["centers"], init)
    weights = np.ones(len(X)) if w is None else w
    for h in hist:
        d2 = ((X[:, None, :] - h["centers"][None]) ** 2).sum(-1)
        assert (np.bincount(d2.argmin(1), minlength=5) > 0).all()  # no empty cluster here
        expected = float(weights @ d2.min(1))
        assert h["inertia"] == pytest.approx(expected, rel=1e-12)
    inertias = np.array([h["inertia"] for h in hist])
    assert (np.diff(inertias) <= 1e-12 * inertias[0]).all()
    assert inertias[0] > inertias[-1]  # the run did improve on the init
    # the last entry's assignment is the final one (strict convergence with tol=0)
    assert inertias[-1] == pytest.approx(direct_inertia(X, km.cluster_centers_,
                                                        km.labels_, w), rel=1e-12)
    assert hist[-1]["n_changed"] == 0


def test_history_is_none_unless_asked():
    X = blob_data(200, 2, 3, seed=92)
    assert KMeans(3, random_state=0).fit(X).history_ is None
