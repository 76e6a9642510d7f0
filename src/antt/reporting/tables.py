"""Tables for people: processed data with Vietnamese or English labels from the codebook.

Only presentation: rows are never filtered or changed here, columns are selected, labelled and
formatted (Vietnamese number style for 'vi': 1.630, 1,5).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from antt.data.codebook import check_lang, labels
from antt.reporting.language import load_labels, note_text


def translator(lang: str, codebook_dir: str | Path | None = None):
    """A function key → label in ``lang``; unknown keys are returned unchanged."""
    column = load_labels(codebook_dir)[check_lang(lang)]
    return lambda key: column.get(key, key)


def format_number(value: float | None, lang: str) -> str:
    """1630 → '1.630' (vi) or '1,630' (en); 1.5 → '1,5' / '1.5'; None → '–'."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def _period(row) -> str:
    start = "" if pd.isna(row.period_start) else str(row.period_start)
    end = "" if pd.isna(row.period_end) else str(row.period_end)
    if start and end:
        return start if start == end else f"{start}–{end}"
    if start:
        return f"{start}–?"
    return f"?–{end}" if end else "?"


def indicator_table(indicators: pd.DataFrame, codebook: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per figure: label, place, period, as written, value with bounds, qualifier."""
    t = translator(lang)
    names = labels(codebook, lang)
    rows = []
    for row in indicators.itertuples():
        value = format_number(row.value, lang)
        if row.kind == "fraction":
            value = f"{value}/{format_number(row.denominator, lang)}"
        bounds = (
            "" if row.lower == row.upper else f"[{format_number(row.lower, lang)}; {format_number(row.upper, lang)}]"
        )
        rows.append(
            {
                t("figure_id"): row.figure_id,
                t("indicator"): names[row.indicator],
                t("place"): row.geo_name,
                t("period"): _period(row),
                t("period_basis"): t(row.period_basis),
                t("raw_text"): row.raw_text,
                t("value"): value,
                t("bounds"): bounds,
                t("qualifier"): t(row.qualifier),
                t("unit"): row.unit,
            }
        )
    return pd.DataFrame(rows)


def quality_table(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The quality rows with labels and the message in ``lang``."""
    t = translator(lang)
    message = quality["message_vi"] if lang == "vi" else quality["message"]
    return pd.DataFrame(
        {
            t("check"): quality["check"].map(t),
            t("status"): quality["status"].map(t),
            t("figure_ids"): quality["figure_ids"],
            t("message"): message,
        }
    )


def quality_summary(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Number of rows per check and status."""
    t = translator(lang)
    counts = quality.groupby(["check", "status"], sort=True).size().reset_index(name="count")
    counts["check"] = counts["check"].map(t)
    counts["status"] = counts["status"].map(t)
    return counts.rename(columns={c: t(c) for c in counts.columns})


def show(table: pd.DataFrame, index: bool = False):
    """Display a table as plain, escaped HTML without the row index (deterministic: no random ids,
    unlike ``DataFrame.style``); full cell text, no truncation."""
    from IPython.display import HTML

    with pd.option_context("display.max_colwidth", None):
        return HTML(table.to_html(index=index, escape=True, border=0, na_rep="–"))


def show_findings(findings: dict, lang: str):
    """The headline findings of a notebook as an escaped HTML list."""
    import html

    from IPython.display import HTML

    items = "".join(f"<li>{html.escape(str(item))}</li>" for item in findings.get("headline", {}).get(lang, []))
    return HTML(f'<ul class="findings">{items}</ul>')


def format_decimal(value: float, lang: str, decimals: int = 1) -> str:
    """Fixed decimals in the language's style: 11.4767 → '11,5' (vi) or '11.5' (en)."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang == "vi" else text


def format_percent(share: float, lang: str, decimals: int = 1) -> str:
    """0.981 → '98,1%' (vi) or '98.1%' (en)."""
    return format_decimal(100 * share, lang, decimals) + "%"


def format_p(p: float, lang: str) -> str:
    """p-values with three decimals; below 0.001 as '< 0,001'."""
    text = "< 0.001" if p < 0.001 else f"{p:.3f}"
    return text.replace(".", ",") if lang == "vi" else text


def proportion_table(props: pd.DataFrame, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Proportions with their interval, method and level in words."""
    t = translator(lang)
    rows = []
    for r in props.itertuples():
        level = format_percent(1 - r.alpha, lang, 0)
        rows.append(
            {
                t("indicator"): labels[r.indicator],
                t("raw_text"): f"{format_number(r.successes, lang)}/{format_number(r.total, lang)}",
                t("proportion"): format_percent(r.proportion, lang),
                t("interval"): f"{format_percent(r.lower, lang)} – {format_percent(r.upper, lang)} ({level})",
                t("method"): t(r.method),
                t("derived"): t("yes") if r.derived else t("no"),
            }
        )
    return pd.DataFrame(rows)


def homogeneity_table(result, lang: str) -> pd.DataFrame:
    """The chi-square test and the exact test side by side."""
    t = translator(lang)
    doubtful = (
        ("xấp xỉ đáng ngờ: " if lang == "vi" else "approximation doubtful: ") if result.approximation_doubtful else ""
    )
    expected = ("giá trị kỳ vọng nhỏ nhất " if lang == "vi" else "smallest expected count ") + format_number(
        round(result.expected_min, 2), lang
    )
    return pd.DataFrame(
        [
            {
                t("test"): t("chi2"),
                t("statistic"): format_number(round(result.chi2, 3), lang),
                t("df"): result.dof,
                t("p_value"): format_p(result.p_value, lang),
                t("bounds_note"): doubtful + expected,
            },
            {
                t("test"): t("exact_test"),
                t("statistic"): "–",
                t("df"): "–",
                t("p_value"): format_p(result.exact.p_value, lang),
                t("bounds_note"): f"{result.exact.method}, {result.exact.n_tables}",
            },
        ]
    )


def pairwise_table(result, lang: str) -> pd.DataFrame:
    t = translator(lang)
    pw = result.pairwise
    return pd.DataFrame(
        {
            t("group_a"): pw["group_a"],
            t("group_b"): pw["group_b"],
            t("p_value"): [format_p(p, lang) for p in pw["p_value"]],
            t("p_holm"): [format_p(p, lang) for p in pw["p_holm"]],
            t("different"): [t("yes") if r else t("no") for r in pw["reject"]],
        }
    )


def ratio_table(ratios: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    fmt = lambda x: format_number(None if x is None or pd.isna(x) else round(x, 2), lang)  # noqa: E731
    return pd.DataFrame(
        {
            t("ratio"): ratios["label"],
            t("value"): [fmt(v) for v in ratios["value"]],
            t("bounds"): [f"[{fmt(lo)}; {fmt(up)}]" for lo, up in zip(ratios["lower"], ratios["upper"])],
            t("unit"): ratios["unit"],
        }
    )


def show_figures(exported: dict[str, dict]) -> None:
    """Display exported figures (their PNG files) inline, in order."""
    from IPython.display import Image, display

    for files in exported.values():
        display(Image(filename=str(files["png"]), width=800))


def zero_bound_table(bounds: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    level = format_percent(1 - float(bounds["alpha"].iloc[0]), lang, 0)
    return pd.DataFrame(
        {
            t("followup"): [format_number(x, lang) for x in bounds["followup_years"]],
            f"{t('upper_bound')} ({level}, {'một phía' if lang == 'vi' else 'one-sided'})": [
                format_number(round(x, 2), lang) for x in bounds["upper_rate_per_year"]
            ],
        }
    )


def show_zero_bounds(bounds: pd.DataFrame, lang: str):
    """The bounds table, or a sentence saying that the article states no zero for this outcome."""
    if bounds.empty:
        return show_text(
            "Bài báo không có câu «không phát sinh» nào cho chỉ tiêu này ở xã."
            if lang == "vi"
            else "The article states no zero for this outcome in the commune."
        )
    return show(zero_bound_table(bounds, lang))


def rate_ratio_table(rate_ratios: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every model's rate ratios, the headline model first: estimate (or why there is none), interval, how it
    was obtained, Wald and likelihood-ratio p-values, and what qualifies the row (``antt.reporting.estimates``)."""
    from antt.reporting.estimates import describe  # estimates formats through this module's helpers

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


def power_plan_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Simulated power by period × baseline rate (rows) and drop (columns), each cell 'power ± MC SE'."""
    t = translator(lang)
    rows = []
    for (first, last, slopes, rate), group in table.groupby(
        ["first_year", "last_year", "slope_change", "baseline_rate"], sort=False
    ):
        row = {
            t("power_period"): f"{first}–{last} ({t('slopes_fitted') if slopes else t('level_only')})",
            t("baseline_rate"): format_number(rate, lang),
        }
        for cell in group.itertuples():
            row[format_percent(cell.relative_drop, lang, 0)] = (
                f"{format_decimal(cell.power, lang, 3)} ± {format_decimal(cell.mc_se, lang, 3)}"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def minimum_drop_text(row, lang: str) -> str:
    """'75%' or 'not reached even by a 100% drop (power 0.098 ± 0.006)' for one ``minimum_detectable_drop_table`` row."""
    t = translator(lang)
    if pd.isna(row.relative_drop):
        return t("not_reachable").format(
            power=format_decimal(row.power, lang, 3), mc_se=format_decimal(row.mc_se, lang, 3)
        )
    return f"{format_percent(row.relative_drop, lang, 0)} ({format_decimal(row.power, lang, 3)} ± {format_decimal(row.mc_se, lang, 3)})"


def minimum_drop_table(minimum: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The smallest drop detected with the target power, by period and baseline rate (simulated)."""
    t = translator(lang)
    target = format_percent(float(minimum["target_power"].iloc[0]), lang, 0)
    return pd.DataFrame(
        {
            t("power_period"): [
                f"{a}–{b} ({t('slopes_fitted') if s else t('level_only')})"
                for a, b, s in zip(minimum["first_year"], minimum["last_year"], minimum["slope_change"])
            ],
            t("baseline_rate"): [format_number(x, lang) for x in minimum["baseline_rate"]],
            t("minimum_drop").format(power=target): [minimum_drop_text(r, lang) for r in minimum.itertuples()],
        }
    )


def show_power_plan(plan, lang: str):
    """The power and minimum-drop tables of an ``antt.analyses.intervention.PowerPlan``, or why there are none."""
    from IPython.display import display

    t = translator(lang)
    if plan.reason:
        return show_text(t(f"power_{plan.reason}"))
    for period, why in plan.skipped:
        display(show_text(f"{period}: {why}"))
    display(show(power_plan_table(plan.table, lang)))
    return show(minimum_drop_table(plan.minimum_drops, lang))


def interventions_table(interventions: dict, lang: str) -> pd.DataFrame:
    t = translator(lang)
    unknown = "không nêu" if lang == "vi" else "not stated"
    return pd.DataFrame(
        {
            t("intervention_name"): list(interventions),
            t("start_year"): [unknown if y is None else str(y) for y in interventions.values()],
        }
    )


def show_notes(notes, lang: str, title_key: str = "model_notes"):
    """The notes of a fit (``antt.models.notes.Note``) as an escaped HTML list under a heading, in ``lang``;
    nothing when there are none."""
    import html

    from IPython.display import HTML

    if not notes:
        return None
    items = "".join(f"<li>{html.escape(note_text(note, lang))}</li>" for note in notes)
    return HTML(
        f'<p class="note"><strong>{html.escape(translator(lang)(title_key))}</strong></p><ul class="notes">{items}</ul>'
    )


def show_text(text: str):
    """A paragraph of (escaped) text; nothing when empty."""
    import html

    from IPython.display import HTML

    return HTML(f'<p class="note">{html.escape(text)}</p>') if text else None


def validation_rate(rate: float, se: float, lang: str) -> str:
    """A simulated rate with its Monte Carlo SE in percentage points: '97,7% ± 0,2' (vi), '97.7% ± 0.2' (en)."""
    if pd.isna(rate):
        return "–"
    return f"{format_percent(rate, lang)} ± {format_decimal(100 * se, lang, 1)}"


def validation_scenario_label(row, lang: str, short: bool = False) -> str:
    """A simulated scenario's name from the catalogue: ``val_scenario_<name>`` with its parameters filled in, or
    ``val_short_<name>``; a scenario the catalogue does not know keeps its name. ``row`` has the scenario's
    fields (a row of ``validation_study(...).summary`` or ``Scenario.to_dict()`` with ``scenario`` for the name)."""
    t = translator(lang)
    key = f"val_{'short' if short else 'scenario'}_{row['scenario']}"
    text = t(key)
    if text == key:
        return str(row["scenario"])
    before, after = int(row["years_before"]), int(row["years_after"])
    return text.format(
        rate=format_number(row["baseline_rate"], lang),
        nb=format_number(row["nb_alpha"], lang),
        rho=format_number(row["ar_rho"], lang),
        sd=format_number(row["ar_sd"], lang),
        trend=format_number(row["trend_rr"], lang),
        years=str(before) if before == after else f"{before}/{after}",
    )


def validation_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per simulated scenario: coverage and false positives (± Monte Carlo SE), with the scale floored at 1
    (the headline) and not, how often the floor acts, and the fits refused / not identified / on the boundary."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("val_scenario"): [validation_scenario_label(r, lang) for _, r in summary.iterrows()],
            t("n_sim"): [format_number(int(x), lang) for x in summary["n_sim"]],
            t("val_coverage"): [
                validation_rate(r, s, lang) for r, s in zip(summary["coverage"], summary["coverage_se"])
            ],
            t("val_coverage_unfloored"): [
                validation_rate(r, s, lang)
                for r, s in zip(summary["coverage_unfloored"], summary["coverage_unfloored_se"])
            ],
            t("val_false_positive"): [
                validation_rate(r, s, lang)
                for r, s in zip(summary["false_positive_rate"], summary["false_positive_se"])
            ],
            t("val_false_positive_unfloored"): [
                validation_rate(r, s, lang)
                for r, s in zip(summary["false_positive_unfloored"], summary["false_positive_unfloored_se"])
            ],
            t("val_floor_active"): [format_percent(x, lang) for x in summary["share_floored"]],
            t("val_fits_problem"): [
                f"{int(r.n_refused)} / {int(r.n_not_identified)} / {int(r.n_boundary)}" for r in summary.itertuples()
            ],
        }
    )


def validation_caption(study, lang: str) -> str:
    """What the validation table shows (simulated), from ``study`` (an ``antt.models.validation.ValidationStudy``)."""
    t = translator(lang)
    years = sorted(
        {
            str(s.years_before) if s.years_before == s.years_after else f"{s.years_before}/{s.years_after}"
            for s in study.scenarios
        }
    )
    return t("val_table_caption").format(
        n_sim=format_number(study.n_sim, lang),
        years=", ".join(years),
        level=format_percent(1 - study.alpha, lang, 0),
        true_rr=format_number(study.true_rr, lang),
        alpha=format_percent(study.alpha, lang, 0),
    )


def validation_floor_text(summary: pd.DataFrame, alpha: float, lang: str) -> str:
    """The effect of flooring the quasi-Poisson scale at 1, in words built from the simulated numbers."""
    from antt.models.validation import conservative_by_floor

    t = translator(lang)
    sentences = [t("val_floor_intro")]
    for _, r in summary.iterrows():
        sentences.append(
            t("val_floor_scenario").format(
                scenario=validation_scenario_label(r, lang),
                cov_u=validation_rate(r["coverage_unfloored"], r["coverage_unfloored_se"], lang),
                cov=validation_rate(r["coverage"], r["coverage_se"], lang),
                fp_u=validation_rate(r["false_positive_unfloored"], r["false_positive_unfloored_se"], lang),
                fp=validation_rate(r["false_positive_rate"], r["false_positive_se"], lang),
                share=format_percent(r["share_floored"], lang),
            )
        )
    conservative = summary[summary["scenario"].isin(conservative_by_floor(summary, alpha))]
    if len(conservative):
        names = [f"«{validation_scenario_label(r, lang, short=True)}»" for _, r in conservative.iterrows()]
        sentences.append(
            t("val_floor_conservative").format(
                scenarios=names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {t('val_and')} {names[-1]}",
                nominal=format_percent(1 - alpha, lang, 0),
            )
        )
    else:
        sentences.append(t("val_floor_none"))
    return " ".join(sentences)


def validation_nominal_text(summary: pd.DataFrame, alpha: float, lang: str) -> str:
    """The scenarios where the headline is clearly anti-conservative (simulated), or that there is none."""
    from antt.models.validation import below_nominal

    t = translator(lang)
    below = summary[summary["scenario"].isin(below_nominal(summary, alpha))]
    if not len(below):
        return t("val_all_nominal")
    parts = [
        f"«{validation_scenario_label(r, lang, short=True)}» {validation_rate(r['coverage'], r['coverage_se'], lang)}, "
        f"{validation_rate(r['false_positive_rate'], r['false_positive_se'], lang)}"
        for _, r in below.iterrows()
    ]
    return t("val_below_nominal").format(
        scenarios="; ".join(parts), nominal=format_percent(1 - alpha, lang, 0), alpha=format_percent(alpha, lang, 0)
    )


def reference_table(comparison: pd.DataFrame, lang: str) -> pd.DataFrame:
    """False positives with a t and a z reference on the same simulated fits, ± Monte Carlo SE and Wilson interval."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("reference_distribution"): comparison["reference_distribution"],
            t("false_positive_rate"): [
                validation_rate(x, se, lang) for x, se in zip(comparison["false_positive_rate"], comparison["mc_se"])
            ],
            t("interval"): [
                f"{format_percent(lo, lang)} – {format_percent(up, lang)} (Wilson)"
                for lo, up in zip(comparison["lower"], comparison["upper"])
            ],
            t("n_sim"): [format_number(int(x), lang) for x in comparison["n_sim"]],
        }
    )


_VALIDATION_TREND_METHODS = {
    "naive before/after": "val_method_naive",
    "segmented Poisson (level change, trend)": "val_method_segmented",
}


def trend_bias_table(study: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The naive before/after ratio against the segmented model under a falling trend and no effect (simulated)."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("method"): [t(_VALIDATION_TREND_METHODS.get(m, m)) for m in study["method"]],
            t("true_value"): [format_number(x, lang) for x in study["true_rate_ratio"]],
            t("median_rate_ratio"): [format_number(round(x, 3), lang) for x in study["median_rate_ratio"]],
            t("share_spurious"): [
                validation_rate(x, se, lang) for x, se in zip(study["share_below_0_9"], study["share_se"])
            ],
            t("n_sim"): [format_number(int(x), lang) for x in study["n_sim"]],
        }
    )
