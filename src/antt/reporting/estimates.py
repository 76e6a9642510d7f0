"""Rate ratios as people read them: the one path from a fitted term to the words of tables, findings and figures.

Each number of an interrupted-time-series estimate is rounded once, here: rate ratios and their bounds to
``RATIO_DIGITS`` significant digits (``format_ratio``), p-values by ``format_p``. Tables, the findings and
the figures all call ``describe``/``sentence``, so the same estimate never reads "0.55" in one place and
"0.54" in another. Every word comes from the catalogue (``data/codebook/labels.csv``) in Vietnamese and
English.

Also here: ``rate_ratio_table`` (every model's rate ratios for the page), ``refusal_text`` (why an interrupted
time series was not fitted, from the sufficiency verdict) and ``its_plot`` (the fitted series as a figure with
its caption), shared by the intervention analysis (notebook 03) and the method validation (notebook 04).

A row is one row of ``ITSResult.rate_ratios`` (see ``antt.models.its``): its ``status`` says whether there
is an estimate ("estimated"), only a limit and a one-sided bound ("boundary"), no estimate at all ("not
identified"), or a sensitivity model that failed ("did not converge"); ``interval_method`` names how the
interval was obtained.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from antt.reporting.language import (
    format_decimal,
    format_level,
    format_p,
    format_p_clause,
    format_significant,
    message,
    translator,
)

RATIO_DIGITS = 3  # significant digits of a rate ratio and its bounds, wherever they are shown

MODEL_KEYS = {
    "quasi-poisson": "model_quasi_poisson",
    "poisson": "model_poisson",
    "negative-binomial (sensitivity)": "model_negative_binomial",
    "poisson-HAC (sensitivity)": "model_hac",
}


def format_ratio(value: float | None, lang: str) -> str:
    """A rate ratio (or a bound) with ``RATIO_DIGITS`` significant digits: 0.5446 → '0.545' ('0,545' in
    Vietnamese), 12.34 → '12.3', 1 → '1.00'; 0 → '0'; infinity → '∞'; missing → '–'."""
    return format_significant(value, lang, RATIO_DIGITS)


def _get(row: Any, name: str, default: Any = None) -> Any:
    value = row.get(name, default) if isinstance(row, Mapping) else getattr(row, name, default)
    return default if value is None else value


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def interval_text(row: Any, lang: str) -> str:
    """'0.412 – 0.801'; a one-sided bound at the boundary as '< 0.550' (or '> 3.10'); no estimate: '0 – ∞';
    a model that did not converge, or a sensitivity model without an interval: '–'."""
    status, lower, upper = _get(row, "status", "estimated"), _get(row, "lower"), _get(row, "upper")
    if status == "did not converge" or _missing(lower) or _missing(upper):
        return "–"
    if status == "boundary" and lower == 0 and upper != math.inf:
        return f"< {format_ratio(upper, lang)}"
    if status == "boundary" and upper == math.inf and lower != 0:
        return f"> {format_ratio(lower, lang)}"
    return f"{format_ratio(lower, lang)} – {format_ratio(upper, lang)}"


def method_key(interval_method: str) -> str:
    """The catalogue key of an ``interval_method`` written by ``antt.models.its``."""
    text = interval_method or ""
    if text.startswith("Wald"):
        return "method_wald"
    if text.startswith("one-sided profile likelihood"):
        return "method_profile_one_sided"
    if text.startswith("profile likelihood"):
        return "method_profile"
    return "method_none"


def model_label(model: str, lang: str) -> str:
    t = translator(lang)
    return t(MODEL_KEYS.get(model, model))


def method_text(row: Any, lang: str) -> str:
    """How the interval was obtained, with the reference distribution: 'Wald, t (7 df)'."""
    t = translator(lang)
    key = method_key(_get(row, "interval_method", ""))
    text = t(key)
    if key == "method_wald":
        reference = _get(row, "reference_distribution", "z")
        df = _get(row, "df", math.inf)
        text += f", t ({format_df(df, lang)} {t('df_short')})" if reference == "t" and math.isfinite(df) else ", z"
    if "no bound found" in (_get(row, "interval_method", "") or ""):
        text += "; " + t("method_bound_not_found")
    return text


def format_df(df: float, lang: str) -> str:
    """Degrees of freedom: '7', or '6,5' when not whole."""
    return format_decimal(df, lang, 0 if float(df).is_integer() else 1)


def caveat_text(row: Any, lang: str) -> str:
    """What qualifies this row, next to its numbers: a boundary estimate, a term the data cannot identify, a
    failed sensitivity model, or HAC errors (a sensitivity analysis only)."""
    t = translator(lang)
    status, model = _get(row, "status", "estimated"), _get(row, "model", "")
    notes = []
    if status == "boundary":
        notes.append(t("caveat_boundary"))
    elif status == "not identified":
        notes.append(t("caveat_not_identified"))
    elif status == "did not converge":
        notes.append(t("caveat_not_converged"))
    if model == "poisson-HAC (sensitivity)" and status != "did not converge":
        notes.append(t("caveat_hac"))
    elif model == "negative-binomial (sensitivity)" and status != "did not converge":
        notes.append(t("caveat_sensitivity"))
    return " ".join(notes)


@dataclass(frozen=True)
class EstimateText:
    """One estimate in words, every part already formatted for ``lang``."""

    model: str
    intervention: str
    term: str
    estimate: str
    interval: str
    p_value: str
    lr_p_value: str
    method: str
    caveat: str


def estimate_text(row: Any, lang: str) -> str:
    """The rate ratio, or why there is none ('not identified', 'did not converge'); at the boundary its limit."""
    t = translator(lang)
    status = _get(row, "status", "estimated")
    if status in ("not identified", "did not converge"):
        return t("status_not_identified" if status == "not identified" else "status_not_converged")
    if status == "boundary":  # no estimate: the limit the rate ratio runs to
        return "0" if _get(row, "limit", "0") == "0" else "∞"
    return format_ratio(_get(row, "rate_ratio"), lang)


def describe(row: Any, lang: str) -> EstimateText:
    """Every part of one ``rate_ratios`` row as text."""
    t = translator(lang)
    p, lr_p = _get(row, "p_value"), _get(row, "lr_p_value")
    return EstimateText(
        model=model_label(_get(row, "model", ""), lang)
        + (f" ({message('headline_model', lang)})" if _get(row, "headline", False) else ""),
        intervention=t(str(_get(row, "intervention", ""))),  # a name from data; a key only for simulated ones
        term=t(_get(row, "kind", "level")),
        estimate=estimate_text(row, lang),
        interval=interval_text(row, lang),
        p_value="–" if _missing(p) else format_p(float(p), lang),
        lr_p_value="–" if _missing(lr_p) else format_p(float(lr_p), lang),
        method=method_text(row, lang),
        caveat=caveat_text(row, lang),
    )


def headline_p(row: Any, lang: str) -> str:
    """The p-value the headline reports for a row: Wald where the estimate is finite, the likelihood-ratio
    (deviance) test at the boundary, where Wald is meaningless; with its name."""
    t = translator(lang)
    p, lr_p = _get(row, "p_value"), _get(row, "lr_p_value")
    if not _missing(p):
        return format_p_clause(float(p), lang)
    if not _missing(lr_p):
        return t("lr_p_short").format(p=format_p_clause(float(lr_p), lang))
    return ""


def sentence(row: Any, lang: str, alpha: float) -> str:
    """One finding: 'Level change at «X»: rate ratio 0.545 (95% CI 0.31 – 0.96; Wald, t (7 df); p = 0.034).'"""
    t = translator(lang)
    text = describe(row, lang)
    head = f"{t(_get(row, 'kind', 'level') + '_at').format(name=text.intervention)}: "
    status = _get(row, "status", "estimated")
    if status in ("not identified", "did not converge"):
        return head + f"{text.estimate}. {text.caveat}"
    level = format_level(alpha, lang)
    p = headline_p(row, lang)
    limit = f" ({t('boundary_limit')})" if status == "boundary" else ""
    return (
        head
        + f"{t('rate_ratio').lower()} {text.estimate}{limit} ({t('ci_level').format(level=level)} {text.interval}; "
        f"{text.method}{'; ' + p if p else ''})."
    )


def short(row: Any, lang: str) -> str:
    """A compact form for figure captions: '«A», level change: 0.545 (0.310 – 0.958)'; no estimate: the reason."""
    text = describe(row, lang)
    status = _get(row, "status", "estimated")
    numbers = (
        text.estimate if status in ("not identified", "did not converge") else f"{text.estimate} ({text.interval})"
    )
    return f"«{text.intervention}», {text.term}: {numbers}"


def rate_ratio_table(rate_ratios: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every model's rate ratios, the headline model first: estimate (or why there is none), interval, how it
    was obtained, Wald and likelihood-ratio p-values, and what qualifies the row."""
    t = translator(lang)
    rr = rate_ratios.sort_values("headline", ascending=False, kind="stable")
    described = [describe(row, lang) for row in rr.to_dict(orient="records")]
    return pd.DataFrame(
        {
            t("model"): [d.model for d in described],
            t("intervention_name"): [d.intervention for d in described],
            t("term"): [d.term for d in described],
            t("rate_ratio"): [d.estimate for d in described],
            t("interval"): [d.interval for d in described],
            t("method"): [d.method for d in described],
            t("p_value_wald"): [d.p_value for d in described],
            t("lr_p_value"): [d.lr_p_value for d in described],
            t("caveat"): [d.caveat for d in described],
        }
    )


