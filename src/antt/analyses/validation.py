"""Notebook 04 (method validation on simulated data): its glue, tables, figure and findings.

The simulations are ``antt.models.validation``; this module fits the example series, words the refusal of a
too-short series, and presents the study (``ValidationStudy``): coverage and false positives with their
Monte Carlo errors, the effect of the scale floor, t versus z, the naive before/after bias. Every level
("95%", "nominal 5%") is derived from the study's alpha.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from antt.models.its import counterfactual, fit_its
from antt.models.sufficiency import check_sufficiency
from antt.models.validation import below_nominal, conservative_by_floor
from antt.reporting import estimates
from antt.reporting.language import (
    LANGS,
    and_list,
    format_decimal,
    format_level,
    format_number,
    format_percent,
    message,
    translator,
)

#: What the simulated series count, as the models are told (their messages are in English).
OUTCOME = "val_simulated_events"


# ---------------------------------------------------------------- the example and the refusal
@dataclass(frozen=True)
class ExampleFit:
    """The headline model fitted to one simulated series with a known effect: the series (without its
    ``expected`` column), the ``antt.models.its.ITSResult`` and its counterfactual predictions."""

    series: pd.DataFrame
    interventions: dict[str, int]
    result: Any
    predictions: pd.DataFrame


def example_fit(simulated: pd.DataFrame, alpha: float) -> ExampleFit:
    """Fit ``simulated`` (``antt.models.validation.simulate_series``) as the intervention analysis does."""
    series = simulated.drop(columns="expected")
    interventions = dict(simulated.attrs["interventions"])
    result = fit_its(series, interventions, alpha=alpha, outcome=message(OUTCOME, "en"))
    return ExampleFit(series, interventions, result, counterfactual(result))


def example_figure(example: ExampleFit, lang: str, out_dir, prefix: str) -> dict[str, dict]:
    """The example's interrupted-time-series figure, titled and captioned as simulated, exported."""
    from antt.reporting import figures

    title, source = message("fig_example_title", lang), message("val_simulated_source", lang)
    fig = estimates.its_plot(
        example.result,
        example.predictions,
        example.interventions,
        title,
        source,
        lang,
        ylabel=message("fig_simulated_events", lang),
        simulated=True,
    )
    return {"example": figures.export(fig, figures.stem(prefix, "example", lang), out_dir)}


def short_series_refusal(simulated: pd.DataFrame, lang: str) -> str:
    """Why a too-short simulated series is not fitted, in ``lang`` ("" if it were enough)."""
    interventions = dict(simulated.attrs["interventions"])
    verdict = check_sufficiency(simulated["year"].tolist(), interventions, outcome=message(OUTCOME, "en"))
    if verdict.status != "refuse":
        return ""
    return estimates.refusal_text(verdict, [], message(OUTCOME, lang), lang, simulated=True)


# ---------------------------------------------------------------- words for the study
def rate_text(rate: float, se: float, lang: str) -> str:
    """A simulated rate with its Monte Carlo SE in percentage points: '97,7% ± 0,2' (vi), '97.7% ± 0.2' (en)."""
    if pd.isna(rate):
        return "–"
    return f"{format_percent(rate, lang)} ± {format_decimal(100 * se, lang, 1)}"


def _years(before: int, after: int) -> str:
    return str(before) if before == after else f"{before}/{after}"


def scenario_label(row, lang: str, short: bool = False) -> str:
    """A simulated scenario's name from the catalogue: ``val_scenario_<name>`` with its parameters filled in, or
    ``val_short_<name>``; a scenario the catalogue does not know keeps its name. ``row`` has the scenario's
    fields (a row of ``validation_study(...).summary`` or ``Scenario.to_dict()`` with ``scenario`` for the name)."""
    t = translator(lang)
    key = f"val_{'short' if short else 'scenario'}_{row['scenario']}"
    text = t(key)
    if text == key:
        return str(row["scenario"])
    return text.format(
        rate=format_number(row["baseline_rate"], lang),
        nb=format_number(row["nb_alpha"], lang),
        rho=format_number(row["ar_rho"], lang),
        sd=format_number(row["ar_sd"], lang),
        trend=format_number(row["trend_rr"], lang),
        years=_years(int(row["years_before"]), int(row["years_after"])),
    )


def scenario_heading(scenario, lang: str) -> str:
    """The label of an ``antt.models.validation.Scenario`` (the reference or the trend scenario)."""
    return scenario_label({"scenario": scenario.name, **scenario.to_dict()}, lang)


