"""Turn pydantic's validation errors into one ``ConfigurationError`` that names settings by their
environment-variable names and says what each accepts, without ever showing a secret's value."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, get_args

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from shared.errors import ConfigurationError
from shared.settings.parsing import SettingValueError

_MESSAGES = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a JSON object",
    "list_type": "must be a list",
    "missing": "is required",
    "extra_forbidden": "is not a known key",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} characters",
}


def env_name(loc: tuple[int | str, ...], groups: Iterable[str]) -> tuple[str, str]:
    """(env name, detail inside the value) for an error location, e.g. ``("ccxt", "credentials",
    "binance", "api_key")`` -> ``("CCXT_CREDENTIALS", "binance.api_key")``."""
    parts = [str(p) for p in loc]
    if not parts:
        return "SETTINGS", ""
    depth = 2 if parts[0] in set(groups) and len(parts) > 1 else 1
    rest = loc[depth:]
    if len(rest) == 1 and isinstance(rest[0], int):
        return "_".join(parts[:depth]).upper(), f"entry {rest[0] + 1}"
    return "_".join(parts[:depth]).upper(), ".".join(str(p) for p in rest)


def _has_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_has_secret(f.annotation) for f in annotation.model_fields.values())
    return any(_has_secret(arg) for arg in get_args(annotation))


def secret_env_names(settings_cls: type[BaseModel]) -> frozenset[str]:
    """Env names of every setting that is, or holds, a ``SecretStr`` (e.g. ``CCXT_CREDENTIALS``)."""
    names: set[str] = set()
    for name, field in settings_cls.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            fields = group.model_fields.items()
            names.update(f"{name}_{sub}".upper() for sub, f in fields if _has_secret(f.annotation))
        elif _has_secret(group):
            alias = getattr(field.validation_alias, "choices", None)
            names.add(str(alias[0]) if alias else name.upper())
    return frozenset(names)


def _describe(error: ErrorDetails) -> tuple[str, bool, str | None]:
    """(what is wrong, may the input be shown, env name chosen by the validator)."""
    ctx = error.get("ctx") or {}
    exc = ctx.get("error")
    if isinstance(exc, SettingValueError):
        return exc.message, exc.show_input, exc.env
    if error["type"] == "literal_error":
        return f"must be one of {str(ctx.get('expected', '')).replace(' or ', ', ')}", True, None
    template = _MESSAGES.get(error["type"])
    if template is not None:
        plain = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in ctx.items()}
        return template.format(**plain), error["type"] != "extra_forbidden", None
    text = str(error["msg"]).removeprefix("Value error, ")
    return text[:1].lower() + text[1:], True, None


def _shown(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return repr(value)[:80]
    return None


def to_configuration_error(
    exc: ValidationError, groups: Iterable[str], secrets: frozenset[str]
) -> ConfigurationError:
    problems: list[str] = []
    names: list[str] = []
    for error in exc.errors(include_url=False):
        what, show_input, chosen = _describe(error)
        name, detail = env_name(error["loc"], groups)
        name = chosen or name
        label = f"{name} ({detail})" if detail and not chosen else name
        shown = _shown(error.get("input")) if show_input and name not in secrets else None
        problems.append(f"{label}: {what}" + (f" (got {shown})" if shown else ""))
        names.append(name)
    return ConfigurationError("; ".join(problems), settings=names)
