"""The workflows are valid YAML with the documented triggers and steps; azure.yaml, the hook and
.funcignore are what infra/README.md says."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from tests.infra.bicep import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    # YAML 1.1 reads the key `on` as True
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict[str, Any], job: str) -> str:
    return "\n".join(str(s.get("run", "")) for s in steps(workflow, job))


def uses(workflow: dict[str, Any], job: str) -> list[str]:
    return [str(s["uses"]).split("@")[0] for s in steps(workflow, job) if "uses" in s]


def test_every_workflow_is_valid_yaml_with_jobs():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["ci.yml", "deploy.yml"]
    for path in files:
        workflow = load(path)
        assert workflow["name"] and workflow["on"] and workflow["jobs"]
        for job in workflow["jobs"].values():
            assert job["runs-on"] and job["steps"]


def test_ci_runs_the_readme_test_command_on_push_and_pull_request():
    workflow = load(WORKFLOWS / "ci.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert "./scripts/test" in runs(workflow, "test")
    assert "./scripts/test" in (ROOT / "README.md").read_text()
    assert {"actions/checkout", "actions/setup-python", "actions/setup-node"} <= set(uses(workflow, "test"))
    assert "./scripts/lint" in runs(workflow, "test")
    assert [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("./")] == [
        "./scripts/test -p no:cacheprovider",
        "./scripts/lint",
    ]  # the workflow runs what .ci/run runs


def test_deploy_runs_on_version_tags_with_oidc_then_smoke_tests():
    workflow = load(WORKFLOWS / "deploy.yml")
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "test" and "./scripts/test" in runs(workflow, "test")
    assert deploy["permissions"]["id-token"] == "write"
    assert "azure/login" in uses(workflow, "deploy")
    commands = runs(workflow, "deploy")
    assert "--federated-credential-provider github" in commands
    order = [commands.index(c) for c in ("azd provision", "azd deploy", "scripts/smoke-test")]
    assert order == sorted(order)
    assert "secrets." not in (WORKFLOWS / "deploy.yml").read_text()  # OIDC: no stored secret


def test_azure_yaml_deploys_the_function_app_and_wires_the_hub():
    document = yaml.safe_load((ROOT / "azure.yaml").read_text())
    assert document["services"]["api"] == {"project": ".", "language": "python", "host": "function"}
    hook = document["hooks"]["postdeploy"]["posix"]["run"]
    assert hook == "./infra/hooks/postdeploy.sh"
    assert os.access(ROOT / "infra" / "hooks" / "postdeploy.sh", os.X_OK)
    assert os.access(ROOT / "scripts" / "smoke-test", os.X_OK)


def test_funcignore_keeps_the_package_to_the_app():
    ignored = {line.strip() for line in (ROOT / ".funcignore").read_text().splitlines()}
    assert {"tests/", "bench/", "node_modules/", ".venv/", ".venv-checkov/", "local.settings.json"} <= ignored
    for needed in ("function_app.py", "host.json", "requirements.txt", "shared/", "shared"):
        assert needed not in ignored
