"""Reading the templates for the infra tests: parse with pycep-parser (the parser checkov uses), run
checkov from its own venv, and the small lookups the tests share."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
CUSTOM_POLICIES = INFRA / "checkov"
INVENTORY_POLICY = Path(__file__).parent / "inventory"
INVENTORY_ID = "CKV2_CBDATA_INVENTORY"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def parse(path: Path) -> dict[str, Any]:
    """pycep's JSON of one file; raises on a parse error (checkov would skip that file silently)."""
    return BicepParser().parse(file_path=path)


def declared_resources(path: Path) -> list[str]:
    """``Type.symbol`` of each resource declared in the file, as checkov names them."""
    return [f"{r['type']}.{name}" for name, r in parse(path).get("resources", {}).items()]


def variable(path: Path, name: str) -> Any:
    """A variable's value as pycep gives it (an object literal is a dict of its values)."""
    return parse(path)["variables"][name]["value"]


def parameter_default(path: Path, name: str) -> Any:
    return parse(path)["parameters"][name]["default"]


@dataclass
class Scan:
    summary: dict[str, Any]
    failed: list[dict[str, Any]]
    passed: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    seen: set[tuple[str, str]]  # (file path relative to the scanned folder, Type.symbol)


def run_checkov(target: Path, *, inventory: bool = True) -> Scan:
    """checkov on ``target`` (folder or file), offline, with our custom policies (and the inventory)."""
    if not CHECKOV.exists():
        raise AssertionError(f"{CHECKOV} is missing: run ./scripts/setup (it makes .venv-checkov)")
    flag = "-d" if target.is_dir() else "-f"
    command = [str(CHECKOV), flag, str(target), "--framework", "bicep", "--skip-download", "-o", "json"]
    command += ["--external-checks-dir", str(CUSTOM_POLICIES)]
    if inventory:
        command += ["--external-checks-dir", str(INVENTORY_POLICY)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode not in (0, 1):
        raise AssertionError(f"checkov failed ({done.returncode}):\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout)
    results = report["results"]
    inventory_rows = [
        r for key in ("passed_checks", "failed_checks") for r in results[key] if r["check_id"] == INVENTORY_ID
    ]

    def own(key: str) -> list[dict[str, Any]]:
        return [r for r in results[key] if r["check_id"] != INVENTORY_ID]

    seen = {(r["file_path"].lstrip("/"), r["resource"]) for r in inventory_rows}
    return Scan(report["summary"], own("failed_checks"), own("passed_checks"), own("skipped_checks"), seen)
