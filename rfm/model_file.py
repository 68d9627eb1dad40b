"""The model file: a :class:`rfm.SegmentModel` as JSON, written and read back safely.

Why JSON and not pickle: unpickling runs code named in the file, and a pickled estimator
breaks when package versions differ. A JSON model is data only: a person can read it, a
diff shows what changed between two weeks, and loading it executes nothing.

Layout (``format_version`` 1)::

    {
      "format": "rfmseg segment model",
      "format_version": 1,
      "rfmseg_version": "0.1.0",
      "created": "2024-06-30T08:00:00+00:00",
      "training": {"customers": 4338, "rows_read": 541909, "rows_kept": 397884,
                   "first_order": "2010-12-01T08:26:00", "last_order": "2011-12-09T12:50:00",
                   "snapshot": "2011-12-10T00:00:00"},
      "settings": {"columns": {...}, "cleaning": {...}, "snapshot": "max+1d",
                   "rules": "ladder" or {"rules": [...], "q": 5, ...}, "ties": "thresholds",
                   "k": "auto", "scaling": "log-minmax", "random_state": 0},
      "scores": {"q": 5, "cuts": {"recency": [4 numbers], ...}, "bins": [...]},
      "scaler": {"scaling": "log-minmax", "log1p": [true, true, true],
                 "center": [...], "multiplier": [...], "offset": [...]},
      "clusters": [{"id": 0, "centre": [3 numbers], "persona": "...", "action": "..."}, ...],
      "drift_reference": {"recency": {"decile_cuts": [...], "decile_counts": [...],
                          "score_counts": [...], "values": [...], "counts": [...],
                          "sampled": false}, ...},
      "lineage": null
    }

After a refit, ``lineage`` holds ``matched`` (``[old id, distance]`` or null per cluster),
``appeared``, ``vanished``, ``refit_of`` (the old model's creation time) and
``personas_before`` (per cluster: the list of names a kept cluster had in the models before,
the old model's first; null for a new one; files written before it was added have none).

The ``*_scaled`` entries of ``drift_reference`` have no ``score_counts``; their
``values`` and ``counts`` are the KS reference, and their ``decile_cuts`` and
``decile_counts`` (the deciles of the scaled training values) are checked but not read
for the PSI: a scaled feature takes its raw feature's bins (:mod:`rfm.drift`).

**Floats round-trip exactly.** Python writes a float as the shortest decimal that reads
back as the same double (``repr``), and reads it back correctly rounded, so every cut
point and centre is bit for bit what was saved; NaN and infinities are not JSON and are
never written.

**Loading checks every field**: its presence, type, shape and range (finite numbers,
ascending cut points, distinct cluster ids, known names), and refuses the file with one
line naming the problem (:class:`ModelFileError`, a ``ValueError``): not JSON or cut
short, a key written twice in one object (JSON keeps the last silently), a field of the
wrong type or shape, centres that are not finite, a newer format version than this
rfmseg reads.

**The settings must agree with the learned state**, as a run writes them: ``apply``
reads the learned state and ``refit`` the settings, so a file where they differ would
segment two ways. ``settings.scaling`` is ``scaler.scaling``, and ``scaler.log1p`` is
what that scaling takes (all true for log-minmax, all false otherwise); a number
``settings.k`` is the number of clusters (``"auto"`` takes any); ``scores.q`` is the score
scale of the rules (their ``q``, or 5, what a run takes for rules without one). Every
histogram counts the ``training.customers``: the score bins of each dimension, every
``decile_counts`` and ``score_counts``, and ``counts`` when not ``sampled``; a ``sampled``
reference (only of more than 10,000 customers, :data:`rfm.drift.REFERENCE_POINTS`)
counts 10,000 of them.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm._inputs import RFM_COLUMNS
from rfm.clustering import SCALINGS, make_scaler
from rfm.columns import ROLES, TransactionColumns
from rfm.drift import REFERENCE_POINTS, Reference
from rfm.frozen import FrozenScaler, FrozenScores
from rfm.personas import without_new_mark
from rfm.scoring import TIES
from rfm.segments import SEGMENT_RULES, RuleSet, SegmentRule
from rfm.settings import CleaningRules, Settings

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "from_document", "read_model",
           "to_document", "write_model"]  # fmt: skip

FORMAT = "rfmseg segment model"
#: the version of the layout this rfmseg writes (and the newest it reads)
FORMAT_VERSION = 1
#: bound on a model file's size: a model holds at most a few hundred thousand numbers
MAX_BYTES = 64 * 2**20


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the problem in one line."""