def _study_years(study) -> str:
    return ", ".join(sorted({_years(s.years_before, s.years_after) for s in study.scenarios}))


# ---------------------------------------------------------------- tables
def summary_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per simulated scenario: coverage and false positives (± Monte Carlo SE), with the scale floored at 1
    (the headline) and not, how often the floor acts, and the fits refused / not identified / on the boundary."""
    t = translator(lang)

    def rates(column: str, se: str) -> list[str]:
        return [rate_text(r, s, lang) for r, s in zip(summary[column], summary[se])]

    return pd.DataFrame(
        {
            t("val_scenario"): [scenario_label(r, lang) for _, r in summary.iterrows()],
            t("n_sim"): [format_number(int(x), lang) for x in summary["n_sim"]],
            t("val_coverage"): rates("coverage", "coverage_se"),
            t("val_coverage_unfloored"): rates("coverage_unfloored", "coverage_unfloored_se"),
            t("val_false_positive"): rates("false_positive_rate", "false_positive_se"),
            t("val_false_positive_unfloored"): rates("false_positive_unfloored", "false_positive_unfloored_se"),
            t("val_floor_active"): [format_percent(x, lang) for x in summary["share_floored"]],
            t("val_fits_problem"): [
                f"{int(r.n_refused)} / {int(r.n_not_identified)} / {int(r.n_boundary)}" for r in summary.itertuples()
            ],
        }
    )


def caption(study, lang: str) -> str:
    """What the summary table shows (simulated), from ``study`` (an ``antt.models.validation.ValidationStudy``)."""
    return message(
        "val_table_caption",
        lang,
        n_sim=format_number(study.n_sim, lang),
        years=_study_years(study),
        level=format_level(study.alpha, lang),
        true_rr=format_number(study.true_rr, lang),
        alpha=format_percent(study.alpha, lang, 0),
    )


def floor_text(summary: pd.DataFrame, alpha: float, lang: str) -> str:
    """The effect of flooring the quasi-Poisson scale at 1, in words built from the simulated numbers."""
    sentences = [message("val_floor_intro", lang)]
    for _, r in summary.iterrows():
        sentences.append(
            message(
                "val_floor_scenario",
                lang,
                scenario=scenario_label(r, lang),
                cov_u=rate_text(r["coverage_unfloored"], r["coverage_unfloored_se"], lang),
                cov=rate_text(r["coverage"], r["coverage_se"], lang),
                fp_u=rate_text(r["false_positive_unfloored"], r["false_positive_unfloored_se"], lang),
                fp=rate_text(r["false_positive_rate"], r["false_positive_se"], lang),
                share=format_percent(r["share_floored"], lang),
            )
        )
    conservative = summary[summary["scenario"].isin(conservative_by_floor(summary, alpha))]
    if len(conservative):
        names = [f"«{scenario_label(r, lang, short=True)}»" for _, r in conservative.iterrows()]
        sentences.append(
            message("val_floor_conservative", lang, scenarios=and_list(names, lang), nominal=format_level(alpha, lang))
        )
    else:
        sentences.append(message("val_floor_none", lang))
    return " ".join(sentences)


def nominal_text(summary: pd.DataFrame, alpha: float, lang: str) -> str:
    """The scenarios where the headline is clearly anti-conservative (simulated), or that there is none."""
    below = summary[summary["scenario"].isin(below_nominal(summary, alpha))]
    if not len(below):
        return message("val_all_nominal", lang)
    parts = [
        f"«{scenario_label(r, lang, short=True)}» {rate_text(r['coverage'], r['coverage_se'], lang)}, "
        f"{rate_text(r['false_positive_rate'], r['false_positive_se'], lang)}"
        for _, r in below.iterrows()
    ]
    return message(
        "val_below_nominal",
        lang,
        scenarios="; ".join(parts),
        nominal=format_level(alpha, lang),
        alpha=format_percent(alpha, lang, 0),
    )


def reference_table(comparison: pd.DataFrame, lang: str) -> pd.DataFrame:
    """False positives with a t and a z reference on the same simulated fits, ± Monte Carlo SE and Wilson interval."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("reference_distribution"): comparison["reference_distribution"],
            t("false_positive_rate"): [
                rate_text(x, se, lang) for x, se in zip(comparison["false_positive_rate"], comparison["mc_se"])
            ],
            t("interval"): [
                f"{format_percent(lo, lang)} – {format_percent(up, lang)} ({t('wilson')})"
                for lo, up in zip(comparison["lower"], comparison["upper"])
            ],
            t("n_sim"): [format_number(int(x), lang) for x in comparison["n_sim"]],
        }
    )


