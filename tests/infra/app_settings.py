"""What the app reads and what the templates set: the helpers the settings tests share."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pydantic import AliasChoices, BaseModel

from shared.settings import GROUPS, Settings
from tests.infra.bicep import INFRA, ROOT, variable

FUNCTION_BICEP = INFRA / "app" / "function.bicep"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"


def bicep_app_settings(*, premium: bool = False) -> dict[str, object]:
    """The app settings function.bicep sets on Flex (or, with ``premium``, on Elastic Premium)."""
    settings = dict(variable(FUNCTION_BICEP, "commonSettings"))
    if premium:
        settings.update(variable(FUNCTION_BICEP, "premiumSettings"))
    return settings


def settings_env_names() -> set[str]:
    """Every environment variable ``shared.settings.Settings`` reads, by the name the docs use."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if name in GROUPS and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(f"{name}_{inner}".upper() for inner in annotation.model_fields)
        elif isinstance(field.validation_alias, AliasChoices):
            names.add(str(field.validation_alias.choices[0]))
        else:
            names.add(name.upper())
    return names


def environ_reads(paths: list[Path]) -> set[str]:
    """Names read straight from the environment: ``os.environ.get(X)``, ``os.getenv(X)``,
    ``env.get(X)`` (a mapping standing for the environment), ``os.environ[X]``, where ``X`` is a string
    or a module-level string constant. Reads only: assignments and ``setdefault`` are writes."""
    names: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(), str(path))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }

        for node in ast.walk(tree):
            found = None
            if isinstance(node, ast.Call) and node.args:
                if ast.unparse(node.func) in (
                    "os.environ.get",
                    "os.getenv",
                    "environ.get",
                    "getenv",
                    "env.get",
                ):
                    found = _string_of(node.args[0], constants)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and ast.unparse(node.value) in ("os.environ", "environ", "env")
            ):
                found = _string_of(node.slice, constants)
            if found:
                names.add(found)
    return names


def _string_of(arg: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return constants.get(arg.id) if isinstance(arg, ast.Name) else None


def app_sources() -> list[Path]:
    return [ROOT / "function_app.py", *sorted((ROOT / "shared").rglob("*.py"))]


_ROW = re.compile(r"^\|(?P<cells>.+)\|\s*$")


def documented_defaults() -> dict[str, str]:
    """``{name: default}`` from the tables of docs/configuration.md whose header has a Default column."""
    found: dict[str, str] = {}
    default_at: int | None = None
    for line in CONFIGURATION_DOC.read_text().splitlines():
        match = _ROW.match(line.strip())
        if not match:
            default_at = None
            continue
        cells = [c.strip() for c in match["cells"].split("|")]
        if "Default" in cells:
            default_at = cells.index("Default")
            continue
        if default_at is None or set(cells[0]) <= {"-", ":"} or len(cells) <= default_at:
            continue
        for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[0]):
            found[name] = cells[default_at]
    return found
