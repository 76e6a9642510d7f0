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
