"""The pinned environment: one set of exact versions, agreed by requirements.lock and environment.yml."""

import re

import yaml

from conftest import ROOT

DESIGN_CARD = {
    "jupyterlab",
    "pandas",
    "statsmodels",
    "seaborn",
    "papermill",
    "nbval",
    "nbconvert",
    "pandera",
    "pytest",
    "hypothesis",
}


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _env_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {p.split("==")[0].lower().replace("_", "-"): p.split("==")[1] for p in pip if "==" in p}


def test_every_lock_line_is_an_exact_pin():
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.+\-]*", line.strip()), line


def test_environment_yml_agrees_with_the_lock():
    lock, env = _lock(), _env_pins()
    assert env, "environment.yml pins nothing"
    disagree = {name: (version, lock.get(name)) for name, version in env.items() if lock.get(name) != version}
    assert not disagree, f"environment.yml vs requirements.lock: {disagree}"


def test_design_card_packages_are_pinned_in_both():
    lock, env = _lock(), _env_pins()
    assert set(lock) >= DESIGN_CARD, DESIGN_CARD - set(lock)
    assert set(env) >= DESIGN_CARD, DESIGN_CARD - set(env)


def test_python_version_agrees():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert 'requires-python = ">=3.11,<3.12"' in (ROOT / "pyproject.toml").read_text()


def test_direct_dependencies_are_locked():
    text = (ROOT / "pyproject.toml").read_text()
    deps = re.findall(r'^\s+"([A-Za-z0-9_.\-]+)[<>=]', text, flags=re.M)
    lock = _lock()
    assert deps and all(d.lower().replace("_", "-") in lock for d in deps), [d for d in deps if d.lower() not in lock]
