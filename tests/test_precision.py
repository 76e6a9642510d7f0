"""Results are written with a precision every machine agrees on (``antt.reporting.results``), proven with the
perturbation harness of ``tests/perturb`` instead of another CPU (no ``OPENBLAS_*`` variable is set
or changed here: the harness multiplies linear-algebra outputs by ``1 + k eps`` itself). The suite's one
build of the reports runs under the harness (see the end of this module)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from decimal import Decimal

import numpy as np
from hypothesis import assume, example, given
from hypothesis import strategies as st

from antt.reporting import results
from antt.reporting.results import SIGNIFICANT_DIGITS, ZERO_BELOW, round_float, rounded

from conftest import PERTURB

SEED_ENV = "ANTT_PERTURB_SEED"


def _env(**extra: str) -> dict[str, str]:
    """This process's environment (OPENBLAS_* included, as found) with the harness on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != SEED_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PERTURB), os.environ.get("PYTHONPATH")) if p)
    return {**env, **extra}


# --------------------------------------------------------------------------------------------
# The rounding
# --------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
# The double nearest a midpoint between two written values (0.123456785 at 8 digits).
BOUNDARY = float("0." + "1234567890123456"[:SIGNIFICANT_DIGITS] + "5")


def _significant_digits(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return max(len(mantissa), 1)


@given(finite)
@example(0.1 + 0.2)
@example(-0.007379285269546089)
@example(1e-12)
@example(-0.0)
def test_rounding_is_idempotent_and_short(x):
    once = round_float(x)
    assert round_float(once) == once
    text = json.dumps(once)
    assert _significant_digits(text) <= SIGNIFICANT_DIGITS
    assert text != "-0.0"


@given(finite)
def test_rounding_moves_a_value_by_at_most_half_a_unit_of_its_last_digit(x):
    assume(abs(x) >= ZERO_BELOW)
    exponent = Decimal(x).adjusted()  # position of the first significant digit
    half_unit = Decimal(5) * Decimal(10) ** (exponent - SIGNIFICANT_DIGITS)
    # float() of the decimal adds at most half an ulp of the result.
    ulp = Decimal(math.ulp(round_float(x)))
    assert abs(Decimal(round_float(x)) - Decimal(x)) <= half_unit + ulp


def test_noise_around_zero_is_written_as_zero():
    for noise in (1e-17, -1e-17, 2.2e-16, -3e-13, -0.0, 0.0):
        assert json.dumps(round_float(noise)) == "0.0"
    assert round_float(2 * ZERO_BELOW) == 2 * ZERO_BELOW
    assert rounded({"a": [1e-17, 1.0, True, 3, None, "x"]}) == {"a": [0.0, 1.0, True, 3, None, "x"]}


@given(finite, st.integers(-4, 4))
@example(BOUNDARY, 1)
@example(BOUNDARY, -1)
def test_a_few_ulps_change_the_text_only_across_a_rounding_boundary(x, k):
    """What is true: x and x moved by k ulps are written alike, unless a rounding boundary (the midpoint
    between two neighbouring SIGNIFICANT_DIGITS-digit decimals) lies between them. The band where that
    can happen is k ulps wide, ~1e-15 relative against a spacing of 10**(1 - SIGNIFICANT_DIGITS)."""

    y = x
    for _ in range(abs(k)):
        y = math.nextafter(y, math.copysign(math.inf, k))
    assume(math.isfinite(y) and min(abs(x), abs(y)) >= 2 * ZERO_BELOW)
    a, b = round_float(x), round_float(y)
    if a == b:
        return
    lo, hi = sorted((Decimal(x), Decimal(y)))
    ra, rb = sorted((Decimal(repr(a)), Decimal(repr(b))))
    # Neighbours at the written precision, and their midpoint between the two inputs.
    assert rb - ra <= Decimal(10) ** (max(ra.adjusted(), rb.adjusted()) - SIGNIFICANT_DIGITS + 1)
    assert lo <= (ra + rb) / 2 <= hi


def test_a_value_on_a_rounding_boundary_is_the_exception():
    """The band exists: the doubles either side of a midpoint are written differently (which is why
    the build under the harness exists). But it is narrow: in a fixed sample of 100 000 random values moved by
    up to 4 ulps none is written differently (about 2e-5 expected at 6 digits)."""
    below, above = math.nextafter(BOUNDARY, 0), math.nextafter(BOUNDARY, 1)
    assert round_float(below - 4 * math.ulp(below)) != round_float(above + 4 * math.ulp(above))
    rng = np.random.default_rng(20240101)
    values = rng.lognormal(0, 3, 100_000) * rng.choice([-1, 1], 100_000)
    moved = [v * (1 + int(k) * sys.float_info.epsilon) for v, k in zip(values, rng.integers(-4, 5, 100_000))]
    assert sum(round_float(float(v)) != round_float(float(m)) for v, m in zip(values, moved)) == 0


def test_results_write_rounds_every_float(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTT_JOB", raising=False)
    path = results.write(
        "nb",
        {
            "sum": np.float64(0.1) + np.float64(0.2),
            "third": [1 / 3],
            "n": np.int64(3),
            "flag": True,
            "nan": math.nan,
            "noise": -1e-17,
        },
        tmp_path,
    )
    third = float("0." + "3" * SIGNIFICANT_DIGITS)
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "sum": 0.3,
        "third": [third],
        "n": 3,
        "flag": True,
        "nan": None,
        "noise": 0.0,
    }
    assert f'"third": [\n    {third!r}\n  ]' in path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------------------------

PROBE = r"""
import json, os, sys
import numpy as np

rng = np.random.default_rng(0)
a, b = rng.normal(size=(8, 8)), rng.normal(size=8)
svd = np.linalg.svd(a)
x, residuals, rank, s = np.linalg.lstsq(a[:, :5], b, rcond=None)
print(json.dumps({
    "active": getattr(sys.modules.get("sitecustomize"), "ACTIVE", None),
    "solve": np.linalg.solve(a, b).tolist(),
    "lstsq": x.tolist(),
    "svd_type": type(svd).__name__, "svd_shapes": [list(v.shape) for v in svd],
    "rank": [type(rank).__name__, int(rank)],
    "sign": float(np.linalg.slogdet(a).sign),
    "int_dot": np.dot(np.arange(4), np.arange(4)).item(),
    "zero": np.linalg.solve(np.eye(3), np.zeros(3)).tolist(),
    "openblas": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")},
}))
"""

GLM_PROBE = r"""
import json
import numpy as np
import statsmodels.api as sm

y = np.random.default_rng(0).poisson(5, size=40)
fit = sm.GLM(y, sm.add_constant(np.arange(40.0)), family=sm.families.Poisson()).fit()
print(json.dumps(fit.params.tolist() + fit.bse.tolist() + [fit.deviance]))
"""


def _probes(code: str, *envs: dict[str, str]) -> list:
    """Run ``code`` once per environment, all at once; its JSON output for each."""
    running = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for env in envs
    ]
    outputs = []
    for process in running:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        outputs.append(json.loads(stdout))
    return outputs