def _range(periods: tuple[str, ...]) -> dict[str, str]:
    """The ``years`` field of a text: '2015–2017', or '2019' for one year."""
    first, last = periods[0], periods[-1]
    return {"years": first if first == last else f"{first}–{last}"}


def refusal_text(
    verdict: Any, unknown_starts: list[str], outcome_label: str, lang: str, simulated: bool = False
) -> str:
    """Why nothing was fitted and what to collect: interventions without a start year, else the sufficiency
    verdict (``antt.models.sufficiency.SufficiencyVerdict``) in words. ``simulated``: the series is made up,
    so the text says what is missing but asks nobody to collect it."""
    if unknown_starts:
        return message("its_unknown_start", lang, names=", ".join(f"«{n}»" for n in unknown_starts))
    details = []
    for s in verdict.interventions:
        need = ([message("its_missing_before", lang, **_range(s.missing_before))] if s.missing_before else []) + (
            [message("its_missing_after", lang, **_range(s.missing_after))] if s.missing_after else []
        )
        side = {"name": translator(lang)(s.name), "start": s.start, "before": s.points_before, "after": s.points_after}
        details.append(
            message("its_refused_side_missing", lang, **side, missing=", ".join(need))
            if need
            else message("its_refused_side", lang, **side)
        )
    if verdict.missing and not simulated:
        details.append(message("its_collect", lang, outcome=outcome_label, **_range(verdict.missing)))
    present = ", ".join(str(y) for y in verdict.years_present) or message("none_word", lang)
    return message(
        "its_refused",
        lang,
        min_points=verdict.min_points,
        present=present,
        details=" ".join(details),
    )


