"""Test helpers shared by the platform packages: a configured connection whose secrets come from the environment."""

from typing import Any

import pytest

from spaces.base import ActionRequest, Op, Space
from spaces.models import SpaceConnection
from spaces.registry import space_for
from spaces.secrets import env_name


def make_connection(
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    *,
    slug: str | None = None,
    settings: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    title: str = "",
) -> SpaceConnection:
    """A saved connection (needs the db fixture) with its secrets set as environment variables."""
    slug = slug or f"test-{platform}"
    for name, value in (secrets or {}).items():
        monkeypatch.setenv(env_name(slug, name), value)
    return SpaceConnection.objects.create(slug=slug, platform=platform, title=title or f"Test {platform}", settings=settings or {})


def space_of(connection: SpaceConnection) -> Space:
    return space_for(connection)


def request(op: Op, subject: str, *, key: str = "k-1", reason: str = "Code of conduct decision", **params: Any) -> ActionRequest:
    ends_at = params.pop("ends_at", None)
    return ActionRequest(key=key, op=op, subject=subject, reason=reason, params=params, ends_at=ends_at)