# -- writing -----------------------------------------------------------------------------
def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _rules_document(rules: Any) -> Any:
    if isinstance(rules, str):
        return rules
    from rfm.segments import resolve_rules

    rs = resolve_rules(rules)
    return {
        "rules": [
            {"name": r.name, "r": _range(r.r), "f": _range(r.f), "m": _range(r.m),
             "action": r.action}
            for r in rs.rules
        ],
        "q": rs.q,
        "others_action": rs.others_action,
        "order": list(rs.order) if rs.order is not None else None,
    }  # fmt: skip


def _range(value: Any) -> list[int] | None:
    return None if value is None else [int(value[0]), int(value[1])]


def _settings_document(s: Settings) -> dict[str, Any]:
    snapshot = s.snapshot
    if not (isinstance(snapshot, str) and snapshot in ("max+1d", "max")):
        snapshot = pd.Timestamp(snapshot).isoformat()
    return {
        "columns": s.columns.roles(),
        "cleaning": s.cleaning.as_dict(),
        "snapshot": snapshot,
        "rules": _rules_document(s.rules),
        "ties": s.ties,
        "k": s.k if s.k == "auto" else int(s.k),
        "scaling": s.scaling,
        "random_state": int(s.random_state),
    }


def to_document(model: Any) -> dict[str, Any]:
    """The JSON document of a fitted model (plain dicts, lists, str, int, float)."""
    from rfm.model import SCALED_FEATURES

    lr = model.learned
    bins = lr.bins
    reference = {}
    for name in (*RFM_COLUMNS, *SCALED_FEATURES):
        ref = lr.reference[name]
        reference[name] = {
            "decile_cuts": _floats(ref.decile_cuts),
            "decile_counts": [int(c) for c in ref.decile_counts],
            "score_counts": None if ref.score_counts is None
            else [int(c) for c in ref.score_counts],
            "values": _floats(ref.distribution.values),
            "counts": [int(c) for c in ref.distribution.counts],
            "sampled": bool(ref.distribution.sampled),
        }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "rfmseg_version": lr.version,
        "created": lr.created,
        "training": dict(lr.training),
        "settings": _settings_document(model.settings),
        "scores": {
            "q": lr.scores.q,
            "cuts": {d: _floats(lr.scores.cuts[d]) for d in RFM_COLUMNS},
            "bins": [
                {"dimension": str(d), "score": int(s), "low": float(lo), "high": float(hi),
                 "customers": int(c)}
                for d, s, lo, hi, c in zip(bins["dimension"], bins["score"], bins["low"],
                                           bins["high"], bins["customers"], strict=True)
            ],
        },
        "scaler": {
            "scaling": lr.scaler.scaling,
            "log1p": [bool(b) for b in lr.scaler.log1p],
            "center": _floats(lr.scaler.center),
            "multiplier": _floats(lr.scaler.multiplier),
            "offset": _floats(lr.scaler.offset),
        },
        "clusters": [
            {"id": int(i), "centre": _floats(c), "persona": p, "action": a}
            for i, c, p, a in zip(lr.ids, lr.centres, lr.personas, lr.persona_actions,
                                  strict=True)
        ],
        "drift_reference": reference,
        "lineage": lr.lineage,
    }


