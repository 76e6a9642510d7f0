"""Sweeps declared from a table (``each_row_of`` in params.yaml): one parameter set per row, checked like any
other, with problems named by the table's file, row and column."""

import pytest

from antt.pipeline import notebooks, runner

from conftest import ROOT, run_antt

SPECS = notebooks.discover(ROOT / "notebooks")
NB = "03_intervention_effect"


def _plan(tmp_path, table: str, shared: str = "  lang: en\n"):
    (tmp_path / "communes.csv").write_text(table, encoding="utf-8")
    params = tmp_path / "params.yaml"
    params.write_text(f"{NB}:\n  each_row_of: communes.csv\n{shared}", encoding="utf-8")
    return runner.plan(SPECS, runner.load_params(params), {}, only=["03"])


def test_one_job_per_row_with_the_shared_values_and_defaults(tmp_path):
    jobs = _plan(
        tmp_path,
        'commune,interventions,alpha\nNgọc Lũ,"{""Dòng họ không có tội phạm, tệ nạn ma túy"": 2018}",0.1\n'
        'Công Lý,"{""Xã không có hoạt động tín dụng đen"": null}",\n',
    )
    assert [j.name for j in jobs] == [f"{NB}__ngoc-lu__en", f"{NB}__cong-ly__en"]
    first, second = (j.params for j in jobs)
    assert first["interventions"] == {"Dòng họ không có tội phạm, tệ nạn ma túy": 2018} and first["alpha"] == 0.1
    assert second["interventions"] == {"Xã không có hoạt động tín dụng đen": None}
    assert second["alpha"] == SPECS[2].parameters["alpha"].default  # an empty cell: the default
    assert first["lang"] == second["lang"] == "en"  # the set's other keys apply to every row


@pytest.mark.parametrize(
    ("table", "shared", "expected"),
    [
        ("commune,alpha\nA,0.1\nB,zwei\n", "", "communes.csv, row 2 (line 3), column 'alpha': parameter 'alpha'"),
        ("commune,alpha\nA,0.1\nB,2\n", "", "communes.csv, row 2 (line 3), column 'alpha': parameter 'alpha' of"),
        ("commune,colour\nA,red\n", "", "communes.csv, row 1 (line 2), column 'colour': 03_intervention_effect has no"),
        ("commune,alpha\nA,0.1,9\n", "", "communes.csv, row 1 (line 2): 3 fields, but the header has 2"),
        ("commune,alpha\nA,[0.1\n", "", "communes.csv, row 1 (line 2), column 'alpha': '[0.1'"),
        ("commune,commune\nA,B\n", "", "communes.csv, column 'commune': the column is given twice"),
        ("commune,lang\nA,vi\n", "  lang: en\n", "communes.csv, column 'lang': the column is also set for every row"),
        ("commune,alpha\n", "", "communes.csv: the table has a header but no rows"),
        ("commune\nA\nA\n", "", "the parameter sets of 03_intervention_effect must differ"),
    ],
)
def test_a_bad_table_is_refused_naming_file_row_and_column(tmp_path, table, shared, expected):
    with pytest.raises(runner.RunError) as error:
        _plan(tmp_path, table, shared)
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_a_table_in_a_legacy_encoding_is_refused(tmp_path):
    (tmp_path / "communes.csv").write_bytes("commune\nNgọc Lũ\n".encode("utf-16"))
    params = tmp_path / "params.yaml"
    params.write_text(f"{NB}:\n  each_row_of: communes.csv\n", encoding="utf-8")
    with pytest.raises(runner.RunError, match=r"communes\.csv.*UTF-16"):
        runner.load_params(params)


def test_the_command_line_says_one_error_line(project_copy):
    (project_copy / "communes.csv").write_text("commune,alpha\nA,0.1\nB,zwei\n", encoding="utf-8")
    (project_copy / "params.yaml").write_text(f"{NB}:\n  each_row_of: communes.csv\n", encoding="utf-8")
    result = run_antt(project_copy, "run", "--only", "03")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "communes.csv, row 2 (line 3), column 'alpha'" in errors[0]
    assert not (project_copy / "reports").exists()  # refused before anything ran
