"""Key numbers and plain-language findings of each notebook, in Vietnamese and English.

Everything here is computed from the processed data and the models' results; the notebooks pass
the dictionaries to ``antt.results.write`` and the report header and index read them back.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from antt.tables import format_decimal, format_p, format_percent


def data_period(indicators: pd.DataFrame) -> str:
    """'2018–2022': first and last year any figure refers to."""
    years = pd.concat([indicators["period_start"], indicators["period_end"]]).dropna()
    return f"{int(years.min())}–{int(years.max())}" if len(years) else ""


def data_date(sources: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> str:
    latest = indicators["period_end"].dropna().max()
    dates = sorted(set(sources["publication_date"]))
    if dates == ["unknown"]:
        return (f"Ngày đăng không nêu trong bài; số liệu mới nhất đến hết năm {latest}" if lang == "vi"
                else f"Publication date not stated; the latest figures are for the end of {latest}")
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
            "vi": [f"{n_fig} số liệu thống kê được chép từ bài báo; {n_exc} con số khác được loại trừ kèm lý do.",
                   f"{repeated} giá trị lặp lại ở các chỉ tiêu khác nhau: cần đối chiếu tại nguồn.",
                   f"{periods} số liệu có thời gian suy ra hoặc không nêu."],
            "en": [f"{n_fig} statistics transcribed from the article; {n_exc} other numbers excluded with a reason.",
                   f"{repeated} values repeat across different indicators: verify at source.",
                   f"{periods} figures have an implied or unstated period."],
        },
        "limitations": {
            "vi": [("Nguồn duy nhất là một bài báo đưa lại số liệu chính thức; chưa đối chiếu được với hồ sơ gốc." if n_src == 1
                    else f"{n_src} nguồn, chưa nguồn nào được đối chiếu với hồ sơ gốc."),
                   f"{periods} số liệu không nêu rõ thời gian; thời gian ghi trong dữ liệu là suy ra từ ngữ cảnh.",
                   "Cận dưới, cận trên của «gần», «trên», «hàng trăm» theo quy ước làm tròn, không phải khoảng tin cậy."],
            "en": [("The only source is a newspaper article reporting official figures; the underlying records were not seen." if n_src == 1
                    else f"{n_src} sources, none checked against the underlying records."),
                   f"{periods} figures do not state their period; the period recorded is implied by context.",
                   "Bounds of «gần» (nearly), «trên» (more than) and «hàng trăm» (hundreds) follow a rounding convention; they are not confidence intervals."],
        },
    }


METHOD_NAMES = {"wilson": "Wilson", "clopper-pearson": "Clopper–Pearson"}


def province(props: pd.DataFrame, homogeneity, ratios: pd.DataFrame, indicators: pd.DataFrame,
             sources: pd.DataFrame, units: dict[str, dict[str, str]], thumbnail: str) -> dict[str, Any]:
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
                ("Tỷ lệ đạt khác nhau giữa các loại đơn vị" if differs else "Không có bằng chứng tỷ lệ đạt khác nhau giữa các loại đơn vị")
                + f": kiểm định chính xác p = {format_p(homogeneity.exact.p_value, lang)}"
                + (" (xấp xỉ khi bình phương đáng ngờ)." if homogeneity.approximation_doubtful else "."),
                f"Hòa giải thành {format_percent(mediation.proportion, lang)} vụ việc (KTC {level}% {format_percent(mediation.lower, lang)}–{format_percent(mediation.upper, lang)}).",
                f"Bình quân {format_decimal(members.lower, lang)}–{format_decimal(members.upper, lang)} thành viên mỗi tổ (mô tả, theo cận của «gần 20 nghìn»).",
            ]
        return [
            f"Lowest share meeting the “safe for security and order” standard: {u[lowest.indicator]}, {format_percent(lowest.proportion, lang)} "
            f"({level}% CI {format_percent(lowest.lower, lang)}–{format_percent(lowest.upper, lang)}, {METHOD_NAMES[lowest.method]}).",
            ("The share differs across the kinds of unit" if differs else "No evidence that the share differs across the kinds of unit")
            + f": exact test p = {format_p(homogeneity.exact.p_value, lang)}"
            + (" (chi-square approximation doubtful)." if homogeneity.approximation_doubtful else "."),
            f"{format_percent(mediation.proportion, lang)} of disputes mediated successfully ({level}% CI {format_percent(mediation.lower, lang)}–{format_percent(mediation.upper, lang)}).",
            f"{format_decimal(members.lower, lang)}–{format_decimal(members.upper, lang)} members per team (descriptive, from the bounds of «gần 20 nghìn»).",
        ]

    limitations = {
        "vi": ["Các tỷ lệ là số đơn vị được chính quyền tự đánh giá đạt chuẩn; bài báo không nêu tiêu chí và cách đánh giá.",
               "Khoảng tin cậy coi các đơn vị như mẫu độc lập từ một quá trình chung; với toàn bộ đơn vị của tỉnh, chúng mô tả độ bất định của tỷ lệ nền, không phải sai số chọn mẫu.",
               "Các tỷ số (thành viên mỗi tổ, …) là mô tả; cận của chúng đến từ từ định lượng, không phải khoảng tin cậy.",
               "Không có số liệu theo năm: không thể đánh giá xu hướng hay tác động của chương trình phối hợp."],
        "en": ["The shares are counts of units that the authorities themselves assessed as meeting the standard; the article gives neither the criteria nor the assessment method.",
               "Intervals treat the units as independent draws from a common process; for the province's complete set of units they describe uncertainty about the underlying rate, not sampling error.",
               "Ratios (members per team, …) are descriptive; their bounds come from the qualifiers, not from sampling.",
               "No yearly figures: neither trends nor the effect of the coordination programme can be assessed."],
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


def intervention(commune: str, outcome_label: dict[str, str], analysis: dict[str, Any], refusal: dict[str, str],
                 zero: Any, bounds: pd.DataFrame, needed: pd.DataFrame, figures_table: pd.DataFrame,
                 sources: pd.DataFrame, interventions: dict[str, int | None], thumbnail: str) -> dict[str, Any]:
    """Key numbers of the intervention analysis and what it can and cannot say (vi, en)."""
    alpha = float(bounds["alpha"].iloc[0]) if len(bounds) else 0.05
    level = f"{100 * (1 - alpha):.0f}"
    fitted = analysis["result"] is not None

    def effect(lang: str) -> str:
        if not fitted:
            return refusal[lang]
        rr = analysis["result"].rate_ratios
        head = rr[rr["headline"] & (rr["kind"] == "level")].iloc[0]
        if head.status == "not identified":  # no estimate exists: say so instead of writing "nan"
            return (f"Tỷ số tỷ suất (thay đổi mức) của «{head.intervention}»: không xác định được (quá ít ca quanh mốc để ước lượng), {head.model}."
                    if lang == "vi" else
                    f"Rate ratio (level change) of «{head.intervention}»: not identified (too few events around the step to estimate it), {head.model}.")
        ratio = lambda x: "∞" if x == float("inf") else format_decimal(x, lang, 2)  # noqa: E731 - an unbounded side
        method = "" if head.interval_method == "Wald" else f", {head.interval_method}"
        if lang == "vi":
            method = method and (", khoảng hợp lý hồ sơ một phía" if head.status == "boundary" else ", khoảng hợp lý hồ sơ")
            return (f"Tỷ số tỷ suất (thay đổi mức) của «{head.intervention}»: {ratio(head.rate_ratio)} "
                    f"(KTC {level}% {ratio(head.lower)}–{ratio(head.upper)}, {head.model}{method}).")
        return (f"Rate ratio (level change) of «{head.intervention}»: {ratio(head.rate_ratio)} "
                f"({level}% CI {ratio(head.lower)}–{ratio(head.upper)}, {head.model}{method}).")

    def zero_text(lang: str) -> list[str]:
        if zero is None or bounds.empty:
            return []
        first, last = bounds.iloc[0], bounds.iloc[-1]
        if lang == "vi":
            return [f"«{zero.raw_text}» không có nghĩa là tỷ suất bằng 0: với thời gian theo dõi {format_decimal(first.followup_years, lang, 0)} năm, "
                    f"tỷ suất thật có thể tới {format_decimal(first.upper_rate_per_year, lang)} ca/năm; với {format_decimal(last.followup_years, lang, 0)} năm, "
                    f"tới {format_decimal(last.upper_rate_per_year, lang)} ca/năm (cận trên chính xác Poisson {level}%, một phía). Bài báo không nêu thời gian."]
        return [f"«{zero.raw_text}» (no new addicts) does not mean a zero rate: over {format_decimal(first.followup_years, lang, 0)} year(s) of follow-up "
                f"the true rate could be up to {format_decimal(first.upper_rate_per_year, lang)} per year; over {format_decimal(last.followup_years, lang, 0)} years, "
                f"up to {format_decimal(last.upper_rate_per_year, lang)} per year (exact one-sided {level}% Poisson bound). The article does not state the period."]

    def power_text(lang: str) -> list[str]:
        longest = int(needed.attrs.get("max_years", 0))
        lines = []
        for drop in sorted(set(needed["relative_drop"])):
            if drop not in (0.5, 1.0):
                continue
            parts = []
            for r in needed[needed["relative_drop"] == drop].itertuples():
                if pd.isna(r.years_each_side):
                    years = f"> {longest}"
                else:
                    years = str(int(r.years_each_side))
                parts.append(f"{format_decimal(r.baseline_rate, lang, 0)} → {years}")
            pct = f"{100 * drop:.0f}%"
            lines.append((f"Mô phỏng: để phát hiện mức giảm {pct} với khả năng 80% cần (số ca mỗi năm trước can thiệp → số năm mỗi phía) "
                          if lang == "vi" else
                          f"Simulated: to detect a {pct} drop with 80% power you need (cases per year before → years on each side) ")
                         + "; ".join(parts) + ".")
        return lines

    years = pd.concat([figures_table["period_start"], figures_table["period_end"]]).dropna()
    span = f"{int(years.min())}–{int(years.max())}" if len(years) else ""
    n_fig = len(figures_table)
    if fitted:
        n_points = analysis["result"].n_points
        basis = {"vi": f"Ước lượng dựa trên {n_points} điểm số liệu của chuỗi được cung cấp; kiểm tra nguồn và định nghĩa của chuỗi.",
                 "en": f"The estimates rest on the {n_points} points of the series supplied; check its source and definitions."}
    elif n_fig:
        basis = {"vi": f"Bài báo chỉ có {n_fig} số liệu cho xã {commune} ({span or 'không rõ năm'}), không có chuỗi số đếm theo năm: không thể ước lượng tác động.",
                 "en": f"The article gives only {n_fig} figure(s) for xã {commune} ({span or 'years not stated'}) and no yearly counts: no effect can be estimated."}
    else:
        basis = {"vi": f"Bài báo không có số liệu nào cho xã {commune}: không thể ước lượng tác động.",
                 "en": f"The article gives no figure for xã {commune}: no effect can be estimated."}
    limitations = {
        "vi": [basis["vi"],
               "Số liệu trong bài báo là số liệu báo cáo lại cho báo chí; chưa có hồ sơ gốc theo năm.",
               "Số liệu mô phỏng chỉ dùng để tính khả năng phát hiện; chúng không phải số liệu của xã."],
        "en": [basis["en"],
               "The article's figures were reported to a newspaper; no yearly records were available.",
               "Simulated data are used only to compute power; they are not the commune's data."],
    }
    return {
        "commune": commune,
        "interventions": interventions,
        "status": analysis["status"],
        "verdict": None if analysis["verdict"] is None else analysis["verdict"].to_dict(),
        "unknown_starts": analysis["unknown_starts"],
        "fit": analysis["result"].to_dict() if fitted else None,
        "p_value_reported": fitted,
        "zero_count_bounds": bounds.to_dict(orient="records"),
        "years_needed": needed.to_dict(orient="records"),
        "data_period": span,
        "data_date": {lang: data_date(sources, figures_table, lang) if len(figures_table) else "" for lang in ("vi", "en")},
        "headline": {lang: [effect(lang)] + zero_text(lang) + power_text(lang) for lang in ("vi", "en")},
        "limitations": limitations,
        "thumbnail": thumbnail,
    }


def validation(coverage: dict, true_rr: float, comparison: pd.DataFrame, bias: pd.DataFrame, refusal: str,
               thumbnail: str) -> dict[str, Any]:
    """Key numbers of the method validation on simulated data (vi, en)."""
    t_row = comparison.set_index("reference_distribution")
    naive, segmented = bias.iloc[0], bias.iloc[1]

    def lines(lang: str) -> list[str]:
        cov = f"{format_percent(coverage['coverage'], lang)} ({format_percent(coverage['coverage_lower'], lang)}–{format_percent(coverage['coverage_upper'], lang)})"
        fp_t, fp_z = format_percent(t_row.loc["t", "false_positive_rate"], lang), format_percent(t_row.loc["z", "false_positive_rate"], lang)
        if lang == "vi":
            return [f"Mô phỏng: khoảng 95% của tỷ số tỷ suất phủ giá trị thật {format_decimal(true_rr, lang, 2)} trong {cov} của {coverage['n_sim']} chuỗi.",
                    f"Mô phỏng, chuỗi ngắn không có tác động: tỷ lệ dương tính giả {fp_t} với phân phối t, {fp_z} với phân phối z (danh nghĩa 5%).",
                    f"Mô phỏng, xu hướng giảm sẵn có và không có tác động: so sánh trước–sau cho trung vị {format_decimal(naive.median_rate_ratio, lang, 2)}, "
                    f"mô hình phân đoạn {format_decimal(segmented.median_rate_ratio, lang, 2)} (giá trị thật 1)."]
        return [f"Simulated: the 95% interval of the rate ratio covers the true value {format_decimal(true_rr, lang, 2)} in {cov} of {coverage['n_sim']} series.",
                f"Simulated short series with no effect: false-positive rate {fp_t} with a t reference, {fp_z} with z (nominal 5%).",
                f"Simulated falling trend, no effect: the naive before/after ratio has median {format_decimal(naive.median_rate_ratio, lang, 2)}, "
                f"the segmented model {format_decimal(segmented.median_rate_ratio, lang, 2)} (true value 1)."]

    return {
        "simulated": True,
        "coverage": coverage,
        "true_rate_ratio": true_rr,
        "reference_comparison": comparison.to_dict(orient="records"),
        "trend_bias": bias.to_dict(orient="records"),
        "refusal_on_short_series": refusal,
        "data_period": "",
        "data_date": {"vi": "Dữ liệu mô phỏng (không phải số liệu thật)", "en": "Simulated data (not real data)"},
        "headline": {lang: lines(lang) for lang in ("vi", "en")},
        "limitations": {
            "vi": ["Mọi số liệu trong báo cáo này là mô phỏng: chúng kiểm tra phương pháp, không nói gì về Hà Nam.",
                   "Mô phỏng giả định số đếm Poisson (hoặc nhị thức âm) độc lập giữa các năm; số liệu thật có thể tự tương quan."],
            "en": ["Every number in this report is simulated: it checks the method and says nothing about Hà Nam.",
                   "The simulations assume Poisson (or negative binomial) counts independent across years; real data may be autocorrelated."],
        },
        "thumbnail": thumbnail,
    }
