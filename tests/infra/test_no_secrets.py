"""No secret value in the templates, hooks or azd files: no keys, no connection strings with a key, no
passwords; every parameter that could hold one is @secure(), and no output or setting reads a key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.infra.bicep import INFRA, ROOT, bicep_files, parse

DEPLOY_FILES = sorted(
    {*bicep_files(), *INFRA.rglob("*.json"), *INFRA.rglob("*.sh"), ROOT / "azure.yaml"}
    | set((ROOT / ".github" / "workflows").glob("*.yml"))
)
SECRET_VALUE = re.compile(
    r"AccountKey=|AccessKey=|SharedAccessKey=|SharedAccessSignature=|[?&]sig=|Password=|"
    r"listKeys\(|listConnectionStrings\(|listSecrets\(|\.primaryKey|\.secondaryKey|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    # a base64 key (Azure's end in padding) or a long random token (digits and capitals mixed in)
    r"[A-Za-z0-9+/]{40,}={1,2}|\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{32,}\b",
    re.IGNORECASE,
)
SECRET_NAME = re.compile(r"(password|secret|accesskey|apikey|sastoken|connectionstring)$", re.IGNORECASE)
# Not secrets, by what they hold: an ingestion address with local auth off (Entra ID needed to send).
NOT_SECRET_NAMES = {"appInsightsConnectionString"}


@pytest.mark.parametrize("path", DEPLOY_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_secret_value_in_deployment_files(path: Path):
    text = path.read_text()
    hits = [m.group(0) for m in SECRET_VALUE.finditer(text)]
    assert hits == [], f"{path.relative_to(ROOT)} holds what looks like a secret: {hits}"


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_parameters_that_could_hold_a_secret_are_secure(path: Path):
    for name, param in parse(path).get("parameters", {}).items():
        if SECRET_NAME.search(name) and name not in NOT_SECRET_NAMES:
            decorators = {d["type"] for d in param.get("decorators", [])}
            assert "secure" in decorators, f"{path.name}: parameter {name} must be @secure()"


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_no_output_names_a_secret(path: Path):
    for name in parse(path).get("outputs", {}):
        assert not SECRET_NAME.search(name) or name in NOT_SECRET_NAMES or "APPLICATIONINSIGHTS" in name


def test_the_scan_catches_a_key(tmp_path: Path):
    """The pattern above is not vacuous: a storage connection string with a key is found."""
    key = "A" * 86 + "=="
    assert SECRET_VALUE.search(f"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={key}")
    assert SECRET_VALUE.search("value: storage.listKeys().keys[0].value")
    assert SECRET_VALUE.search("code=" + "Ab3" * 18)
    assert not SECRET_VALUE.search("AzureWebJobsStorage__credential: 'managedidentity'")


def test_key_vault_keeps_secrets_safe():
    vault = parse(INFRA / "app" / "keyvault.bicep")["resources"]["vault"]["config"]["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enableSoftDelete"] is True and vault["enablePurgeProtection"] is True


def test_services_refuse_keys():
    storage = parse(INFRA / "app" / "storage.bicep")["resources"]["account"]["config"]["properties"]
    assert storage["allowSharedKeyAccess"] is False and storage["allowBlobPublicAccess"] is False
    assert storage["minimumTlsVersion"] == "TLS1_2" and storage["supportsHttpsTrafficOnly"] is True
    webpubsub = parse(INFRA / "app" / "webpubsub.bicep")["resources"]["service"]["config"]["properties"]
    assert webpubsub["disableLocalAuth"] is True
    insights = parse(INFRA / "app" / "monitoring.bicep")["resources"]["appInsights"]["config"]["properties"]
    assert insights["DisableLocalAuth"] is True
