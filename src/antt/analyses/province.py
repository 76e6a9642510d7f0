"""Notebook 02 (provincial results): its glue, tables, figures and findings.

Provincial figures → model inputs: attainment proportions with intervals, the homogeneity test across kinds of
unit, descriptive ratios, activity counts (glue between the processed data, ``indicators.csv`` and the codebook,
and ``antt.models``; the models know nothing of files). Then the tables and figures the notebook shows and
the findings it writes, in Vietnamese and English.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from antt import paths
from antt.data import schemas
from antt.data.io import read_csv_text
from antt.errors import DataError, quote
from antt.models.proportions import homogeneity_test, proportion_interval
from antt.models.ratios import derived_ratio, sum_bounded
from antt.reporting.language import (
    LANGS,
    format_decimal,
    format_level,
    format_number,
    format_p,
    format_p_clause,
    format_percent,
    message,
    translator,
)
from antt.reporting.provenance import data_dates, data_period, source_line, year_span

ATTAINMENT_TOPIC = "safe_standard"


def _raw_row(figure_id: str) -> int | None:
    """The 1-based row of ``figure_id`` in the raw figures file (None if the file lacks it)."""
    try:
        ids = read_csv_text(paths.FIGURES_CSV, list(schemas.FIGURES.columns))["figure_id"]
    except DataError:  # the flagged figure is the error to report, not the state of the raw file
        return None
    rows = ids.index[ids == figure_id]
    return int(rows[0]) + 1 if len(rows) else None


def require_reviewed(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` as given when none is flagged ``needs_review``; otherwise a DataError naming the first
    flagged figure, its row and ``raw_text`` in the raw figures file.

    A flagged figure (``1,630``: 1.63 in Vietnamese, 1630 in English) has no value, so any model
    given it would fail on a NaN far from its cause; cleaning only flags it, analysis must stop.
    """
    flagged = rows[rows["needs_review"].astype(bool)]
    if flagged.empty:
        return rows
    fig = flagged.iloc[0]
    raise DataError(
        paths.FIGURES_CSV,
        f"figure {quote(fig['figure_id'])} ({quote(fig['raw_text'])}) needs review: it is ambiguous as written, so it "
        f"has no value; write it unambiguously (Vietnamese style: '.' groups thousands, ',' is the decimal mark) "
        f"and clean again before it can be analysed",
        row=_raw_row(fig["figure_id"]),
        column="raw_text",
    )


def _by_indicator(indicators: pd.DataFrame, geo_level: str = "province") -> pd.DataFrame:
    rows = require_reviewed(indicators[indicators["geo_level"] == geo_level])
    if rows["indicator"].duplicated().any():
        raise ValueError("several figures for one provincial indicator: choose a period before computing ratios")
    return rows.set_index("indicator")


def proportions(
    indicators: pd.DataFrame,
    codebook: pd.DataFrame,
    part_whole: pd.DataFrame,
    alpha: float = 0.05,
    method: str = "wilson",
) -> pd.DataFrame:
    """Every ``a/b`` figure, and every part/whole pair of counts, as a proportion with its
    interval (Wilson by default, Clopper–Pearson with ``method='clopper-pearson'``) at 1 − alpha.
    A figure flagged for review (no value) among them or the provincial counts raises a DataError."""
    topics = dict(zip(codebook["indicator"], codebook["topic"]))
    rows = []
    for fig in require_reviewed(indicators[indicators["kind"] == "fraction"]).itertuples():
        est = proportion_interval(int(fig.value), int(fig.denominator), alpha=alpha, method=method)
        rows.append(
            {
                "indicator": fig.indicator,
                "topic": topics[fig.indicator],
                "figure_ids": fig.figure_id,
                "derived": False,
                **est.to_dict(),
            }
        )
    counts = _by_indicator(indicators)
    for rel in part_whole.itertuples():
        if rel.part in counts.index and rel.whole in counts.index:
            part, whole = counts.loc[rel.part], counts.loc[rel.whole]
            if part["qualifier"] == "exact" and whole["qualifier"] == "exact":
                est = proportion_interval(int(part["value"]), int(whole["value"]), alpha=alpha, method=method)
                rows.append(
                    {
                        "indicator": rel.part,
                        "topic": topics[rel.part],
                        "figure_ids": f"{part['figure_id']};{whole['figure_id']}",
                        "derived": True,
                        **est.to_dict(),
                    }
                )
    return pd.DataFrame(rows)