TREND_METHODS = {
    "naive before/after": "val_method_naive",
    "segmented Poisson (level change, trend)": "val_method_segmented",
}


def trend_bias_table(trend_bias: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The naive before/after ratio against the segmented model under a falling trend and no effect (simulated)."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("method"): [t(TREND_METHODS.get(m, m)) for m in trend_bias["method"]],
            t("true_value"): [format_number(x, lang) for x in trend_bias["true_rate_ratio"]],
            t("median_rate_ratio"): [format_number(round(x, 3), lang) for x in trend_bias["median_rate_ratio"]],
            t("share_spurious"): [
                rate_text(x, se, lang) for x, se in zip(trend_bias["share_below_0_9"], trend_bias["share_se"])
            ],
            t("n_sim"): [format_number(int(x), lang) for x in trend_bias["n_sim"]],
        }
    )


# ---------------------------------------------------------------- findings
def main_scenario(summary: pd.DataFrame) -> dict[str, Any]:
    """The summary row of the moderate-counts scenario (the first scenario when there is none)."""
    rows = {r["scenario"]: r for r in summary.to_dict(orient="records")}
    return rows.get("moderate_counts", summary.iloc[0].to_dict())


def coverage_line(study, lang: str) -> str:
    parts = "; ".join(
        f"{scenario_label(r, lang, short=True)} {rate_text(r['coverage'], r['coverage_se'], lang)}"
        for _, r in study.summary.iterrows()
    )
    return message(
        "val_finding_coverage",
        lang,
        n_sim=format_number(study.n_sim, lang),
        level=format_level(study.alpha, lang),
        true_rr=format_number(study.true_rr, lang),
        parts=parts,
    )


def false_positive_line(study, lang: str) -> str:
    parts = "; ".join(
        f"{scenario_label(r, lang, short=True)} {rate_text(r['false_positive_rate'], r['false_positive_se'], lang)}"
        for _, r in study.summary.iterrows()
    )
    return message("val_finding_false_positive", lang, alpha=format_percent(study.alpha, lang, 0), parts=parts)


def floor_line(study, lang: str) -> str:
    """The floor's effect on the main scenario: "raises … : conservative" only where the floor clearly lifts
    coverage above nominal; else neutral words."""
    main = main_scenario(study.summary)
    key = (
        "val_finding_floor"
        if main["scenario"] in conservative_by_floor(study.summary, study.alpha)
        else "val_finding_floor_neutral"
    )
    return message(
        key,
        lang,
        scenario=scenario_label(main, lang, short=True),
        rate=format_number(main["baseline_rate"], lang),
        cov_u=rate_text(main["coverage_unfloored"], main["coverage_unfloored_se"], lang),
        cov=rate_text(main["coverage"], main["coverage_se"], lang),
        fp_u=rate_text(main["false_positive_unfloored"], main["false_positive_unfloored_se"], lang),
        fp=rate_text(main["false_positive_rate"], main["false_positive_se"], lang),
    )


def reference_line(study, lang: str) -> str:
    ref = study.reference.set_index("reference_distribution")
    return message(
        "val_finding_reference",
        lang,
        n_sim=format_number(int(ref.loc["t", "n_sim"]), lang),
        alpha=format_percent(study.alpha, lang, 0),
        fp_t=rate_text(ref.loc["t", "false_positive_rate"], ref.loc["t", "mc_se"], lang),
        fp_z=rate_text(ref.loc["z", "false_positive_rate"], ref.loc["z", "mc_se"], lang),
    )


def trend_line(study, lang: str) -> str:
    naive, segmented = study.trend_bias.iloc[0], study.trend_bias.iloc[1]
    return message(
        "val_finding_trend",
        lang,
        naive=format_decimal(naive.median_rate_ratio, lang, 2),
        segmented=format_decimal(segmented.median_rate_ratio, lang, 2),
    )


def headline(study, lang: str) -> list[str]:
    """Coverage, false positives, the scale floor, anti-conservative scenarios, t versus z, trend bias."""
    return [
        coverage_line(study, lang),
        false_positive_line(study, lang),
        floor_line(study, lang),
        nominal_text(study.summary, study.alpha, lang),
        reference_line(study, lang),
        trend_line(study, lang),
    ]


