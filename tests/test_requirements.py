"""requirements.txt (what Azure installs at deploy time) must say exactly what pyproject.toml says."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def normalized(lines):
    reqs = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            reqs[req.name.lower().replace("_", "-")] = (sorted(req.extras), str(req.specifier))
    return reqs


def test_requirements_txt_agrees_with_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = normalized(pyproject["project"]["dependencies"])
    deployed = normalized((ROOT / "requirements.txt").read_text().splitlines())
    assert deployed == declared


def test_host_json_pins_functions_v4_and_the_extension_bundle():
    import json

    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    assert host["extensionBundle"]["version"] == "[4.*, 5.0.0)"
