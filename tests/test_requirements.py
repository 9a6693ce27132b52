"""Dependencies exactly as used: every import is declared, and requirements.txt is the lock of pyproject.toml.

- Every ``import`` in shared/, tests/, bench/ and function_app.py resolves to the standard library, to
  first-party code, or to a distribution declared in pyproject.toml: ``[project.dependencies]`` for the
  service, plus the ``dev`` extra for tests/ and bench/ (which also use the client package); the client
  package (client/, distribution ``cbdata-client``) imports only what client/pyproject.toml declares.
- requirements.txt (what Azure installs at deploy time) pins every declared dependency at a version
  inside its range, and its pins are what this venv has installed, so CI tests what deploys.
"""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"shared", "tests", "bench", "function_app", "cbdata_client"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CLIENT_PYPROJECT = tomllib.loads((ROOT / "client" / "pyproject.toml").read_text())


def declared(*extras: str, pyproject: dict | None = None) -> set[str]:
    project = (pyproject or PYPROJECT)["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(line).name) for line in lines}


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno


@cache
def _packages() -> dict[str, list[str]]:
    return metadata.packages_distributions()


@cache
def _files(distribution: str) -> tuple[str, ...]:
    return tuple(str(f) for f in metadata.files(distribution) or [])


@cache
def distributions_of(module: str) -> frozenset[str]:
    """The installed distributions that provide ``module`` (namespace packages such as ``azure`` are
    resolved by the files each distribution installs)."""
    top = module.split(".")[0]
    candidates = _packages().get(top, [])
    if len(candidates) <= 1:
        return frozenset(canonicalize_name(name) for name in candidates)
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        prefix = "/".join(parts[:depth])
        owners = {
            canonicalize_name(name)
            for name in candidates
            if any(
                str(f) == f"{prefix}.py" or str(f).startswith(f"{prefix}/")
                for f in metadata.files(name) or []
            )
        }
        if owners:
            return frozenset(owners)
    return frozenset()


def undeclared(paths: list[Path], allowed: set[str]) -> list[str]:
    problems = []
    for path in paths:
        for module, line in imports_of(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top in FIRST_PARTY:
                continue
            owners = distributions_of(module)
            if not owners & allowed:
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                where = f"{shown}:{line}"
                problems.append(f"{where}: {module} ({', '.join(sorted(owners)) or 'not installed'})")
    return problems


def python_files(*names: str) -> list[Path]:
    found: list[Path] = []
    for name in names:
        path = ROOT / name
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def test_the_service_imports_only_its_declared_dependencies():
    assert undeclared(python_files("shared", "function_app.py"), declared()) == []


def test_the_client_imports_only_its_own_declared_dependencies():
    files = python_files("client/cbdata_client")
    assert files and undeclared(files, declared("pandas", pyproject=CLIENT_PYPROJECT)) == []
    assert all("shared" not in {m.split(".")[0] for m, _ in imports_of(p)} for p in files)


def test_tests_and_benchmarks_import_only_the_dev_extra_and_the_service():
    assert undeclared(python_files("tests", "bench"), declared("dev", "pandas")) == []


def test_the_check_names_what_is_not_declared(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import json\n\nimport requests\nfrom azure.core.exceptions import AzureError\n")
    assert undeclared([sample], {"azure-core"}) == ["sample.py:3: requests (requests)"]
    assert undeclared([sample], {"requests"}) == ["sample.py:4: azure.core.exceptions (azure-core)"]


# -- the lock -------------------------------------------------------------------------------------------
def lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"requirements.txt: {line} is not an exact pin"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_dependency_is_pinned_in_the_lock_inside_its_range():
    pins = lock()
    for line in PYPROJECT["project"]["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not in requirements.txt: run ./scripts/lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.txt pins {name}=={pins[name]}, outside {req.specifier}: run ./scripts/lock"
        )


def test_the_venv_has_exactly_the_locked_versions():
    wrong = {}
    for name, version in lock().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}, f"(locked, installed) differ: run ./scripts/setup: {wrong}"


def test_host_json_pins_functions_v4_and_the_extension_bundle():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    assert host["extensionBundle"]["version"] == "[4.*, 5.0.0)"
