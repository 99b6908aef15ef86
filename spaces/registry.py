"""Which platforms exist, and the `Space` for a configured connection."""

from typing import Any

from spaces.base import PermanentFailure, Space
from spaces.models import SpaceConnection
from spaces.secrets import secrets_for

_platforms: dict[str, type[Space]] = {}


def register(cls: type[Space]) -> type[Space]:
    """Class decorator for a platform's Space; the platform packages are imported by SpacesConfig.ready."""
    _platforms[cls.platform] = cls
    return cls


def platforms() -> dict[str, type[Space]]:
    return dict(_platforms)


def platform_choices() -> list[tuple[str, str]]:
    return sorted(((key, cls.title) for key, cls in _platforms.items()), key=lambda pair: pair[1])


def space_for(connection: SpaceConnection) -> Space:
    try:
        cls = _platforms[connection.platform]
    except KeyError:
        raise PermanentFailure(f"No platform {connection.platform!r} is installed.") from None
    settings: dict[str, Any] = dict(connection.settings or {})
    return cls(connection, settings, secrets_for(connection.slug, cls.secret_names))
