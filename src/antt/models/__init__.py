"""Statistical models: proportions, bounded ratios, Poisson bounds, interrupted time series, power.

Plain functions returning frozen dataclasses (each with ``to_dict()`` giving JSON-ready Python values,
floats unrounded) or DataFrames. This package knows nothing of files, notebooks or the rest of ``antt``.
"""

from antt.models.counts import RateEstimate, poisson_rate_interval, zero_count_upper_bound, zero_count_upper_bounds
from antt.models.its import (
    HAC_CAVEAT,
    InsufficientDataError,
    InterventionSupport,
    ITSResult,
    NaiveComparison,
    SufficiencyVerdict,
    check_sufficiency,
    counterfactual,
    fit_its,
    naive_before_after,
)
from antt.models.power import (
    Design,
    MinimumDetectableDrop,
    PowerResult,
    Scenario,
    design_matrix,
    detect_drops,
    detection_power,
    minimum_detectable_drop,
    minimum_detectable_drop_table,
    poisson_irls,
    power_table,
    simulate_counts,
    wald_power,
)
from antt.models.proportions import (
    ExactTestResult,
    HomogeneityResult,
    ProportionEstimate,
    exact_homogeneity_test,
    homogeneity_test,
    proportion_interval,
)
from antt.models.ratios import Bounded, RatioEstimate, derived_ratio, sum_bounded
from antt.models.validation import coverage_study, simulate_series, summarise_coverage

__all__ = [
    "HAC_CAVEAT",
    "Bounded",
    "Design",
    "ExactTestResult",
    "HomogeneityResult",
    "ITSResult",
    "InsufficientDataError",
    "InterventionSupport",
    "MinimumDetectableDrop",
    "NaiveComparison",
    "PowerResult",
    "ProportionEstimate",
    "RateEstimate",
    "RatioEstimate",
    "Scenario",
    "SufficiencyVerdict",
    "check_sufficiency",
    "counterfactual",
    "coverage_study",
    "derived_ratio",
    "design_matrix",
    "detect_drops",
    "detection_power",
    "exact_homogeneity_test",
    "fit_its",
    "homogeneity_test",
    "minimum_detectable_drop",
    "minimum_detectable_drop_table",
    "naive_before_after",
    "poisson_irls",
    "poisson_rate_interval",
    "power_table",
    "proportion_interval",
    "simulate_counts",
    "simulate_series",
    "sum_bounded",
    "summarise_coverage",
    "wald_power",
    "zero_count_upper_bound",
    "zero_count_upper_bounds",
]
