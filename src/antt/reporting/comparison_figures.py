"""Figures of the designs that compare communes (notebook 05): the event study of the staggered
difference-in-differences, the synthetic control with its placebo gaps, and the controlled interrupted time series.

Same theme and export as ``antt.reporting.figures`` (which owns them); every word from the catalogue. With
``simulated`` the title carries the word for simulated in the figure's language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from antt.reporting.figures import PALETTE, _band, _legend_above, _new_figure, _nfc, _require, _themed, _wrap, words
from antt.reporting.language import message


def _title(title: str, simulated: bool, lang: str) -> str:
    title = _nfc(title)
    simulated_word = words(lang)["simulated"]
    if simulated and simulated_word.casefold() not in title.casefold():
        title = f"{title} ({simulated_word})"
    return title


@_themed
def event_study_figure(
    event_study: pd.DataFrame, title: str, caption: str, lang: str, *, ylabel: str, simulated: bool = False
) -> Figure:
    """Estimates (points) with their intervals (bars) by years since adoption; the reference year (-1) drawn at 0
    without a bar; a dotted line between the last year before adoption and the year of adoption."""
    es = _require(event_study, ["event_time", "estimate", "low", "high", "reference"], "event_study")
    fig, axes = _new_figure(_title(title, simulated, lang), caption)
    ax = axes[0, 0]
    pre = es["event_time"] < 0
    for mask, color in ((pre, PALETTE[0]), (~pre, PALETTE[1])):
        part = es[mask & ~es["reference"]]
        ax.errorbar(
            part["event_time"],
            part["estimate"],
            yerr=[part["estimate"] - part["low"], part["high"] - part["estimate"]],
            fmt="o",
            color=color,
            capsize=3,
            lw=1.4,
            zorder=3,
        )
    reference = es[es["reference"]]
    ax.scatter(reference["event_time"], np.zeros(len(reference)), marker="D", color="0.3", zorder=4)
    ax.axhline(0, color="0.3", lw=1)
    ax.axvline(-0.5, color="0.35", ls=":", lw=1.4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(message("fig_cmp_years_since", lang))
    ax.set_ylabel(_nfc(ylabel))
    return fig


@_themed
def synthetic_control_figure(
    path: pd.DataFrame,
    placebos: pd.DataFrame,
    adoption_year: int,
    title: str,
    caption: str,
    lang: str,
    *,
    ylabel: str,
    unit: str,
    simulated: bool = False,
) -> Figure:
    """Left: the commune's outcome and its synthetic control by year. Right: the in-space placebo test, each
    commune's post/pre RMSPE ratio (the commune's own highlighted); its rank among them is the placebo p-value."""
    p = _require(path, ["year", "treated", "synthetic"], "path")
    ranks = _require(placebos, ["unit", "rmspe_ratio", "treated"], "placebos")
    ranks = ranks[np.isfinite(ranks["rmspe_ratio"])].sort_values("rmspe_ratio")
    fig, axes = _new_figure(_title(title, simulated, lang), caption, ncols=2, width_ratios=[3, 2])
    left, right = axes[0, 0], axes[0, 1]
    label = _nfc(unit).split(" (")[0]  # the commune's own name: its district and province are in the tables
    (own,) = left.plot(p["year"], p["treated"], color=PALETTE[0], lw=2.2, marker="o", ms=4)
    (synthetic,) = left.plot(p["year"], p["synthetic"], color=PALETTE[1], lw=2.2, ls="--")
    left.axvline(adoption_year - 0.5, color="0.35", ls=":", lw=1.4)
    left.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    left.set_xlabel(words(lang)["year"])
    left.set_ylabel(_nfc(ylabel))
    _legend_above(left, [own, synthetic], [label, message("fig_cmp_synthetic", lang)], ncols=2)
    positions = np.arange(len(ranks))
    treated = ranks["treated"].to_numpy()
    right.scatter(ranks["rmspe_ratio"][~treated], positions[~treated], color="0.65", s=18, zorder=3)
    right.scatter(ranks["rmspe_ratio"][treated], positions[treated], color=PALETTE[0], s=36, zorder=4)
    for x, y in zip(ranks["rmspe_ratio"][treated], positions[treated]):
        right.annotate(label, (x, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)
    right.set_yticks([])
    right.set_xlabel(message("cmp_col_ratio", lang))
    right.set_title(_wrap(message("fig_cmp_placebos", lang), 34), fontsize=9)
    return fig


@_themed
def controlled_its_figure(
    series: pd.DataFrame,
    adoption_year: int,
    title: str,
    caption: str,
    lang: str,
    *,
    ylabel: str,
    n_treated: int = 1,
    n_comparison: int = 1,
    simulated: bool = False,
) -> Figure:
    """The adopting communes' observed outcome with the counterfactual (the model's fit with the level and slope
    changes set to zero, and its interval) from the year before adoption on, and the comparison communes' outcome.
    Counts are shown per commune (the model's summed series divided by ``n_treated`` or ``n_comparison``), so that
    groups of different sizes share one axis; rates are shown as they are (leave both at 1)."""
    s = _require(
        series,
        ["year", "observed", "comparison_observed", "counterfactual", "counterfactual_low", "counterfactual_high"],
        "series",
    ).copy()
    for column in ("observed", "counterfactual", "counterfactual_low", "counterfactual_high"):
        s[column] = s[column] / n_treated
    s["comparison_observed"] = s["comparison_observed"] / n_comparison
    fig, axes = _new_figure(_title(title, simulated, lang), caption)
    ax = axes[0, 0]
    observed = ax.scatter(s["year"], s["observed"], s=22, color="0.15", zorder=4)
    (comparison,) = ax.plot(s["year"], s["comparison_observed"], color=PALETTE[2], lw=1.6, marker="s", ms=3)
    post = s[s["year"] >= adoption_year - 1]
    band = post.rename(
        columns={
            "year": "time",
            "counterfactual": "mean",
            "counterfactual_low": "lower",
            "counterfactual_high": "upper",
        }
    )
    counterfactual = _band(ax, band, PALETTE[1], "--", hatch="///", gid="counterfactual")
    ax.axvline(adoption_year - 0.5, color="0.35", ls=":", lw=1.4)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(words(lang)["year"])
    ax.set_ylabel(_nfc(ylabel))
    _legend_above(
        ax,
        [observed, comparison, counterfactual],
        [
            message("fig_cmp_treated", lang),
            message("fig_cmp_comparison", lang),
            message("fig_cmp_counterfactual", lang),
        ],
    )
    return fig
