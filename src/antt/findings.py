"""Key numbers and plain-language findings of each notebook, in Vietnamese and English.

Everything here is computed from the processed data and the models' results; the notebooks pass
the dictionaries to ``antt.results.write`` and the report header and index read them back.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


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
    n_fig, n_exc = len(raw.figures), len(raw.exclusions)
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
            "vi": ["Nguồn duy nhất là một bài báo đưa lại số liệu chính thức; chưa đối chiếu được với hồ sơ gốc.",
                   f"{periods} số liệu không nêu rõ thời gian; thời gian ghi trong dữ liệu là suy ra từ ngữ cảnh.",
                   "Cận dưới, cận trên của «gần», «trên», «hàng trăm» theo quy ước làm tròn, không phải khoảng tin cậy."],
            "en": ["The only source is a newspaper article reporting official figures; the underlying records were not seen.",
                   f"{periods} figures do not state their period; the period recorded is implied by context.",
                   "Bounds of «gần» (nearly), «trên» (more than) and «hàng trăm» (hundreds) follow a rounding convention; they are not confidence intervals."],
        },
    }


METHOD_NAMES = {"wilson": "Wilson", "clopper-pearson": "Clopper–Pearson"}


def _dec(x: float, lang: str, decimals: int = 1) -> str:
    text = f"{x:.{decimals}f}"
    return text.replace(".", ",") if lang == "vi" else text


def _pct(x: float, lang: str) -> str:
    return _dec(100 * x, lang) + "%"


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
                f"Tỷ lệ đạt chuẩn “An toàn về ANTT” thấp nhất ở {u[lowest.indicator]}: {_pct(lowest.proportion, lang)} "
                f"(KTC {level}% {_pct(lowest.lower, lang)}–{_pct(lowest.upper, lang)}, {METHOD_NAMES[lowest.method]}).",
                ("Tỷ lệ đạt khác nhau giữa các loại đơn vị" if differs else "Không có bằng chứng tỷ lệ đạt khác nhau giữa các loại đơn vị")
                + f": kiểm định chính xác p = {_dec(homogeneity.exact.p_value, lang, 3)}"
                + (" (xấp xỉ khi bình phương đáng ngờ)." if homogeneity.approximation_doubtful else "."),
                f"Hòa giải thành {_pct(mediation.proportion, lang)} vụ việc (KTC {level}% {_pct(mediation.lower, lang)}–{_pct(mediation.upper, lang)}).",
                f"Bình quân {_dec(members.lower, lang)}–{_dec(members.upper, lang)} thành viên mỗi tổ (mô tả, theo cận của «gần 20 nghìn»).",
            ]
        return [
            f"Lowest share meeting the “safe for security and order” standard: {u[lowest.indicator]}, {_pct(lowest.proportion, lang)} "
            f"({level}% CI {_pct(lowest.lower, lang)}–{_pct(lowest.upper, lang)}, {METHOD_NAMES[lowest.method]}).",
            ("The share differs across the kinds of unit" if differs else "No evidence that the share differs across the kinds of unit")
            + f": exact test p = {_dec(homogeneity.exact.p_value, lang, 3)}"
            + (" (chi-square approximation doubtful)." if homogeneity.approximation_doubtful else "."),
            f"{_pct(mediation.proportion, lang)} of disputes mediated successfully ({level}% CI {_pct(mediation.lower, lang)}–{_pct(mediation.upper, lang)}).",
            f"{_dec(members.lower, lang)}–{_dec(members.upper, lang)} members per team (descriptive, from the bounds of «gần 20 nghìn»).",
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
