"""Shared results (antt.memo): computed once for the same name, arguments and code, and again when any changes;
jobs running at the same time compute a result once; a power plan is the same from the cache as computed."""

import multiprocessing
import pickle
from pathlib import Path

import pandas as pd

from antt import memo

CODE = (memo.Path(memo.__file__),)


def _counting(calls: list, value):
    def compute():
        calls.append(value)
        return value

    return compute


def test_computed_once_for_the_same_inputs_and_again_when_they_change(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTT_SHARED_CACHE", str(tmp_path))
    calls: list = []
    assert memo.shared("f", {"a": 1}, CODE, _counting(calls, 10)) == 10
    assert memo.shared("f", {"a": 1}, CODE, _counting(calls, 99)) == 10  # shared: not computed again
    assert memo.shared("f", {"a": 2}, CODE, _counting(calls, 20)) == 20  # other arguments
    assert memo.shared("g", {"a": 1}, CODE, _counting(calls, 30)) == 30  # another name
    other_code = tmp_path / "code.py"
    other_code.write_text("x = 1\n", encoding="utf-8")
    assert memo.shared("f", {"a": 1}, (other_code,), _counting(calls, 40)) == 40  # other code
    other_code.write_text("x = 2\n", encoding="utf-8")
    assert memo.shared("f", {"a": 1}, (other_code,), _counting(calls, 50)) == 50  # the code changed
    assert calls == [10, 20, 30, 40, 50]


def test_switched_off_computes_every_time(monkeypatch):
    monkeypatch.setenv("ANTT_SHARED_CACHE", "none")
    calls: list = []
    memo.shared("f", {"a": 1}, CODE, _counting(calls, 1))
    memo.shared("f", {"a": 1}, CODE, _counting(calls, 1))
    assert calls == [1, 1] and memo.folder() is None


def test_a_damaged_result_is_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTT_SHARED_CACHE", str(tmp_path))
    memo.shared("f", {}, CODE, lambda: 1)
    (stored,) = tmp_path.glob("*.pickle")
    stored.write_bytes(b"not a pickle")
    assert memo.shared("f", {}, CODE, lambda: 2) == 2
    assert pickle.loads(stored.read_bytes()) == 2


def _slow_compute(log: str) -> int:
    import time

    with open(log, "a", encoding="utf-8") as out:
        out.write("computed\n")
    time.sleep(0.5)
    return 7


def _ask(folder: str, log: str) -> int:
    import functools
    import os

    os.environ["ANTT_SHARED_CACHE"] = folder
    return memo.shared("slow", {}, CODE, functools.partial(_slow_compute, log))


def test_jobs_asking_at_the_same_time_compute_once(tmp_path):
    log = tmp_path / "log.txt"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        answers = pool.starmap(_ask, [(str(tmp_path / "shared"), str(log))] * 3)
    assert answers == [7, 7, 7]
    assert log.read_text(encoding="utf-8").splitlines() == ["computed"]


def test_a_power_plan_from_the_cache_is_the_computed_one(tmp_path, monkeypatch):
    from antt.analyses import intervention

    def plan():
        return intervention.power_plan({"A": 2018}, [[2014, 2022]], [5.0], [0.5], n_sim=200, seed=3)

    monkeypatch.setenv("ANTT_SHARED_CACHE", "none")
    computed = plan()
    monkeypatch.setenv("ANTT_SHARED_CACHE", str(tmp_path))
    first, second = plan(), plan()
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    for result in (first, second):
        pd.testing.assert_frame_equal(result.table, computed.table, check_exact=True)
        pd.testing.assert_frame_equal(result.minimum_drops, computed.minimum_drops, check_exact=True)


def test_the_power_plan_key_covers_all_the_code_it_runs():
    """A change to any module a power plan runs changes its key: MODEL_CODE is the import closure of the power
    model (the package's __init__ files aside: they define nothing)."""
    from antt.analyses import intervention
    from antt.pipeline import inputs

    closure = {f for f in inputs.import_closure(["antt.models.power"]) if not f.endswith("__init__.py")}
    listed = {path.relative_to(inputs.PACKAGE).as_posix() for path in intervention.MODEL_CODE}
    assert listed == closure


def test_a_shared_power_figure_is_the_one_drawn_for_each_commune(tmp_path, monkeypatch):
    """Two communes with the same design share one drawing of the power heatmap (it depends on the design
    only); the files written from the cache are byte-identical to a fresh drawing, and the commune's own
    figures are still drawn for each commune."""
    from antt.analyses import intervention
    from antt.data import clean, codebook

    code_book = codebook.load_indicators()
    interventions = {"Ba không với ma túy": 2022}
    plan = intervention.power_plan(interventions, [[2012, 2025]], [5.0], [0.5], n_sim=20, seed=3)

    def draw(commune: str, folder: Path) -> dict:
        figures_table = intervention.commune_figures(clean.load_indicators(), commune)
        series = intervention.series_from_indicators(figures_table, "new_drug_addicts")
        analysis = intervention.analyse(series, interventions, "new addicts", 0.05)
        return intervention.make_figures(
            figures_table, interventions, analysis, plan, code_book, "Source", "en", folder, "c"
        )

    monkeypatch.setenv("ANTT_SHARED_CACHE", "none")
    fresh = draw("Ngọc Lũ", tmp_path / "fresh")
    monkeypatch.setenv("ANTT_SHARED_CACHE", str(tmp_path / "cache"))
    first = draw("Ngọc Lũ", tmp_path / "first")
    drawn = []
    monkeypatch.setattr(intervention, "_power_figure", lambda *args: drawn.append(args))  # must not be called
    second = draw("Công Lý", tmp_path / "second")
    assert drawn == [] and set(first) == set(fresh) and "power" in second
    for ext in ("png", "svg"):
        assert first["power"][ext].read_bytes() == fresh["power"][ext].read_bytes()
        assert second["power"][ext].read_bytes() == fresh["power"][ext].read_bytes()
        assert first["timeline"][ext].read_bytes() == fresh["timeline"][ext].read_bytes()
    assert (first["power"]["title"], first["power"]["caption"]) == (fresh["power"]["title"], fresh["power"]["caption"])


def test_the_power_figure_key_covers_all_the_code_it_runs():
    """FIGURE_CODE is the import closure of the module that draws the power figure and of the figures module
    (the package's __init__ files aside), and the catalogue its words come from."""
    from antt import paths
    from antt.analyses import intervention
    from antt.pipeline import inputs

    closure = inputs.import_closure(["antt.analyses.intervention", "antt.reporting.figures"])
    code = {f for f in closure if not f.endswith("__init__.py")}
    listed = {path.relative_to(inputs.PACKAGE).as_posix() for path in intervention.FIGURE_CODE[:-1]}
    assert listed == code and intervention.FIGURE_CODE[-1] == paths.CODEBOOK / "labels.csv"
