"""Helpers for tests anywhere in Steward that need a policy with some values changed.

    from policy.testing import load_test_policy
    version = load_test_policy({"timelines": {"acknowledge_hours": 48}})

The changes go through the real loader, so a test can never build a policy the loader would refuse.
"""

import itertools
from datetime import date
from typing import Any

import yaml
from django.conf import settings
from django.utils import timezone

from policy.loader import load_policy_file
from policy.models import PolicyVersion
from policy.services import load_policy_version

_counter = itertools.count(1)


# Lists a translation must match item for item: a test that replaces one drops the default file's translations
# (unless it gives its own), as a community editing them would have to update its translations too.
TRANSLATED_LISTS = {"languages", "text", "categories", "spaces", "ladder", "outcomes", "emergency"}


def policy_dict(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The default policy file as a dict, with `changes` merged in (mappings merge, lists replace)."""
    data = load_policy_file(settings.STEWARD_POLICY_FILE).to_dict()
    changes = changes or {}
    if "translations" not in changes and TRANSLATED_LISTS & changes.keys():
        data.pop("translations", None)
    return _merge(data, changes)


def policy_yaml(changes: dict[str, Any] | None = None) -> str:
    return yaml.safe_dump(policy_dict(changes), sort_keys=False, allow_unicode=True)


def load_test_policy(changes: dict[str, Any] | None = None, *, effective_from: date | None = None) -> PolicyVersion:
    """Load the default policy with `changes` as a new version, in force from today unless told otherwise.

    A unique `version` is filled in unless `changes` sets one, so tests never trip over the
    "same version, different content" guard.
    """
    merged = dict(changes or {})
    merged.setdefault("version", f"test-{next(_counter)}")
    merged.setdefault("effective_from", (effective_from or timezone.localdate()).isoformat())
    version, _ = load_policy_version(text=policy_yaml(merged), source_name="test-policy.yaml")
    return version


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