def test_harness_is_active_in_a_subprocess_only_with_the_seed():
    plain, off, seeded, again = _probes(
        PROBE,
        _env() | {"PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        _env(),
        _env(**{SEED_ENV: "1"}),
        _env(**{SEED_ENV: "1"}),
    )
    assert plain["active"] is None and off["active"] is False and seeded["active"] is True
    assert off["solve"] == plain["solve"] and off["lstsq"] == plain["lstsq"]  # on PYTHONPATH but off: inert
    assert seeded["solve"] != off["solve"] and seeded["lstsq"] != off["lstsq"]  # on: the last digits move...
    assert np.allclose(seeded["solve"], off["solve"], rtol=1e-13, atol=0)  # ...and only those
    assert seeded == again  # seeded: reproducible
    for key in ("svd_type", "svd_shapes", "rank", "sign", "int_dot", "zero"):  # the API is unchanged
        assert seeded[key] == off[key], key
    openblas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    assert seeded["openblas"] == off["openblas"] == openblas  # left as found


def test_harness_moves_the_last_digits_of_a_statsmodels_fit():
    off, seeded = _probes(GLM_PROBE, _env(), _env(**{SEED_ENV: "1"}))
    assert seeded != off
    assert np.allclose(seeded, off, rtol=1e-12, atol=0)


# The proof, that a run whose linear algebra is off by a few ulps (as on another CPU) writes the committed
# reports/ and data/processed/ byte for byte, is the suite's one build: conftest.built_project runs under
# this harness (conftest.PERTURBED_ENV), and tests/test_reports.py compares its outputs with the committed ones.
