"""checkov scans infra/ offline with zero failed checks, sees every declared resource, and our custom
storage policy catches what no built-in check does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.bicep import INFRA, Scan, bicep_files, declared_resources, parse, run_checkov

FIXTURES = Path(__file__).parent / "policy_fixtures"
POLICY = "CKV2_CBDATA_1"


def test_there_are_templates_to_scan():
    names = {p.relative_to(INFRA).as_posix() for p in bicep_files()}
    assert {"main.bicep", "app/storage.bicep", "app/function.bicep", "app/rbac.bicep"} <= names


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_every_template_parses_with_pycep(path: Path):
    parsed = parse(path)  # raises on a parse error: checkov would skip the file and still pass
    assert parsed.get("resources") or parsed.get("modules"), f"{path} declares nothing"


def test_scan_has_no_failed_checks_and_no_parse_errors(infra_scan: Scan):
    failed = [f"{r['check_id']} {r['resource']} ({r['file_path']})" for r in infra_scan.failed]
    assert failed == []
    assert infra_scan.summary["parsing_errors"] == 0
    assert infra_scan.passed, "checkov ran no check at all"


def test_every_skip_is_inline_with_a_reason(infra_scan: Scan):
    for row in infra_scan.skipped:
        reason = (row["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) >= 20, f"{row['check_id']} on {row['resource']} skipped without a reason"


def test_scan_covers_every_declared_resource(infra_scan: Scan):
    declared = {
        (path.relative_to(INFRA).as_posix(), resource)
        for path in bicep_files()
        for resource in declared_resources(path)
    }
    assert len(declared) >= 25
    assert declared - infra_scan.seen == set()


def test_custom_policy_passes_our_storage_account(infra_scan: Scan):
    ours = [r for r in infra_scan.passed if r["check_id"] == POLICY]
    assert ("Microsoft.Storage/storageAccounts.account", "/app/storage.bicep") in {
        (r["resource"], r["file_path"]) for r in ours
    }


@pytest.fixture(scope="module")
def fixtures_scan() -> Scan:
    """One scan of the policy fixtures (bad and good storage accounts) with our policy."""
    return run_checkov(FIXTURES, inventory=False)


def _policy_results(scan: Scan, outcome: str, fixture: str) -> set[str]:
    rows = scan.failed if outcome == "failed" else scan.passed
    return {r["resource"] for r in rows if r["check_id"] == POLICY and r["file_path"] == f"/{fixture}"}


@pytest.mark.parametrize("fixture", ["public_blob.bicep", "shared_key_default.bicep"])
def test_custom_policy_fails_an_open_storage_account(fixtures_scan: Scan, fixture: str):
    assert _policy_results(fixtures_scan, "failed", fixture) == {"Microsoft.Storage/storageAccounts.account"}
    assert _policy_results(fixtures_scan, "passed", fixture) == set()


def test_custom_policy_passes_a_locked_down_account_and_a_reference(fixtures_scan: Scan):
    assert _policy_results(fixtures_scan, "failed", "locked_down.bicep") == set()
    assert _policy_results(fixtures_scan, "passed", "locked_down.bicep") == {
        "Microsoft.Storage/storageAccounts.account",
        "Microsoft.Storage/storageAccounts.other",
    }