def attainment(proportions_table: pd.DataFrame) -> pd.DataFrame:
    """The units assessed for the «An toàn về ANTT» standard (one row per kind of unit)."""
    return proportions_table[proportions_table["topic"] == ATTAINMENT_TOPIC].reset_index(drop=True)


def homogeneity(attainment_table: pd.DataFrame, labels: dict[str, str], alpha: float = 0.05):
    """Chi-square test of one attainment rate across the kinds of unit, with the exact test and
    Holm-corrected pairwise Fisher tests beside it (see ``antt.models.proportions``)."""
    return homogeneity_test(
        [labels[k] for k in attainment_table["indicator"]],
        attainment_table["successes"].tolist(),
        attainment_table["total"].tolist(),
        alpha=alpha,
    )


def _bounded_term(counts: pd.DataFrame, term: str) -> tuple[float | None, float, float]:
    key, _, part = term.partition(":")
    if key not in counts.index:
        raise KeyError(f"ratio term {term!r}: no provincial figure for indicator {key!r}")
    fig = counts.loc[key]
    if part == "denominator":
        return (fig["denominator"], fig["denominator"], fig["denominator"])
    value = None if pd.isna(fig["value"]) else float(fig["value"])
    return (value, float(fig["lower"]), float(fig["upper"]))


