"""Typed helpers that read settings from the environment.

Every setting that differs between a laptop and a production deploy comes from here, so that the
settings module stays declarative and a missing production value is reported by a system check
rather than discovered at the first request.
"""

import os
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    """A string; `NAME_FILE` (a path to a file holding the value) wins, for container secrets."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def key_list(name: str) -> str:
    """A comma-separated key list, newest first: a setting of that name (tests set one) wins over the environment
    (`NAME` or `NAME_FILE`). Read at call time, not import time, so a rotation needs only a restart."""
    from django.conf import settings

    value = getattr(settings, name, None)
    if value is None:
        value = env_str(name)
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return str(value)
