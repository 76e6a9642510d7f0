"""Key numbers and plain-language findings of each notebook, in Vietnamese and English.

Everything here is computed from the processed data and the models' results; the notebooks pass
the dictionaries to ``antt.reporting.results.write`` and the report header and index read them back.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from antt.analyses.intervention import PowerPlan
from antt.data import series
from antt.data.series import LoadedSeries
from antt.reporting import estimates, tables
from antt.reporting.language import note_text
from antt.reporting.tables import format_decimal, format_number, format_p, format_percent, translator


def data_period(indicators: pd.DataFrame) -> str:
    """'2018–2022': first and last year any figure refers to."""
    years = pd.concat([indicators["period_start"], indicators["period_end"]]).dropna()
    return f"{int(years.min())}–{int(years.max())}" if len(years) else ""


def data_date(sources: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> str:
    latest = indicators["period_end"].dropna().max()
    dates = sorted(set(sources["publication_date"]))
    if dates == ["unknown"]:
        return (
            f"Ngày đăng không nêu trong bài; số liệu mới nhất đến hết năm {latest}"
            if lang == "vi"
            else f"Publication date not stated; the latest figures are for the end of {latest}"
        )
    return ", ".join(dates)


def cleaning(raw, result) -> dict[str, Any]:
    """Counts of the cleaning step: figures, exclusions, quality flags by check and status."""
    quality, indicators = result.quality, result.indicators
    by_check = quality.groupby(["check", "status"], sort=True).size()
    flags = quality[quality["status"] == "flag"]
    repeated = int((flags["check"] == "repeated_value").sum())
    periods = int((flags["check"] == "period_not_stated").sum())
    n_fig, n_exc, n_src = len(raw.figures), len(raw.exclusions), len(raw.sources)
    return {
        "figures_transcribed": n_fig,
        "numbers_excluded": n_exc,
        "exclusions_by_reason": {k: int(v) for k, v in raw.exclusions.groupby("reason").size().items()},
        "indicators_written": len(indicators),
        "quality": {f"{check}:{status}": int(n) for (check, status), n in by_check.items()},
        "quality_flags": len(flags),
        "quality_failures": int((quality["status"] == "fail").sum()),
        "sources": sorted(raw.sources["source_id"]),
        "data_period": data_period(indicators),
        "data_date": {lang: data_date(raw.sources, indicators, lang) for lang in ("vi", "en")},
        "headline": {
            "vi": [
                f"{n_fig} số liệu thống kê được chép từ bài báo; {n_exc} con số khác được loại trừ kèm lý do.",
                f"{repeated} giá trị lặp lại ở các chỉ tiêu khác nhau: cần đối chiếu tại nguồn.",
                f"{periods} số liệu có thời gian suy ra hoặc không nêu.",
            ],
            "en": [
                f"{n_fig} statistics transcribed from the article; {n_exc} other numbers excluded with a reason.",
                f"{repeated} values repeat across different indicators: verify at source.",
                f"{periods} figures have an implied or unstated period.",
            ],
        },
        "limitations": {
            "vi": [
                (
                    "Nguồn duy nhất là một bài báo đưa lại số liệu chính thức; chưa đối chiếu được với hồ sơ gốc."
                    if n_src == 1
                    else f"{n_src} nguồn, chưa nguồn nào được đối chiếu với hồ sơ gốc."
                ),
                f"{periods} số liệu không nêu rõ thời gian; thời gian ghi trong dữ liệu là suy ra từ ngữ cảnh.",
                "Cận dưới, cận trên của «gần», «trên», «hàng trăm» theo quy ước làm tròn, không phải khoảng tin cậy.",
            ],
            "en": [
                (
                    "The only source is a newspaper article reporting official figures; the underlying records were not seen."
                    if n_src == 1
                    else f"{n_src} sources, none checked against the underlying records."
                ),
                f"{periods} figures do not state their period; the period recorded is implied by context.",
                "Bounds of «gần» (nearly), «trên» (more than) and «hàng trăm» (hundreds) follow a rounding convention; they are not confidence intervals.",
            ],
        },
    }


METHOD_NAMES = {"wilson": "Wilson", "clopper-pearson": "Clopper–Pearson"}


def province(
    props: pd.DataFrame,
    homogeneity,
    ratios: pd.DataFrame,
    indicators: pd.DataFrame,
    sources: pd.DataFrame,
    units: dict[str, dict[str, str]],
    thumbnail: str,
) -> dict[str, Any]:
    """Key numbers of the provincial analysis and their plain-language summary (vi, en)."""
    attain = props[props["topic"] == "safe_standard"]
    lowest = attain.sort_values("proportion").iloc[0]
    mediation = props[props["indicator"] == "mediations_successful"].iloc[0]
    members = ratios.set_index("ratio").loc["members_per_team"]
    level = f"{100 * (1 - homogeneity.alpha):.0f}"
    differs = homogeneity.exact.p_value < homogeneity.alpha

    def headline(lang: str) -> list[str]:
        u = units[lang]
        if lang == "vi":
            return [
                f"Tỷ lệ đạt chuẩn “An toàn về ANTT” thấp nhất ở {u[lowest.indicator]}: {format_percent(lowest.proportion, lang)} "
                f"(KTC {level}% {format_percent(lowest.lower, lang)}–{format_percent(lowest.upper, lang)}, {METHOD_NAMES[lowest.method]}).",
                (
                    "Tỷ lệ đạt khác nhau giữa các loại đơn vị"
                    if differs
                    else "Không có bằng chứng tỷ lệ đạt khác nhau giữa các loại đơn vị"
                )
                + f": kiểm định chính xác p = {format_p(homogeneity.exact.p_value, lang)}"
                + (" (xấp xỉ khi bình phương đáng ngờ)." if homogeneity.approximation_doubtful else "."),
                f"Hòa giải thành {format_percent(mediation.proportion, lang)} vụ việc (KTC {level}% {format_percent(mediation.lower, lang)}–{format_percent(mediation.upper, lang)}).",
                f"Bình quân {format_decimal(members.lower, lang)}–{format_decimal(members.upper, lang)} thành viên mỗi tổ (mô tả, theo cận của «gần 20 nghìn»).",
            ]
        return [
            f"Lowest share meeting the “safe for security and order” standard: {u[lowest.indicator]}, {format_percent(lowest.proportion, lang)} "
            f"({level}% CI {format_percent(lowest.lower, lang)}–{format_percent(lowest.upper, lang)}, {METHOD_NAMES[lowest.method]}).",
            (
                "The share differs across the kinds of unit"
                if differs
                else "No evidence that the share differs across the kinds of unit"
            )
            + f": exact test p = {format_p(homogeneity.exact.p_value, lang)}"
            + (" (chi-square approximation doubtful)." if homogeneity.approximation_doubtful else "."),
            f"{format_percent(mediation.proportion, lang)} of disputes mediated successfully ({level}% CI {format_percent(mediation.lower, lang)}–{format_percent(mediation.upper, lang)}).",
            f"{format_decimal(members.lower, lang)}–{format_decimal(members.upper, lang)} members per team (descriptive, from the bounds of «gần 20 nghìn»).",
        ]

    limitations = {
        "vi": [
            "Các tỷ lệ là số đơn vị được chính quyền tự đánh giá đạt chuẩn; bài báo không nêu tiêu chí và cách đánh giá.",
            "Khoảng tin cậy coi các đơn vị như mẫu độc lập từ một quá trình chung; với toàn bộ đơn vị của tỉnh, chúng mô tả độ bất định của tỷ lệ nền, không phải sai số chọn mẫu.",
            "Các tỷ số (thành viên mỗi tổ, …) là mô tả; cận của chúng đến từ từ định lượng, không phải khoảng tin cậy.",
            "Không có số liệu theo năm: không thể đánh giá xu hướng hay tác động của chương trình phối hợp.",
        ],
        "en": [
            "The shares are counts of units that the authorities themselves assessed as meeting the standard; the article gives neither the criteria nor the assessment method.",
            "Intervals treat the units as independent draws from a common process; for the province's complete set of units they describe uncertainty about the underlying rate, not sampling error.",
            "Ratios (members per team, …) are descriptive; their bounds come from the qualifiers, not from sampling.",
            "No yearly figures: neither trends nor the effect of the coordination programme can be assessed.",
        ],
    }
    return {
        "proportions": props.to_dict(orient="records"),
        "homogeneity": homogeneity.to_dict(),
        "ratios": ratios.to_dict(orient="records"),
        "data_period": data_period(indicators),
        "data_date": {lang: data_date(sources, indicators, lang) for lang in ("vi", "en")},
        "headline": {lang: headline(lang) for lang in ("vi", "en")},
        "limitations": limitations,
        "thumbnail": thumbnail,
    }


def intervention(
    commune: str,
    outcome_label: dict[str, str],
    analysis: dict[str, Any],
    refusal: dict[str, str],
    zero: Any,
    bounds: pd.DataFrame,
    plan: PowerPlan,
    figures_table: pd.DataFrame,
    sources: pd.DataFrame,
    interventions: dict[str, int | None],
    thumbnail: str,
    loaded: LoadedSeries | None = None,
    series_file: str = "",
) -> dict[str, Any]:
    """Key numbers of the intervention analysis and what it can and cannot say (vi, en).

    ``loaded`` is the researcher's series when one was used (``antt.analyses.intervention.load_series``): the
    report then states its real period and cites its sources; ``series_file`` names a series file that
    was given but holds no counts of this outcome (the article's figures are used, and the report says so).
    """
    alpha = float(bounds["alpha"].iloc[0]) if len(bounds) else 0.05
    level = f"{100 * (1 - alpha):.0f}"
    fitted = analysis["result"] is not None

    def effect(lang: str) -> list[str]:
        """One sentence per intervention and term of the headline model, through ``antt.reporting.estimates``."""
        if not fitted:
            return [refusal[lang]]
        result = analysis["result"]
        order = list(result.interventions)  # interventions in start order, each level change before its slope change
        rows = sorted(
            result.headline.to_dict(orient="records"),
            key=lambda r: (order.index(r["intervention"]), r["kind"] != "level"),
        )
        return [estimates.sentence(row, lang, result.alpha) for row in rows]

    def zero_text(lang: str) -> list[str]:
        if zero is None or bounds.empty:
            return []
        first, last = bounds.iloc[0], bounds.iloc[-1]
        if lang == "vi":
            return [
                f"«{zero.raw_text}» không có nghĩa là tỷ suất bằng 0: với thời gian theo dõi {format_decimal(first.followup_years, lang, 0)} năm, "
                f"tỷ suất thật có thể tới {format_decimal(first.upper_rate_per_year, lang)} ca/năm; với {format_decimal(last.followup_years, lang, 0)} năm, "
                f"tới {format_decimal(last.upper_rate_per_year, lang)} ca/năm (cận trên chính xác Poisson {level}%, một phía). Bài báo không nêu thời gian."
            ]
        return [
            f"«{zero.raw_text}» (no new addicts) does not mean a zero rate: over {format_decimal(first.followup_years, lang, 0)} year(s) of follow-up "
            f"the true rate could be up to {format_decimal(first.upper_rate_per_year, lang)} per year; over {format_decimal(last.followup_years, lang, 0)} years, "
            f"up to {format_decimal(last.upper_rate_per_year, lang)} per year (exact one-sided {level}% Poisson bound). The article does not state the period."
        ]

    def power_text(lang: str) -> list[str]:
        """One sentence per candidate period: the smallest drop detectable with the target power (simulated)."""
        t = translator(lang)
        if plan.reason:
            return [t(f"power_{plan.reason}")]
        lines = []
        minimum = plan.minimum_drops
        for (first, last, slopes), group in minimum.groupby(["first_year", "last_year", "slope_change"], sort=False):
            parts = "; ".join(
                f"{format_number(r.baseline_rate, lang)} → {tables.minimum_drop_text(r, lang)}"
                for r in group.itertuples()
            )
            lines.append(
                t("power_finding").format(
                    n_sim=format_number(int(group["n_sim"].iloc[0]), lang),
                    period=f"{first}–{last}",
                    model=t("slopes_fitted") if slopes else t("level_only"),
                    target=plan.target,
                    power=format_percent(plan.target_power, lang, 0),
                    parts=parts,
                )
            )
        return lines

    years = pd.concat([figures_table["period_start"], figures_table["period_end"]]).dropna()
    span = f"{int(years.min())}–{int(years.max())}" if len(years) else ""
    n_fig = len(figures_table)
    if loaded is not None:
        period = series.period_text(loaded)
        n_points = len(loaded.frame)
        basis = {
            "vi": f"Chuỗi số đếm của nhà nghiên cứu ({loaded.path.name}): {n_points} điểm, {period}, địa bàn «{loaded.place}», "
            f"nguồn {', '.join(loaded.source_ids)}; kiểm tra nguồn và định nghĩa của chuỗi.",
            "en": f"The researcher's series ({loaded.path.name}): {n_points} points, {period}, place «{loaded.place}», "
            f"source {', '.join(loaded.source_ids)}; check its source and definitions.",
        }
    elif fitted:
        n_points = analysis["result"].n_points
        basis = {
            "vi": f"Ước lượng dựa trên {n_points} điểm số liệu của chuỗi được cung cấp; kiểm tra nguồn và định nghĩa của chuỗi.",
            "en": f"The estimates rest on the {n_points} points of the series supplied; check its source and definitions.",
        }
    elif n_fig:
        basis = {
            "vi": f"Bài báo chỉ có {n_fig} số liệu cho xã {commune} ({span or 'không rõ năm'}), không có chuỗi số đếm theo năm: không thể ước lượng tác động.",
            "en": f"The article gives only {n_fig} figure(s) for xã {commune} ({span or 'years not stated'}) and no yearly counts: no effect can be estimated.",
        }
    else:
        basis = {
            "vi": f"Bài báo không có số liệu nào cho xã {commune}: không thể ước lượng tác động.",
            "en": f"The article gives no figure for xã {commune}: no effect can be estimated.",
        }
    if series_file:
        basis = {
            "vi": f"Tệp chuỗi {series_file} không có số đếm của chỉ tiêu này; báo cáo dùng số liệu của bài báo. "
            + basis["vi"],
            "en": f"The series file {series_file} has no counts of this outcome; this report uses the article's figures. "
            + basis["en"],
        }
    used_ids = sorted(set(figures_table["source_id"]) | set(loaded.source_ids if loaded is not None else ()))
    article = sources[sources["source_id"].isin(set(figures_table["source_id"]))]
    citations = {
        lang: [
            f"{r.citation} ({r.publication_date if r.publication_date != 'unknown' else translator(lang)('date_not_stated')})"
            for r in article.itertuples()
        ]
        + (series.citation(loaded, lang=lang) if loaded is not None else [])
        for lang in ("vi", "en")
    }
    if loaded is not None:
        dates = series.used_sources(loaded)["publication_date"]
        data_dates = {
            lang: ", ".join(d if d != "unknown" else ("không rõ" if lang == "vi" else "not stated") for d in dates)
            for lang in ("vi", "en")
        }
    else:
        data_dates = {
            lang: data_date(sources, figures_table, lang) if len(figures_table) else "" for lang in ("vi", "en")
        }
    jump = {lang: [translator(lang)("power_boundary_jump")] if not plan.table.empty else [] for lang in ("vi", "en")}
    limitations = {
        "vi": [basis["vi"]]
        + (
            []
            if loaded is not None
            else ["Số liệu trong bài báo là số liệu báo cáo lại cho báo chí; chưa có hồ sơ gốc theo năm."]
        )
        + ["Số liệu mô phỏng chỉ dùng để tính khả năng phát hiện; chúng không phải số liệu của xã."]
        + jump["vi"],
        "en": [basis["en"]]
        + (
            []
            if loaded is not None
            else ["The article's figures were reported to a newspaper; no yearly records were available."]
        )
        + ["Simulated data are used only to compute power; they are not the commune's data."]
        + jump["en"],
    }
    return {
        "commune": commune,
        "interventions": interventions,
        "status": analysis["status"],
        "verdict": None if analysis["verdict"] is None else analysis["verdict"].to_dict(),
        "unknown_starts": analysis["unknown_starts"],
        "fit": _fit_dict(analysis["result"]) if fitted else None,
        "p_value_reported": fitted,
        "zero_count_bounds": bounds.to_dict(orient="records"),
        "power": {
            "target": plan.target,
            "reason": plan.reason,
            "skipped": [list(x) for x in plan.skipped],
            "table": plan.table.to_dict(orient="records"),
            "minimum_detectable_drops": plan.minimum_drops.to_dict(orient="records"),
        },
        "data_period": series.period_text(loaded) if loaded is not None else span,
        "data_date": data_dates,
        "sources": used_ids,
        "citations": citations,
        "series": None
        if loaded is None
        else {
            "file": loaded.path.name,
            "place": loaded.place,
            "indicator": loaded.indicator,
            "source_ids": list(loaded.source_ids),
            "period": series.period_text(loaded),
            "rows": len(loaded.frame),
        },
        "headline": {lang: effect(lang) + zero_text(lang) + power_text(lang) for lang in ("vi", "en")},
        "limitations": limitations,
        "thumbnail": thumbnail,
    }


def _fit_dict(result) -> dict[str, Any]:
    """The fit as written to the results file, with its notes in English words beside their keys."""
    return {**result.to_dict(), "notes": [note_text(n, "en") for n in result.note_keys]}


def validation(study, refusal: str, thumbnail: str) -> dict[str, Any]:
    """Key numbers of the method validation on simulated data (vi, en), from ``study`` (an
    ``antt.models.validation.ValidationStudy``) and the refusal text of a too-short simulated series.

    ``coverage`` is the summary row of the moderate-counts scenario (the first scenario when there is none);
    ``scenarios`` every summary row; ``scale_floor`` the scenarios whose coverage is clearly above nominal only
    because the scale is floored at 1, and those clearly below nominal."""
    from antt.models.validation import below_nominal, conservative_by_floor

    summary, alpha = study.summary, study.alpha
    rows = {r["scenario"]: r for r in summary.to_dict(orient="records")}
    main = rows.get("moderate_counts", summary.iloc[0].to_dict())
    conservative, below = conservative_by_floor(summary, alpha), below_nominal(summary, alpha)
    ref = study.reference.set_index("reference_distribution")
    naive, segmented = study.trend_bias.iloc[0], study.trend_bias.iloc[1]
    max_se = max(
        [
            float(summary[c].max())
            for c in ("coverage_se", "coverage_unfloored_se", "false_positive_se", "false_positive_unfloored_se")
        ]
        + [float(ref["mc_se"].max())]
    )
    years = sorted(
        {
            str(s.years_before) if s.years_before == s.years_after else f"{s.years_before}/{s.years_after}"
            for s in study.scenarios
        }
    )

    def lines(lang: str) -> list[str]:
        t, rate = translator(lang), tables.validation_rate
        short = {name: tables.validation_scenario_label(r, lang, short=True) for name, r in rows.items()}
        # "raises ... : conservative" only where the floor clearly lifts coverage above nominal; else neutral words.
        floor = t("val_finding_floor" if main["scenario"] in conservative else "val_finding_floor_neutral").format(
            scenario=short[main["scenario"]],
            rate=format_number(main["baseline_rate"], lang),
            cov_u=rate(main["coverage_unfloored"], main["coverage_unfloored_se"], lang),
            cov=rate(main["coverage"], main["coverage_se"], lang),
            fp_u=rate(main["false_positive_unfloored"], main["false_positive_unfloored_se"], lang),
            fp=rate(main["false_positive_rate"], main["false_positive_se"], lang),
        )
        return [
            t("val_finding_coverage").format(
                n_sim=format_number(study.n_sim, lang),
                level=format_percent(1 - alpha, lang, 0),
                true_rr=format_number(study.true_rr, lang),
                parts="; ".join(f"{short[n]} {rate(r['coverage'], r['coverage_se'], lang)}" for n, r in rows.items()),
            ),
            t("val_finding_false_positive").format(
                alpha=format_percent(alpha, lang, 0),
                parts="; ".join(
                    f"{short[n]} {rate(r['false_positive_rate'], r['false_positive_se'], lang)}"
                    for n, r in rows.items()
                ),
            ),
            floor,
            tables.validation_nominal_text(summary, alpha, lang),
            t("val_finding_reference").format(
                n_sim=format_number(int(ref.loc["t", "n_sim"]), lang),
                alpha=format_percent(alpha, lang, 0),
                fp_t=rate(ref.loc["t", "false_positive_rate"], ref.loc["t", "mc_se"], lang),
                fp_z=rate(ref.loc["z", "false_positive_rate"], ref.loc["z", "mc_se"], lang),
            ),
            t("val_finding_trend").format(
                naive=format_decimal(naive.median_rate_ratio, lang, 2),
                segmented=format_decimal(segmented.median_rate_ratio, lang, 2),
            ),
        ]

    def limitations(lang: str) -> list[str]:
        t = translator(lang)
        return [
            t("val_limit_simulated"),
            t("val_limit_design").format(years=", ".join(years)),
            t("val_limit_mc").format(
                n_sim=format_number(study.n_sim, lang), max_se=format_decimal(100 * max_se, lang, 1)
            ),
            t("val_limit_headline_only"),
            t("val_counting_rules"),
        ]

    return {
        "simulated": True,
        "n_sim": study.n_sim,
        "true_rate_ratio": study.true_rr,
        "alpha": alpha,
        "seed": study.seed,
        "coverage": main,
        "scenarios": summary.to_dict(orient="records"),
        "scale_floor": {"conservative_only_because_of_the_floor": conservative, "below_nominal": below},
        "reference_comparison": study.reference.to_dict(orient="records"),
        "reference_scenario": study.reference_scenario.to_dict(),
        "trend_bias": study.trend_bias.to_dict(orient="records"),
        "trend_scenario": study.trend_scenario.to_dict(),
        "refusal_on_short_series": refusal,
        "data_period": "",
        "data_date": {lang: translator(lang)("val_data_date") for lang in ("vi", "en")},
        "headline": {lang: lines(lang) for lang in ("vi", "en")},
        "limitations": {lang: limitations(lang) for lang in ("vi", "en")},
        "thumbnail": thumbnail,
    }