def its_plot(
    result: Any,
    predictions: pd.DataFrame,
    interventions: dict[str, int],
    title: str,
    source: str,
    lang: str,
    *,
    ylabel: str | None = None,
    simulated: bool = False,
):
    """Observed counts, fitted line and counterfactual with their intervals (``antt.models.its.counterfactual``
    of a fitted ``result``), with a caption naming the source, the model and the level changes; ``ylabel``
    and ``simulated`` as in ``antt.reporting.figures.its_figure``."""
    from antt.reporting import figures

    pred = predictions
    calendar = pred["year"] + (pred["month"] - 1) / 12 if "month" in pred else pred["year"]

    def band(column: str) -> pd.DataFrame:
        return pd.DataFrame(
            {"time": calendar, "mean": pred[column], "lower": pred[f"{column}_lower"], "upper": pred[f"{column}_upper"]}
        )

    level = format_level(result.alpha, lang)
    method = message(
        "its_plot_method", lang, family=result.family, reference=result.reference_distribution, level=level
    )
    levels = [short(row, lang) for row in result.headline.to_dict(orient="records") if row["kind"] == "level"]
    method = method[:1].upper() + method[1:]  # a sentence of its own
    caption = f"{source}. {method}. {message('rate_ratio', lang)} ({level}): " + "; ".join(levels) + "."
    return figures.its_figure(
        pd.DataFrame({"time": calendar, "count": pred["count"]}),
        band("fitted"),
        band("counterfactual"),
        {translator(lang)(n): float(y) for n, y in interventions.items()},
        title,
        caption,
        lang,
        ylabel=ylabel,
        simulated=simulated,
    )