def dumps(model: Any) -> str:
    """The model file's text (indented JSON, strict: no NaN or infinity)."""
    return json.dumps(to_document(model), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def write_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` to ``path`` atomically (a staging folder beside it, then a rename:
    a failure leaves an earlier file of that name as it was)."""
    from rfm.io._atomic import StagedFolder

    text = dumps(model)
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"folder {str(path.parent)!r} does not exist; create it first.")
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder, not a model file name.")
    with StagedFolder(path.parent) as stage:
        with stage.writing(path.name) as staged:
            staged.write_text(text, encoding="utf-8")
        stage.commit()
    return path


# -- reading -----------------------------------------------------------------------------
def _shown(value: Any) -> str:
    """A value of the document as the file writes it, cut to 60 characters."""
    return json.dumps(value, allow_nan=True)[:60]


class _Field:
    """A value of the document and where it sits (``scaler.center``), for the errors."""

    def __init__(self, value: Any, where: str) -> None:
        self.value, self.where = value, where

    def fail(self, what: str) -> ModelFileError:
        return ModelFileError(f"field '{self.where}' must be {what}, got {_shown(self.value)}")

    def disagrees(self, other: str, why: str) -> ModelFileError:
        """This field contradicts another one (``other`` says what that one holds)."""
        return ModelFileError(f"field '{self.where}' is {_shown(self.value)} but {other}: {why}")

    def __getitem__(self, key: str) -> _Field:
        if not isinstance(self.value, Mapping):
            raise self.fail("an object")
        where = f"{self.where}.{key}" if self.where else key
        if key not in self.value:
            raise ModelFileError(f"field '{where}' is missing")
        return _Field(self.value[key], where)

    def optional(self, key: str) -> _Field | None:
        if not isinstance(self.value, Mapping):
            raise self.fail("an object")
        value = self.value.get(key)
        return None if value is None else _Field(value, f"{self.where}.{key}" if self.where
                                                  else key)

    def items(self) -> list[_Field]:
        if not isinstance(self.value, list):
            raise self.fail("a list")
        return [_Field(v, f"{self.where}[{i}]") for i, v in enumerate(self.value)]

    def text(self, choices: tuple[str, ...] | None = None) -> str:
        v = self.value
        if not isinstance(v, str) or (choices is not None and v not in choices):
            raise self.fail("text" if choices is None else f"one of {', '.join(choices)}")
        return v

    def text_or_none(self) -> str | None:
        return None if self.value is None else self.text()

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("true or false")
        return self.value

    def integer(self, low: int | None = None, high: int | None = None) -> int:
        v = self.value
        ok = isinstance(v, int) and not isinstance(v, bool)
        if not ok or (low is not None and v < low) or (high is not None and v > high):
            bounds = "" if low is None else f" from {low}" + ("" if high is None else f" to {high}")
            raise self.fail(f"a whole number{bounds}")
        return v

    def numbers(self, length: int | None = None, *, what: str = "numbers") -> np.ndarray:
        v = self.value
        size = "" if length is None else f"{length} "
        if not isinstance(v, list) or (length is not None and len(v) != length):
            raise self.fail(f"a list of {size}finite {what}")
        for x in v:
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise self.fail(f"a list of {size}finite {what}")
        return np.array(v, dtype=np.float64)

    def counts(self, length: int | None = None) -> np.ndarray:
        v = self.value
        if (not isinstance(v, list) or (length is not None and len(v) != length)
                or any(isinstance(x, bool) or not isinstance(x, int) or x < 0 for x in v)):
            size = "" if length is None else f"{length} "
            raise self.fail(f"a list of {size}whole numbers >= 0")
        return np.array(v, dtype=np.int64)


def _reject_constant(name: str) -> float:
    raise ModelFileError(f"it holds {name}, which is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of the file, refused when it names a key twice (JSON would silently keep
    the last value, so a hand edit could hide behind the first)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ModelFileError(
                f"key {json.dumps(key)} is written twice in one object (only the last would "
                "count); keep one of them"
            )
        document[key] = value
    return document


def loads(text: str) -> Any:
    """The document of a model file's text (refused if it is not strict JSON, or if an
    object names a key twice)."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        cut = " or is cut short" if exc.pos >= len(text.rstrip()) else ""
        raise ModelFileError(
            f"not a JSON model file{cut} (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ModelFileError("not a model file: JSON nested too deeply") from None


def read_model(path: str | os.PathLike[str]) -> Any:
    """Read and check a model file (:func:`from_document`); errors name the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ModelFileError(f"{path.stat().st_size:,} bytes is too large for a model file")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError("not a JSON model file (not UTF-8 text)") from None
        return from_document(loads(text))
    except ModelFileError as exc:
        raise ModelFileError(f"model file {str(path)!r}: {exc}") from None
    except FileNotFoundError:
        raise ModelFileError(f"model file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ModelFileError(f"model file {str(path)!r} is a folder") from None


def _rules(f: _Field) -> Any:
    if isinstance(f.value, str):
        if f.value not in SEGMENT_RULES:
            raise f.fail(f"a rule set name ({', '.join(SEGMENT_RULES)}) or an object of rules")
        return f.value
    rules = []
    for item in f["rules"].items():
        ranges = []
        for d in ("r", "f", "m"):
            r = item.optional(d)
            if r is None:
                ranges.append(None)
                continue
            lo_hi = r.counts(2)
            if not 1 <= lo_hi[0] <= lo_hi[1] <= 9:
                raise r.fail("a score range [low, high] within 1..9")
            ranges.append((int(lo_hi[0]), int(lo_hi[1])))
        rules.append(SegmentRule(item["name"].text(), *ranges, item["action"].text()))
    if not rules:
        raise f["rules"].fail("a list of at least one rule")
    q = f.optional("q")
    order = f.optional("order")
    return RuleSet(
        rules=tuple(rules),
        q=None if q is None else q.integer(2, 9),
        others_action=f["others_action"].text(),
        order=None if order is None else tuple(o.text() for o in order.items()),
    )


def _settings(f: _Field) -> Settings:
    cols = f["columns"]
    roles = {role: cols[role].text_or_none() for role in ROLES}
    for role in ("customer", "date"):
        if roles[role] is None:
            raise cols[role].fail("a column name")
    try:
        columns = TransactionColumns(**roles)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"field 'settings.columns': {exc}") from None
    clean = f["cleaning"]
    # a model saved before drop_totals_row existed takes its default
    cleaning = CleaningRules(**{name: clean[name].flag() for name in CleaningRules().as_dict()
                                if name != "drop_totals_row" or clean.optional(name) is not None})
    snap = f["snapshot"].text()
    if snap not in ("max+1d", "max"):
        try:
            pd.Timestamp(snap)
        except (TypeError, ValueError):
            raise f["snapshot"].fail("max+1d, max or a date") from None
    k = f["k"]
    k_value = "auto" if k.value == "auto" else k.integer(2)
    return Settings(
        columns=columns, cleaning=cleaning, snapshot=snap, rules=_rules(f["rules"]),
        ties=f["ties"].text(TIES), k=k_value, scaling=f["scaling"].text(SCALINGS),
        random_state=f["random_state"].integer(0),
    )  # fmt: skip


def _rules_named(rules: Any) -> str:
    """The rule set of the settings, in a sentence."""
    if isinstance(rules, str):
        return f"rule set {rules!r}"
    unset = " (no q given: a run scores them 1..5)" if rules.q is None else ""
    return f"the rules in 'settings.rules'{unset}"


def _ascending(f: _Field, length: int | None = None) -> np.ndarray:
    values = f.numbers(length)
    if np.any(np.diff(values) < 0):
        raise f.fail("ascending numbers")
    return values


def _adds_up(f: _Field, counts: np.ndarray, total: int, because: str, part: str = "") -> None:
    """Refuse counts of customers (``f``, or its ``part``) whose sum is not ``total``."""
    got = int(counts.sum())
    if got != total:
        raise ModelFileError(f"field '{f.where}'{part} counts {got:,} customers, not "
                             f"{total:,} ({because}); put back the counts the model was "
                             "saved with")  # fmt: skip


def _reference(f: _Field, score_levels: int | None, customers: int) -> Any:
    """One feature's drift reference; its bins count every training customer, and its KS
    distribution every one too or, ``sampled``, :data:`rfm.drift.REFERENCE_POINTS`."""
    from rfm.model import FeatureReference

    cuts = _ascending(f["decile_cuts"])
    if not 1 <= len(cuts) <= 9:
        raise f["decile_cuts"].fail("a list of 1 to 9 ascending numbers")
    decile_counts = f["decile_counts"].counts(len(cuts) + 1)
    _adds_up(f["decile_counts"], decile_counts, customers, "training.customers")
    sc = f.optional("score_counts")
    if score_levels is not None and sc is None:
        raise ModelFileError(f"field '{f.where}.score_counts' is missing")
    score_counts = None if sc is None else sc.counts(score_levels)
    if sc is not None:
        _adds_up(sc, score_counts, customers, "training.customers")
    values = _ascending(f["values"])
    counts = f["counts"].counts(len(values))
    sampled = f["sampled"].flag()
    if not sampled:
        _adds_up(f["counts"], counts, customers, "training.customers, as 'sampled' is false")
    elif customers <= REFERENCE_POINTS:
        raise f["sampled"].disagrees(
            f"'training.customers' is {customers:,}",
            f"only more than {REFERENCE_POINTS:,} training customers are sampled; put back "
            "the value the model was saved with",
        )
    else:
        _adds_up(f["counts"], counts, REFERENCE_POINTS, "the size of a sampled reference")
    return FeatureReference(cuts, decile_counts, Reference(values, counts, sampled),
                            score_counts)  # fmt: skip


def from_document(document: Any) -> Any:
    """The :class:`rfm.SegmentModel` of a parsed model document, every field checked."""
    from rfm.model import SCALED_FEATURES, Learned, SegmentModel

    doc = _Field(document, "")
    if not isinstance(document, Mapping):
        raise ModelFileError("not a model file: the JSON is not an object")
    if document.get("format") != FORMAT:
        raise ModelFileError(f"not a model file: field 'format' is not {FORMAT!r}")
    version = doc["format_version"].integer(1)
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"format version {version} is newer than this rfmseg reads ({FORMAT_VERSION}); "
            "upgrade rfmseg"
        )
    settings = _settings(doc["settings"])
    sc = doc["scores"]
    q = sc["q"].integer(2, 9)
    if q != settings.q:  # the scale refit scores on (rules without a q: 5, as a run takes)
        raise sc["q"].fail(f"{settings.q}, the score scale of {_rules_named(settings.rules)}")
    cuts = {d: _ascending(sc["cuts"][d], q - 1) for d in RFM_COLUMNS}
    scores = FrozenScores(q=q, ties=settings.ties, cuts=cuts)
    rows = []
    for b in sc["bins"].items():
        rows.append((b["dimension"].text(RFM_COLUMNS), b["score"].integer(1, q),
                     _number(b["low"]), _number(b["high"]), b["customers"].integer(0)))
    bins = pd.DataFrame(rows, columns=["dimension", "score", "low", "high", "customers"])
    bins["score"] = bins["score"].astype(np.int64)
    bins["customers"] = bins["customers"].astype(np.int64)
    bins.attrs["levels"] = bins.groupby("dimension", sort=False).size().to_dict()
    bins.attrs["q"] = q
    s = doc["scaler"]
    scaling = s["scaling"].text(SCALINGS)
    if scaling != settings.scaling:  # refit scales by the settings, assign by the scaler
        raise doc["settings"]["scaling"].disagrees(
            f"'scaler.scaling' is {_shown(scaling)}",
            "the scaler's numbers were fitted with its own scaling, so apply would scale one "
            "way and refit another; put back the scaling the model was saved with",
        )
    log1p = s["log1p"]
    if not isinstance(log1p.value, list) or len(log1p.value) != 3:
        raise log1p.fail("a list of 3 true/false")
    logged = bool(make_scaler(scaling).log1p)  # what the scaling takes, on every column
    if any(item.flag() != logged for item in log1p.items()):
        raise log1p.fail(f"{_shown([logged] * 3)} with scaling {_shown(scaling)}")
    scaler = FrozenScaler(
        scaling=scaling,
        log1p=np.full(3, logged),
        center=s["center"].numbers(3),
        multiplier=s["multiplier"].numbers(3),
        offset=s["offset"].numbers(3),
    )
    clusters = doc["clusters"].items()
    if len(clusters) < 2:
        raise doc["clusters"].fail("a list of at least 2 clusters")
    if settings.k != "auto" and settings.k != len(clusters):  # a fixed k: that many
        raise doc["settings"]["k"].disagrees(
            f"'clusters' holds {len(clusters)}",
            "a model fitted with a fixed k has k clusters, and refit would fit k where apply "
            "uses the clusters; put back the k the model was saved with",
        )
    ids = np.array([c["id"].integer(0) for c in clusters], dtype=np.int64)
    if len(set(ids.tolist())) != len(ids):
        raise doc["clusters"].fail("clusters with distinct ids")
    centres = np.array([c["centre"].numbers(3, what="centre coordinates") for c in clusters])
    # a " (new)" a refit of an older version kept on a name: that refit's mark only
    personas = tuple(without_new_mark(c["persona"].text()) for c in clusters)
    if len(set(personas)) != len(personas):
        raise doc["clusters"].fail("clusters with distinct persona names")
    actions = tuple(c["action"].text() for c in clusters)
    t = doc["training"]
    training = {
        "customers": t["customers"].integer(1),
        "rows_read": t["rows_read"].integer(0),
        "rows_kept": t["rows_kept"].integer(0),
        **{key: t[key].text_or_none() for key in ("first_order", "last_order", "snapshot")},
    }
    customers = training["customers"]
    totals = {int(bins.loc[bins["dimension"] == d, "customers"].sum()) for d in RFM_COLUMNS}
    if len(totals) == 1 and customers not in totals:  # the histograms agree: the total is off
        raise ModelFileError(f"field '{t['customers'].where}' is {customers:,}, but every "
                             f"score bin of the file counts {totals.pop():,} customers in "
                             "all; put back the number the model was saved with")  # fmt: skip
    for d in RFM_COLUMNS:  # each dimension's score bins hold every training customer
        _adds_up(sc["bins"], bins.loc[bins["dimension"] == d, "customers"].to_numpy(),
                 customers, "training.customers", part=f" of {d}")  # fmt: skip
    ref = doc["drift_reference"]
    reference = {d: _reference(ref[d], q, customers) for d in RFM_COLUMNS}
    reference |= {d: _reference(ref[d], None, customers) for d in SCALED_FEATURES}
    lineage = doc.optional("lineage")
    if lineage is not None and len(lineage["matched"].items()) != len(clusters):
        raise lineage["matched"].fail(f"a list of {len(clusters)} entries, one per cluster")
    learned = Learned(
        scores=scores, bins=bins, scaler=scaler, ids=ids, centres=centres,
        personas=personas, persona_actions=actions, reference=reference,
        training=training, created=doc["created"].text(),
        version=doc["rfmseg_version"].text(),
        lineage=None if lineage is None else _lineage(lineage),
    )  # fmt: skip
    model = SegmentModel(settings)
    model._learned = learned
    return model


def _number(f: _Field) -> float:
    v = f.value
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise f.fail("a finite number")
    return float(v)


def _lineage(f: _Field) -> dict[str, Any]:
    matched = []
    for m in f["matched"].items():
        if m.value is None:
            matched.append(None)
            continue
        pair = m.items()
        if len(pair) != 2:
            raise m.fail("[old id, distance] or null")
        matched.append([pair[0].integer(0), _number(pair[1])])
    out: dict[str, Any] = {
        "matched": matched,
        "appeared": [i.integer(0) for i in f["appeared"].items()],
        "vanished": [i.integer(0) for i in f["vanished"].items()],
    }
    refit_of = f.optional("refit_of")
    if refit_of is not None:
        out["refit_of"] = refit_of.text()
    before = f.optional("personas_before")  # (absent from files written before it was)
    if before is not None:
        rows = before.items()
        if len(rows) != len(matched):
            raise before.fail(f"a list of {len(matched)} entries, one per cluster")
        out["personas_before"] = [_names(r, kept=m is not None) for r, m in zip(rows, matched,
                                                                               strict=True)]
    return out


def _names(f: _Field, kept: bool) -> list[str] | None:
    """One entry of ``lineage.personas_before``: null for a new cluster, else the distinct
    non-empty names the kept cluster had before."""
    if not kept:
        if f.value is not None:
            raise f.fail("null, as its cluster is new (matched null)")
        return None
    names = [n.text() for n in f.items()]
    if not names or "" in names or len(set(names)) != len(names):
        raise f.fail("a list of distinct, non-empty persona names")
    return names
