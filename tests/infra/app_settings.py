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
    """Names read straight from the environment with a constant name: ``os.environ.get("X")``,
    ``os.getenv("X")``, ``os.environ["X"]`` (reads only: assignments and ``setdefault`` are writes)."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = ast.unparse(node.func)
                if func in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                    names.add(str(node.args[0].value))
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and ast.unparse(node.value) in ("os.environ", "environ")
                and isinstance(node.slice, ast.Constant)
            ):
                names.add(str(node.slice.value))
    return names


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