def plain(study, lang: str) -> list[str]:
    """The first two findings of ``headline``, coverage and false positives, in plain words (times out of 100,
    against the aim); the others are plain already ("")."""

    def times(column: str) -> dict[str, str]:
        values = 100 * study.summary[column]
        return {"low": format_decimal(values.min(), lang, 0), "high": format_decimal(values.max(), lang, 0)}

    nominal = format_decimal(100 * (1 - study.alpha), lang, 0)
    return [
        message("plain_coverage", lang, level=format_level(study.alpha, lang), target=nominal, **times("coverage")),
        message(
            "plain_false_positive",
            lang,
            target=format_decimal(100 * study.alpha, lang, 0),
            **times("false_positive_rate"),
        ),
    ]


def max_mc_se(study) -> float:
    """The largest Monte Carlo standard error of any rate the report shows."""
    columns = ("coverage_se", "coverage_unfloored_se", "false_positive_se", "false_positive_unfloored_se")
    return max([float(study.summary[c].max()) for c in columns] + [float(study.reference["mc_se"].max())])


def limitations(study, lang: str) -> list[str]:
    return [
        message("val_limit_simulated", lang),
        message("val_limit_design", lang, years=_study_years(study)),
        message(
            "val_limit_mc",
            lang,
            n_sim=format_number(study.n_sim, lang),
            max_se=format_decimal(100 * max_mc_se(study), lang, 1),
        ),
        message("val_limit_headline_only", lang),
        message("val_counting_rules", lang),
    ]


#: What the method validation rests on (it reads no data): the model and the way it is checked.
METHOD_REFERENCES = (
    "Bernal JL, Cummins S, Gasparrini A. Interrupted time series regression for the evaluation of public health "
    "interventions: a tutorial. International Journal of Epidemiology 2017; 46(1): 348–355.",
    "Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical methods. Statistics in "
    "Medicine 2019; 38(11): 2074–2102.",
)


def findings(study, refusal: dict[str, str], thumbnail: dict[str, str]) -> dict[str, Any]:
    """Key numbers of the method validation on simulated data (vi, en), from ``study`` (an
    ``antt.models.validation.ValidationStudy``), the refusal of a too-short simulated series (language → text)
    and the index card's picture (``antt.reporting.results.thumbnail``).

    ``coverage`` is the summary row of the main scenario (``main_scenario``); ``scenarios`` every summary row;
    ``scale_floor`` the scenarios whose coverage is clearly above nominal only because the scale is floored
    at 1, and those clearly below nominal."""
    summary, alpha = study.summary, study.alpha
    lines = {lang: headline(study, lang) for lang in LANGS}
    plain_words = {lang: plain(study, lang) for lang in LANGS}
    return {
        "simulated": True,
        # Listed with the demonstrations on simulated data, apart from the findings about the article (the index),
        # and left out of the one-page summary of those findings.
        "demonstration": True,
        "n_sim": study.n_sim,
        "true_rate_ratio": study.true_rr,
        "alpha": alpha,
        "seed": study.seed,
        "coverage": main_scenario(summary),
        "scenarios": summary.to_dict(orient="records"),
        "scale_floor": {
            "conservative_only_because_of_the_floor": conservative_by_floor(summary, alpha),
            "below_nominal": below_nominal(summary, alpha),
        },
        "reference_comparison": study.reference.to_dict(orient="records"),
        "reference_scenario": study.reference_scenario.to_dict(),
        "trend_bias": study.trend_bias.to_dict(orient="records"),
        "trend_scenario": study.trend_scenario.to_dict(),
        "refusal_on_short_series": refusal,
        "data_period": "",
        "data_date": {lang: message("val_data_date", lang) for lang in LANGS},
        # No data source (every number is simulated): the method references, in their own language.
        "citations": {lang: [{"text": ref, "lang": "en"} for ref in METHOD_REFERENCES] for lang in LANGS},
        "question": {lang: message("question_validation", lang) for lang in LANGS},
        "headline": lines,
        "plain": {lang: words + [""] * (len(lines[lang]) - len(words)) for lang, words in plain_words.items()},
        "limitations": {lang: limitations(study, lang) for lang in LANGS},
        "thumbnail": thumbnail,
    }
