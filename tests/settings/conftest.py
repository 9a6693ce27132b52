"""Every settings test starts from a clean environment in an empty working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.settings import Settings

_PREFIXES = ("STORAGE_", "CCXT_", "SYNC_", "LOG_")


def env_names() -> list[str]:
    """Every setting's environment-variable name, derived from the models."""
    names = []
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and hasattr(group, "model_fields"):
            names += [f"{name}_{sub}".upper() for sub in group.model_fields]
        else:
            alias = getattr(field.validation_alias, "choices", None)
            names.append(alias[0] if alias else name.upper())  # e.g. WebPubSubConnectionString
    return names


@pytest.fixture(autouse=True)
def clean_settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith(_PREFIXES) or key in env_names() or key == "FUNCTIONS_WORKER_RUNTIME":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path
