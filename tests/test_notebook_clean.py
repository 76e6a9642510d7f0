"""The cleaning notebook under papermill, with default and overridden parameters."""

import json

import nbformat
import papermill as pm
import pytest

from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "01_clean_source_statistics.ipynb"


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(json.dumps(out.get("data", {}), ensure_ascii=False) + out.get("text", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("lang, heading", [("vi", "Số liệu gốc"), ("en", "As written")])
def test_runs_with_default_and_overridden_parameters(tmp_path, lang, heading):
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"processed_dir": str(tmp_path / "processed"), "lang": lang},
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert heading in _outputs_text(nb)
    for name in ("indicators.csv", "quality.csv"):
        assert (tmp_path / "processed" / name).read_bytes() == (ROOT / "data" / "processed" / name).read_bytes()


@pytest.mark.slow
def test_a_wrong_lang_is_refused(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="lang must be one of"):
        pm.execute_notebook(
            str(NOTEBOOK),
            str(tmp_path / "out.ipynb"),
            parameters={"lang": "fr"},
            cwd=str(NOTEBOOK.parent),
            progress_bar=False,
        )
