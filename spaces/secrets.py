"""Credentials for space connections, kept out of the database.

Looked up, for connection slug `acme-gh` and secret `token`, in this order:
1. the environment variable `STEWARD_SPACE_ACME_GH_TOKEN` (or `..._TOKEN_FILE`, a path holding it);
2. the TOML secrets file named by `STEWARD_SECRETS_FILE`, under `[spaces.acme-gh]`, key `token`.
"""

import os
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from steward.env import env_str


def env_name(slug: str, name: str) -> str:
    return "STEWARD_SPACE_" + re.sub(r"[^A-Z0-9]+", "_", f"{slug}_{name}".upper())


def _from_file(slug: str) -> dict[str, str]:
    path = getattr(settings, "STEWARD_SECRETS_FILE", "") or os.environ.get("STEWARD_SECRETS_FILE", "")
    if not path or not Path(path).exists():
        return {}
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    section = data.get("spaces", {}).get(slug, {})
    return {str(key): str(value) for key, value in section.items()}


def secrets_for(slug: str, names: Iterable[str]) -> dict[str, str]:
    """The secrets that are set; a missing one is simply absent (the space says what it needs)."""
    from_file = _from_file(slug)
    found = {}
    for name in names:
        value = env_str(env_name(slug, name)) or from_file.get(name, "")
        if value:
            found[name] = value
    return found


def missing_secrets(slug: str, names: Iterable[str]) -> list[str]:
    names = list(names)
    present = secrets_for(slug, names)
    return [env_name(slug, name) for name in names if name not in present]
