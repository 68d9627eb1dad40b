"""What the ``rfmseg`` command prints when a run is done: the same figures as the report.

Every number printed here is a column of the run's result that the HTML report shows too,
under the same name (:mod:`rfm.labels`): segments by their median customer's spend,
highest first, and personas best first, each described by its **median** customer (days
since the last order, orders, spend), then the warnings and notes the report opens with.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from rfm.drift import psi_reading
from rfm.labels import (
    CLEANING_STEPS,
    SILHOUETTE_STRUCTURE,
    banded,
    counted,
    drift_features,
    has_invoices,
    headers,
    left_out_sentence,
    orders,
    p_value,
    pct,
    run_money,
    silhouette_reading,
    statistic,
    when,
    whole,
)
from rfm.model_refit import reworded_clusters

__all__ = ["persona_table", "print_summary", "segment_table", "summary_table"]

#: the title of the segment table: the order of rfm.summary.segment_summary, in words
SEGMENTS_TITLE = ("\nSegments, highest median spend first (each customer by its own scores; "
                  "medians):")
#: the medians of a segment or a persona, in the order they are printed
MEDIANS = ("recency_median", "frequency_median", "monetary_median")


def _describe(table: pd.DataFrame, first: list[str], spend: Callable[[object], str],
              invoices: bool = True) -> pd.DataFrame:
    """Sizes, shares and medians of ``table`` (a segment summary or a profile), written
    as the report writes them (:mod:`rfm.labels`; ``spend`` the run's money format,
    :func:`rfm.labels.run_money`), under the report's headers (the median frequency in
    purchase days when the data have no invoice column)."""
    out = pd.DataFrame(index=table.index)
    for name in first:
        out[name] = table[name]
    out["customers"] = table["customers"].map(whole)
    out["share"] = table["share"].map(pct)
    out["revenue_share"] = table["revenue_share"].map(pct)
    out["recency_median"] = table["recency_median"].map(whole)
    out["frequency_median"] = table["frequency_median"].map(orders)
    out["monetary_median"] = table["monetary_median"].map(spend)
    return out.rename(columns=headers(invoices))


def segment_table(result: Any) -> pd.DataFrame:
    """Segments by their median customer's spend, highest first, as the report's segment
    table: customers, shares and the median customer (from the run's ``segment_summary``)."""
    return _describe(result.segment_summary, [], run_money(result), has_invoices(result))


def persona_table(result: Any) -> pd.DataFrame:
    """Personas best first, as the report's persona cards: customers, shares, the median
    customer and the silhouette (from the run's ``profile``)."""
    prof = result.profile
    out = _describe(prof, ["persona"], run_money(result), has_invoices(result))
    if "silhouette" in prof:
        # as the report's details write it: the decimals to fall in its reading's band
        out[headers()["silhouette"]] = prof["silhouette"].map(
            lambda v: banded(v, silhouette_reading, 2))
    return out


#: the persona table under its earlier name
summary_table = persona_table


def print_summary(result: Any, out_dir: str | Path, written: list[str]) -> None:
    """The command's summary on stdout: the run in one line, both tables, the warnings
    and notes, the cleaning, and the files written."""
    s = result.settings
    how_k = "chosen by elbow and silhouette" if s.get("k_requested") == "auto" else "as set"
    sil = result.silhouette_mean
    # the decimals to fall in its reading's band, the reading in Kaufman & Rousseeuw's words
    structure = SILHOUETTE_STRUCTURE.get(silhouette_reading(sil))
    print(
        f"{len(result.rfm):,} customers · k = {result.clusters.k} clusters ({how_k}; scaling "
        f"{s.get('scaling')}) · mean silhouette {banded(sil, silhouette_reading, 3)}"
        + (f" ({structure})" if structure else "")
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(SEGMENTS_TITLE)
        print(segment_table(result).to_string())
        print("\nPersonas (clusters of similar customers), best first (medians):")
        print(persona_table(result).to_string())
    if result.value is not None:
        from rfm.app.value import value_sentences
        from rfm.report.html import holdout_sentence

        v = result.value
        print("\nValue ahead:")
        for sentence in value_sentences(v, run_money(result)):  # the report's
            print(f"  {sentence}")
        if v.holdout is not None:  # the report's verdict on the holdout check
            print(f"  {holdout_sentence(v)}")
        print(f"  (models: {v.model_name} for purchases, Gamma-Gamma for spend per purchase"
              + ("" if v.spend_defined else ", which gives no spend ahead on these data")
              + ")")
    if result.migration is not None:
        from rfm.report.html import migration_words

        print(f"\nSince {result.settings.get('compare_to')} (migration.csv):")
        print(f"  {migration_words(result)}")
    print()
    _warnings_and_notes(result)
    _cleaning_line(result)
    if s.get("duplicate_rows"):
        print(
            f"note: {s['duplicate_rows']:,} rows are exact duplicates of an earlier row; kept "
            "(--drop-duplicates drops them)"
        )
    elif s.get("duplicate_rows", 0) is None:  # --dask: finding them needs a full shuffle
        print("note: exact duplicate rows were not looked for (--drop-duplicates finds and "
              "drops them)")  # fmt: skip
    print(f"columns read: {result.columns.roles_text}")
    if s.get("date_format"):
        print(f"date format: {s['date_format']}")
    print(f"files written to {Path(out_dir).resolve()}: " + ", ".join(written))


def drift_table(run: Any) -> pd.DataFrame:
    """The drift summary as printed: PSI, KS and the reading per feature, the rows under
    the report's drift-table labels (:data:`rfm.labels.DRIFT_FEATURES`)."""
    d = run.drift
    table = pd.DataFrame({
        "PSI": d["psi"].map(lambda v: banded(v, psi_reading)),  # as the report writes it
        "KS statistic": d["ks_statistic"].map(statistic),  # as the report writes them
        "KS p-value": d["ks_pvalue"].map(p_value),
        "reading": d["verdict"],
    }, index=d.index)  # fmt: skip
    labels = drift_features(has_invoices(run))
    table.index = pd.Index([labels.get(i, i) for i in d.index], name="Feature")
    return table


def print_apply_summary(run: Any, out_dir: str | Path, written: list[str]) -> None:
    """What ``rfmseg apply`` prints: the run in one line, the segments and personas as the
    report shows them, the drift summary (with "refit recommended" when any PSI is above
    0.25), the changes since ``--previous`` (whose R + F + M score fell and, when the data
    continue the previous run's, which of them have not ordered since: the win-back list
    and the others), the cleaning and the files written."""
    from rfm.report.apply_html import changes_words, refit_sentence

    model = run.model
    t = model.training
    print(f"{counted(len(run.rfm))} · saved model with k = {model.k} clusters, trained on "
          f"{t['customers']:,} customers (created {when(model.created)})")  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(SEGMENTS_TITLE)
        print(segment_table(run).to_string())
        print("\nPersonas (the model's clusters), best first (medians):")
        print(persona_table(run).to_string())
        print("\nDrift since training (PSI: below 0.1 stable, 0.1-0.25 moderate, above "
              "0.25 refit):")  # fmt: skip
        print(drift_table(run).to_string())
    print(f"\n{refit_sentence(run)}")
    _warnings_and_notes(run)
    if run.changes is not None:
        print(f"\nSince the previous run (migration.csv):\n  {changes_words(run)}")
    _cleaning_line(run)
    print(f"files written to {Path(out_dir).resolve()}: " + ", ".join(written))


def _warnings_and_notes(run: Any) -> None:
    from rfm.app.cli import _for_cli  # a setting named as the command's flag

    for line in run.warnings:
        print(f"warning: {_for_cli(line)}")
    for line in run.notes:
        print(f"note: {line}.")


def _cleaning_line(run: Any) -> None:
    """Rows read, removed (by step, in the report's words, steps that removed nothing
    left out) and kept; and the customers whose every line was removed."""
    s = run.settings
    removed = "; ".join(
        f"{CLEANING_STEPS.get(row.rule, row.rule).lower()} {row.rows_removed:,}"
        for row in run.cleaning.itertuples(index=False) if row.rows_removed
    )
    print(f"rows read {s['rows_in']:,}; removed by cleaning: {removed or 'none'}; kept "
          f"{s['rows_clean']:,}")  # fmt: skip
    if s.get("customers_left_out"):
        print(f"note: {left_out_sentence(s['customers_left_out'])}")


def print_refit_lines(refit: dict[str, Any], path: str | Path) -> None:
    """After ``rfmseg refit``'s summary: which clusters kept their id, appeared, vanished
    or were renamed, how many customers changed cluster (``refit``: the run's
    ``settings["refit"]``, the new model's lineage and more), and where the new model is."""
    kept = [m[0] for m in refit["matched"] if m is not None]
    print(f"cluster ids kept: {', '.join(map(str, sorted(kept))) or 'none'}")
    if refit["appeared"]:
        print(f"new clusters (new ids): {', '.join(map(str, refit['appeared']))}")
    if refit["vanished"]:
        print(f"clusters that vanished: {', '.join(map(str, refit['vanished']))}")
    names = dict(zip(refit["ids"], refit["personas"], strict=True))
    for cid, old in sorted(refit["renamed"].items()):
        print(f"cluster {cid} renamed: “{old}” → “{names[cid]}” (its customers no longer "
              "fit the old name)")  # fmt: skip
    for cid, old in sorted(reworded_clusters(refit).items()):
        print(f"cluster {cid} keeps its name, which now reads “{names[cid]}” (was “{old}”): "
              "the part in brackets tells namesakes apart, from this data")  # fmt: skip
    from rfm.report.html import new_mark_sentence

    marks = new_mark_sentence(refit)  # the report's
    if marks:
        print(marks)
    print(f"{pct(refit['customers_moved'])} of the customers are in another cluster than "
          "the old model puts them in")  # fmt: skip
    print(f"model written to {Path(path).resolve()}; "
          + ("it learned from orders older than the old model's (see the warning above): "
             "check the file before applying it" if refit.get("older_data")
             else "apply it from now on"))  # fmt: skip
