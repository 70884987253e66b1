"""environment.yml (conda, Binder) and pyproject.toml (pip, `make`) install the same things."""

from __future__ import annotations

import tomllib

import yaml

from .conftest import ROOT


def test_environment_yml_pins_what_pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in conda["dependencies"] if isinstance(item, dict))
    assert set(pip_section) == wanted
    assert "python=3.11" in conda["dependencies"]


def test_moto_is_pinned_to_one_minor():
    """corrections/ patches moto's internals, which change between minors."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (moto,) = [dep for dep in project["dependencies"] if dep.startswith("moto")]
    assert moto == "moto[server]>=5.2.5,<5.3"