def ratios(indicators: pd.DataFrame, definitions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Descriptive ratios with bounds carried through from the qualifiers (interval arithmetic,
    not sampling intervals): «gần 20 nghìn» members over 1 307 teams is 11.5–15.3, not 15.3."""
    counts = _by_indicator(indicators)
    rows = []
    for r in definitions.itertuples():
        terms = {side: getattr(r, side).split("+") for side in ("numerator", "denominator")}
        num = sum_bounded(*(_bounded_term(counts, t) for t in terms["numerator"]))
        den = sum_bounded(*(_bounded_term(counts, t) for t in terms["denominator"]))
        est = derived_ratio(num, den)
        ids = sorted({counts.loc[t.partition(":")[0], "figure_id"] for side in terms.values() for t in side})
        rows.append(
            {
                "ratio": r.ratio,
                "label": getattr(r, f"label_{lang}"),
                "unit": getattr(r, f"unit_{lang}"),
                "value": est.value,
                "lower": est.lower,
                "upper": est.upper,
                "note": est.note,
                "figure_ids": ";".join(ids),
            }
        )
    return pd.DataFrame(rows)


def _row_period(start: float, end: float) -> str:
    """'2020–2022', '2022' (one year, or only one end stated) or '' (not stated)."""
    years = sorted({int(y) for y in (start, end) if pd.notna(y)})
    return "–".join(str(y) for y in years)


def activity_counts(indicators: pd.DataFrame, codebook: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Provincial counts (not ranks, shares or proportions) for the activity figure, with the codebook's
    unit in ``lang``, the panel key ``group`` (the English unit: the same panels in every language) and each
    row's ``period`` as text."""
    labels = dict(zip(codebook["indicator"], codebook[f"label_{lang}"]))
    units = dict(zip(codebook["indicator"], codebook[f"unit_{lang}"]))
    groups = dict(zip(codebook["indicator"], codebook["unit_en"]))
    rows = require_reviewed(
        indicators[(indicators["geo_level"] == "province") & indicators["kind"].isin(["count", "magnitude"])]
    )
    return pd.DataFrame(
        {
            "label": rows["indicator"].map(labels),
            "value": rows["value"],
            "lower": rows["lower"],
            "upper": rows["upper"],
            "qualifier": rows["qualifier"],
            "unit": rows["indicator"].map(units),
            "group": rows["indicator"].map(groups),
            "period": [_row_period(a, b) for a, b in zip(rows["period_start"], rows["period_end"])],
            "period_start": rows["period_start"],
            "period_end": rows["period_end"],
            "figure_id": rows["figure_id"],
        }
    ).reset_index(drop=True)


def make_figures(
    props: pd.DataFrame,
    counts: pd.DataFrame,
    sources: pd.DataFrame,
    codebook: pd.DataFrame,
    lang: str,
    out_dir,
    prefix: str,
) -> dict[str, dict]:
    """Attainment and activity figures, exported (PNG + SVG) to ``out_dir``; returns the figures and paths."""
    from antt.reporting import figures

    t = translator(lang)
    units = dict(zip(codebook["indicator"], codebook[f"unit_{lang}"]))
    table = attainment(props)
    level = format_level(float(table["alpha"].iloc[0]), lang)
    method = t(table["method"].iloc[0])
    data = table.assign(label=table["indicator"].map(units))
    source = source_line(sources, lang)
    caption = f"{source}. {t('interval')} {method} {level}."
    attain = figures.attainment_figure(data, t("fig_attainment_title"), caption, lang, method_label=f"{method} {level}")
    shown = counts[counts["value"].notna()].copy()
    shown["qualifier"] = [t(f"qualifier_word_{q}") if q not in ("exact",) else "" for q in shown["qualifier"]]
    omitted = len(counts) - len(shown)
    note = f" {t('magnitude_omitted')} ({omitted})." if omitted else ""
    period = year_span(shown)
    activity = figures.activity_figure(
        shown,
        message("fig_activity_period_title", lang, period=period),
        f"{source}. {t('bounds_by_convention')}.{note}",
        lang,
        period=period,
    )
    out = {}
    for name, fig in (("attainment", attain), ("activity", activity)):
        out[name] = figures.export(fig, figures.stem(prefix, name, lang), out_dir)
    return out


# ---------------------------------------------------------------- tables
def proportion_table(props: pd.DataFrame, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Proportions with their interval, method and level in words."""
    t = translator(lang)
    rows = []
    for r in props.itertuples():
        rows.append(
            {
                t("indicator"): labels[r.indicator],
                t("raw_text"): f"{format_number(r.successes, lang)}/{format_number(r.total, lang)}",
                t("proportion"): format_percent(r.proportion, lang),
                t("interval"): f"{format_percent(r.lower, lang)} – {format_percent(r.upper, lang)} "
                f"({format_level(r.alpha, lang)})",
                t("method"): t(r.method),
                t("derived"): t("yes") if r.derived else t("no"),
            }
        )
    return pd.DataFrame(rows)


def homogeneity_table(result, lang: str) -> pd.DataFrame:
    """The chi-square test and the exact test side by side."""
    t = translator(lang)
    expected = format_number(round(result.expected_min, 2), lang)
    note = "prov_expected_min_doubtful" if result.approximation_doubtful else "prov_expected_min"
    return pd.DataFrame(
        [
            {
                t("test"): t("chi2"),
                t("statistic"): format_number(round(result.chi2, 3), lang),
                t("df"): result.dof,
                t("p_value"): format_p(result.p_value, lang),
                t("bounds_note"): message(note, lang, value=expected),
            },
            {
                t("test"): t("exact_test"),
                t("statistic"): "–",
                t("df"): "–",
                t("p_value"): format_p(result.exact.p_value, lang),
                t("bounds_note"): message(
                    f"exact_{result.exact.method}",
                    lang,
                    tables=format_number(result.exact.n_tables, lang),
                    draws=format_number(result.exact.n_draws, lang),
                    seed=result.exact.seed,
                ),
            },
        ]
    )


def pairwise_table(result, lang: str) -> pd.DataFrame:
    """Holm-corrected pairwise tests between kinds of unit."""
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


def _ratio_number(x, lang: str) -> str:
    return format_number(None if x is None or pd.isna(x) else round(x, 2), lang)


def ratio_table(ratios_table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Descriptive ratios with their bounds and units."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("ratio"): ratios_table["label"],
            t("value"): [_ratio_number(v, lang) for v in ratios_table["value"]],
            t("bounds"): [
                f"[{_ratio_number(lo, lang)}; {_ratio_number(up, lang)}]"
                for lo, up in zip(ratios_table["lower"], ratios_table["upper"])
            ],
            t("unit"): ratios_table["unit"],
        }
    )


# ---------------------------------------------------------------- findings
def _bounded_figures(ratio: pd.Series, indicators: pd.DataFrame) -> str:
    """The figures of a ratio whose bounds come from a qualifier, as written: '«gần 20 nghìn»'."""
    ids = set(str(ratio["figure_ids"]).split(";"))
    rows = indicators[indicators["figure_id"].isin(ids) & (indicators["qualifier"] != "exact")]
    return ", ".join(f"«{text}»" for text in rows["raw_text"])


def _headline_rows(props: pd.DataFrame, ratios_table: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The rows the key findings speak of: the lowest attainment, mediation, and members per team."""
    lowest = props[props["topic"] == ATTAINMENT_TOPIC].sort_values("proportion").iloc[0]
    mediation = props[props["indicator"] == "mediations_successful"].iloc[0]
    return lowest, mediation, ratios_table.set_index("ratio").loc["members_per_team"]


def headline(
    props: pd.DataFrame, homogeneity, ratios_table: pd.DataFrame, indicators: pd.DataFrame, units: dict, lang: str
) -> list[str]:
    """The lowest attainment, the homogeneity test, mediation and members per team, in words; the level from
    ``homogeneity.alpha``."""
    lowest, mediation, members = _headline_rows(props, ratios_table)
    level = format_level(homogeneity.alpha, lang)
    claim = message("prov_share_differs" if homogeneity.exact.p_value < homogeneity.alpha else "prov_share_same", lang)
    exact = "prov_finding_exact_doubtful" if homogeneity.approximation_doubtful else "prov_finding_exact"

    def share(row) -> dict[str, str]:
        return {
            "share": format_percent(row.proportion, lang),
            **{k: format_percent(row[k], lang) for k in ("lower", "upper")},
        }

    return [
        message(
            "prov_finding_lowest",
            lang,
            unit=units[lang][lowest.indicator],
            level=level,
            method=message(f"method_name_{lowest.method}", lang),
            **share(lowest),
        ),
        message(exact, lang, claim=claim, p=format_p_clause(homogeneity.exact.p_value, lang)),
        message("prov_finding_mediation", lang, level=level, **share(mediation)),
        message(
            "prov_finding_members",
            lang,
            lower=format_decimal(members.lower, lang),
            upper=format_decimal(members.upper, lang),
            bounded=_bounded_figures(members, indicators),
        ),
    ]


def plain(props: pd.DataFrame, homogeneity, ratios_table: pd.DataFrame, units: dict, lang: str) -> list[str]:
    """Each headline finding in one plain sentence, in the same order (``headline``): shares out of 100 (or 10),
    the test as "chance or not", the members per team as whole numbers."""
    lowest, mediation, members = _headline_rows(props, ratios_table)
    same = homogeneity.exact.p_value >= homogeneity.alpha

    def whole(x: float) -> str:
        return format_decimal(x, lang, 0)

    return [
        message(
            "plain_share",
            lang,
            unit=units[lang][lowest.indicator],
            low=whole(100 * lowest.lower),
            high=whole(100 * lowest.upper),
        ),
        message("plain_same" if same else "plain_differs", lang),
        message("plain_mediation", lang, n=whole(10 * mediation.proportion)),
        message("plain_members", lang, lower=whole(members.lower), upper=whole(members.upper)),
    ]


LIMITATIONS = ("prov_limit_self_assessed", "prov_limit_population", "prov_limit_ratios", "prov_limit_no_years")


def findings(
    props: pd.DataFrame,
    homogeneity,
    ratios_table: pd.DataFrame,
    indicators: pd.DataFrame,
    sources: pd.DataFrame,
    units: dict[str, dict[str, str]],
    thumbnail: dict[str, str],
) -> dict[str, Any]:
    """Key numbers of the provincial analysis and their plain-language summary (vi, en), as written to the
    results file."""
    return {
        "proportions": props.to_dict(orient="records"),
        "homogeneity": homogeneity.to_dict(),
        "ratios": ratios_table.to_dict(orient="records"),
        "data_period": data_period(indicators),
        "data_date": data_dates(sources, indicators),
        "question": {lang: message("question_province", lang, period=data_period(indicators)) for lang in LANGS},
        "headline": {lang: headline(props, homogeneity, ratios_table, indicators, units, lang) for lang in LANGS},
        "plain": {lang: plain(props, homogeneity, ratios_table, units, lang) for lang in LANGS},
        "limitations": {lang: [message(key, lang) for key in LIMITATIONS] for lang in LANGS},
        "thumbnail": thumbnail,
    }
