r"""Stable cluster ids across refits: match new centres to old ones, then relabel the run.

K-means numbers its clusters in whatever order its starts happen to find them, so a
refit on next week's data calls last week's cluster 3 "cluster 0". :func:`match_clusters`
pairs the new clusters with the old ones by solving the assignment problem

.. math::  \min_{\pi} \sum_{i} \lVert \nu_i - \mu_{\pi(i)} \rVert

over one-to-one pairings :math:`\pi` of new centres :math:`\nu_i` and old centres
:math:`\mu_j`, both in the *old* model's scaled space
(:func:`scipy.optimize.linear_sum_assignment`, the Hungarian method; with unequal
numbers of clusters the larger side keeps some unpaired). The total, not each pair
greedily, is minimised: a greedy nearest pairing can give two new clusters the same old
one. :func:`relabel_result` then renames the clusters of a pipeline result, so that its
files (``segments.csv``, ``profile.csv``, the report) carry the stable ids.

Names follow the numbers, ids follow the centres. Every cluster is named afresh from its
own medians (:func:`rfm.describe_personas`), so a cluster that persists keeps its persona
name exactly when its customers still fit it, and a kept cluster whose customers moved
(median spend doubled, say) is renamed rather than left with a name its numbers deny;
:func:`renamed_clusters` lists those, for the report to say so. A new cluster whose name
the old model used for another cluster is marked " (new)" in this refit run's files and
report; the refitted model keeps its name without the mark
(:func:`rfm.personas.without_new_mark`), so later runs (the model applied, or refitted
again) name it plainly: it is new only in the run in which it appeared. A later refit
marks a cluster again only if it is new there too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from rfm.personas import NEW_MARK, name_stem, without_new_mark

__all__ = ["match_clusters", "relabel_result", "renamed_clusters", "reworded_clusters"]


def match_clusters(
    new_centres: np.ndarray,
    old_centres: np.ndarray,
    old_ids: np.ndarray,
    old_personas: list[str],
    old_actions: list[str],
    new_personas: list[str],
    new_actions: list[str],
) -> tuple[np.ndarray, list[str], list[str], dict[str, Any]]:
    """Ids, persona names and actions of the new clusters, and what changed.

    Parameters
    ----------
    new_centres, old_centres : ndarray (k_new, d), (k_old, d)
        Centres in one space (the old model's scaled space).
    old_ids : ndarray (k_old,)
        The old clusters' ids (any distinct integers).
    old_personas, old_actions, new_personas, new_actions : list of str
        Persona names and actions, by centre row.

    Returns
    -------
    ids, personas, actions : by new centre row
        A matched cluster takes the old id, an unmatched one the next free ids (in row
        order). Each keeps its own name and action (``new_personas``, ``new_actions``),
        an unmatched one with " (new)" added should its name be one the old model used
        (with or without a mark of its own: a model saved by an older version kept it).
    lineage : dict
        ``matched`` (list of ``[old_id, distance]`` by new row, ``None`` when unmatched),
        ``appeared`` and ``vanished`` (ids).
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    cost = cdist(new_centres, old_centres)  # Euclidean distance, (k_new, k_old)
    rows, cols = linear_sum_assignment(cost)
    k_new = new_centres.shape[0]
    partner = np.full(k_new, -1, dtype=np.int64)
    partner[rows] = cols
    ids = np.empty(k_new, dtype=np.int64)
    personas, actions = list(new_personas), list(new_actions)
    next_id = int(old_ids.max()) + 1
    matched: list[Any] = []
    for i in range(k_new):
        j = partner[i]
        if j >= 0:
            ids[i] = old_ids[j]
            matched.append([int(old_ids[j]), float(cost[i, j])])
        else:
            ids[i] = next_id
            next_id += 1
            matched.append(None)
    # the old names as the old model meant them (one an older version saved may keep a
    # mark), and the names kept clusters have now
    taken = ({without_new_mark(p) for p in old_personas}
             | {personas[i] for i in range(k_new) if partner[i] >= 0})  # fmt: skip
    for i in np.flatnonzero(partner < 0):
        while personas[i] in taken:
            personas[i] += NEW_MARK
        taken.add(personas[i])
    vanished = sorted(int(old_ids[j]) for j in set(range(len(old_ids))) - set(cols.tolist()))
    appeared = [int(ids[i]) for i in np.flatnonzero(partner < 0)]
    return ids, personas, actions, {"matched": matched, "appeared": appeared,
                                    "vanished": vanished}  # fmt: skip


def renamed_clusters(
    lineage: dict[str, Any], old_ids: np.ndarray, old_personas: list[str],
    personas: list[str],
) -> dict[int, str]:
    """Kept clusters whose name changed, by id: the old model's name of each (the persona
    name without a " (…)" that told namesakes apart, which may change with the medians
    while the name stands)."""
    old_name = {int(i): str(p) for i, p in zip(old_ids, old_personas, strict=True)}
    out = {}
    for row, match in enumerate(lineage["matched"]):
        if match is not None and name_stem(old_name[match[0]]) != name_stem(personas[row]):
            out[int(match[0])] = old_name[match[0]]
    return out


def reworded_clusters(refit: dict[str, Any]) -> dict[int, str]:
    """Kept clusters that keep their name but whose whole name reads otherwise (the
    " (…)" that tells namesakes apart changed, came or went), by id: the old model's
    whole name. ``refit`` is a refit run's ``settings["refit"]`` (ids, personas,
    ``personas_before``, ``renamed``); a CRM tag keyed by the whole name changes with it.
    """
    renamed = {int(k) for k in refit.get("renamed", {})}
    before = refit.get("personas_before") or [None] * len(refit["ids"])
    return {int(cid): earlier[0]
            for cid, now, earlier in zip(refit["ids"], refit["personas"], before, strict=True)
            if earlier and int(cid) not in renamed and now != earlier[0]}  # fmt: skip


def relabel_result(result: Any, ids: np.ndarray, personas: list[str], actions: list[str]) -> Any:
    """A copy of a :class:`rfm.app.pipeline.PipelineResult` whose K-means cluster ``row``
    is called ``ids[row]``, with persona ``personas[row]`` and action ``actions[row]``.

    The labels, the profile (index, persona and action), the persona names and the
    segments × personas tables' columns change; the K-means model keeps its own row order
    (``model.cluster_centers_[row]``).
    """
    mapping = dict(enumerate(int(i) for i in ids))
    clusters = result.clusters
    labels = clusters.labels.map(mapping).astype(np.int64).rename("cluster")
    prof = result.profile.copy()
    prof.index = pd.Index([mapping[int(i)] for i in prof.index], name=prof.index.name)
    by_id = {mapping[row]: (personas[row], actions[row]) for row in mapping}
    prof["persona"] = [by_id[i][0] for i in prof.index]
    prof["action"] = [by_id[i][1] for i in prof.index]
    names = pd.Series({int(i): by_id[int(i)][0] for i in sorted(by_id)}, name="persona")
    names.index.name = result.personas.index.name
    fresh = {str(result.personas.loc[row]): personas[row] for row in mapping}
    crosstab = result.segment_persona
    if crosstab is not None:  # its columns are persona names: " (new)" where added
        crosstab = tuple(t.rename(columns=fresh) for t in crosstab)
    value = result.value
    if value is not None and value.by_persona is not None:  # rows by persona name
        value = replace(value, by_persona=value.by_persona.rename(index=fresh))
    return replace(result, clusters=clusters._replace(labels=labels), profile=prof,
                   personas=names, segment_persona=crosstab, value=value)  # fmt: skip
