"""Key numbers of each notebook, written to ``reports/results/<notebook>.json``.

Plain JSON with sorted keys: byte-identical for equal results, and equal on every machine.

Written precision
-----------------
Every float is written rounded to ``SIGNIFICANT_DIGITS`` = 6 significant digits
(``float(f"{x:.6g}")``, then JSON's shortest round-trip ``repr``, so the text has at most 6
digits: 0.954128, 0.00081406, 11.4767), and any value with ``|x| < ZERO_BELOW`` = 1e-12 is written
as ``0.0`` (``-0.0`` too). Non-finite values are handled by ``antt.jsonable.plain`` first.

Why: the last digits of a statsmodels fit depend on the code path OpenBLAS picks for the CPU
(its summation order), so results written with every digit differed between machines
(``…546168`` against ``…546089``). The precision was measured, not guessed:
``benchmarks/precision.py`` runs the pipeline in a copy of the project, unperturbed and with the
perturbation harness of ``tests/perturb`` (every dense linear-algebra output multiplied by
``1 + k eps``, k a seeded random integer in [-4, 4], as a different summation order would), writes
the results at full precision and compares every float with the unperturbed run. Measured with
seeds 1–4 (python 3.11, numpy 2.4, scipy 1.17, statsmodels 0.15; re-measured 2026-12-04 after the
intervention analysis and the validation study were rebuilt)::

    results file                          floats  moved  max rel dev  stable digits
    pipeline as committed (params.yaml)
    01_clean_source_statistics.json            0      0            0            all
    02_province_results.json                  92      0            0            all
    03_intervention_effect__cong-ly.json       0      0            0            all
    03_intervention_effect__ngoc-lu.json     703      0            0            all
    04_method_validation.json                192     13      3.3e-14             13
      (worst: scenarios[4].mean_log_rr_bias = -0.00289776, a mean of 5,000 fitted log rate ratios)
    notebook 03 fitted to a supplied, overdispersed 13-year series (not committed; same code path)
    03_intervention_effect__ngoc-lu.json     967    224      2.2e-10              9
      by model: negative binomial (BFGS) 2.2e-10 (9 digits); Poisson 1.1e-12 (11); quasi-Poisson
      4.8e-13 (12); Poisson-HAC 2.0e-13 (12); values below 1e-6 (p-values) moved by 5.7e-20 at most

Only model fits move: proportions, exact tests and bounds are closed-form or enumerated and do
not go through BLAS. The fewest stable digits is 9, so with the required margin of at least 3 digits
at most 6 may be written: ``SIGNIFICANT_DIGITS = 6`` (also C's ``%g`` default). That leaves a
margin of 7 digits on the committed results and 5 on the GLM fits, which also covers what the
harness does not model (numpy's CPU-dependent SIMD ``exp``/``log``, the ``@`` operator, longer
BLAS sums). Six digits are more than any report shows (at most 3 decimals).

Not covered by any precision: fits whose outcome itself is ill-posed. On a series without
overdispersion the negative binomial sensitivity fit sits at alpha -> 0; with one seed of four it
flipped from "did not converge" to converged (alpha ~ 1e-9). That is for ``antt.models.its`` to
settle (e.g. report NB as "no overdispersion" near the boundary).

Rounding cannot make every machine agree with certainty: a value whose last digits move by a
relative ``d`` is written differently when a rounding boundary (the midpoint between two 6-digit
decimals) falls within ``d`` of it, which happens with probability of at most ``2 d 10**6`` per
value: ~1e-7 for ``04_method_validation.json``'s three moving values (~1e-3 at 10 digits, ~1 at
full precision, which is the issue this fixes). The slow test ``tests/test_precision.py`` would
show such a case; the remedy is to round that value further where it is computed.

Zero: values that are mathematically zero come out of floating point as ±1e-17-sized noise, whose
sign and digits depend on the machine, and rounding to significant digits would keep that noise.
So any ``|x| < ZERO_BELOW = 1e-12`` is written as ``0.0`` (``-0.0`` too). Rounding noise on this
project's scales (proportions, p-values, rates and rate ratios of counts below ~1e4) stays below
~1e-12, and nothing reported is meaningfully smaller (reports show p-values below 0.001 as
"< 0.001"); genuine small values above it keep their 6 digits (in the measurement, values below
1e-6 moved by 3.9e-20 at most). No exact zero moved in the measurement.

Not rounded here: ``data/processed/*.csv`` (``antt.data.io.csv_text``, ``.15g``) hold the figures parsed
from the article, exact decimals (``antt.numerals`` parses with ``Decimal``) that never pass
through a fit, so their text is the same on every machine.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from antt import paths
from antt.data.io import write_json_atomic
from antt.jsonable import plain

#: Significant digits of every float written to a results file (see the module docstring).
SIGNIFICANT_DIGITS = 6
#: Floats with a smaller magnitude are written as 0.0 (noise around a mathematical zero).
ZERO_BELOW = 1e-12


def round_float(x: float) -> float:
    """``x`` as written to a results file: ``SIGNIFICANT_DIGITS`` significant digits, 0.0 below ``ZERO_BELOW``.

    Deterministic (Python's correctly rounded decimal conversion, the same on every platform) and
    idempotent: ``round_float(round_float(x)) == round_float(x)``. Non-finite values pass unchanged.
    """
    if not math.isfinite(x):
        return x
    if abs(x) < ZERO_BELOW:
        return 0.0
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def rounded(value: Any) -> Any:
    """Every float in JSON-ready data (dicts, lists, scalars: the output of ``plain``) through ``round_float``."""
    if isinstance(value, float):
        return round_float(value)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def job_name(notebook: str) -> str:
    """The runner's name for this run (one per parameter set); the notebook's name otherwise."""
    return os.environ.get("ANTT_JOB") or notebook


def write(notebook: str, data: dict[str, Any], results_dir: str | Path | None = None) -> Path:
    """Write ``<results_dir>/<job name>.json`` (see ``job_name``), floats rounded (see the module docstring)."""
    return write_json_atomic(rounded(plain(data)), Path(results_dir or paths.RESULTS) / f"{job_name(notebook)}.json")


def thumbnail(exported: dict[str, dict[str, dict]]) -> dict[str, str]:
    """For each language of ``exported`` (language → figure name → files): the path of the first figure's PNG,
    relative to the reports folder (for the index card); {} when nothing was exported (no picture)."""
    return {
        lang: f"figures/{Path(next(iter(figures.values()))['png']).name}"
        for lang, figures in exported.items()
        if figures
    }
