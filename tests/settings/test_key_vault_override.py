"""``KeyVaultSource`` overrides pydantic-settings' private ``_load_env_vars`` (see shared/settings/sources.py).

These hashes are of the library code that override copies and relies on. When pydantic-settings changes
any of it, this test fails: re-read the three methods, check that ``KeyVaultSource._load_env_vars`` still
builds the same ``AzureKeyVaultMapping`` as the parent (with only the client taken from the factory) and
that the parent's ``__init__`` still calls ``_load_env_vars`` after our attributes are set; then update
the hashes and the pin in pyproject.toml.
"""

from __future__ import annotations

import hashlib
import inspect

import pytest
from pydantic_settings.sources import AzureKeyVaultSettingsSource
from pydantic_settings.sources.providers.azure import AzureKeyVaultMapping

WRITTEN_AGAINST = {
    "AzureKeyVaultSettingsSource._load_env_vars": "53413d054c164cfd6a7051fdc92348958cbf63c05e5d1ac9afc2f5ccb80d6f6e",
    "AzureKeyVaultSettingsSource.__init__": "fc7b09d7723f43fb8debdee48bb408d809a71f34eb61df54d8ba8de01c05d1a0",
    "AzureKeyVaultMapping.__init__": "5754819f604dc94483ceaff797e023f612d3512d6ea0f6b01366f0f62ab2b90d",
}
METHODS = {
    "AzureKeyVaultSettingsSource._load_env_vars": AzureKeyVaultSettingsSource._load_env_vars,
    "AzureKeyVaultSettingsSource.__init__": AzureKeyVaultSettingsSource.__init__,
    "AzureKeyVaultMapping.__init__": AzureKeyVaultMapping.__init__,
}


@pytest.mark.parametrize("name", sorted(WRITTEN_AGAINST))
def test_the_overridden_library_code_is_what_the_override_was_written_against(name):
    digest = hashlib.sha256(inspect.getsource(METHODS[name]).encode()).hexdigest()
    assert digest == WRITTEN_AGAINST[name], (
        f"pydantic-settings changed {name}: re-check KeyVaultSource in shared/settings/sources.py "
        "(see this file's docstring), then update the hash and the pin in pyproject.toml"
    )
