"""Checks for the spaces: `manage.py check --deploy` names what an enabled connection lacks, and every `check`
warns about an event type the spaces produce that no app handles (spaces.routing).

Registered when imported (SpacesConfig.ready imports this module). The database may not exist yet
(a first `check` before `migrate`): then there is nothing to say about connections.
"""

from typing import Any, get_args

from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError

from spaces.base import Event
from spaces.models import SpaceConnection
from spaces.registry import platforms
from spaces.routing import routes_for
from spaces.secrets import missing_secrets


def missing_for(connection: SpaceConnection) -> list[str] | None:
    """The environment variable names of the secrets this connection still lacks; None when its platform is not installed."""
    cls = platforms().get(connection.platform)
    if cls is None:
        return None
    return missing_secrets(connection.slug, cls.needed_secrets(connection.settings or {}))


@register(Tags.security, deploy=True)
def space_connection_checks(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    try:
        connections = list(SpaceConnection.objects.filter(enabled=True).order_by("slug"))
    except DatabaseError:
        return []
    problems: list[CheckMessage] = []
    installed = platforms()
    for connection in connections:
        cls = installed.get(connection.platform)
        if cls is None:
            problems.append(
                Error(
                    f"Space connection {connection.slug!r} uses the platform {connection.platform!r}, which is not installed.",
                    hint="Disable the connection in the admin, or install the platform's package.",
                    id="spaces.E001",
                )
            )
            continue
        missing = missing_for(connection)
        if missing:
            problems.append(
                Error(
                    f"Space connection {connection.slug!r} ({cls.title}) is enabled but lacks secrets: {', '.join(missing)}.",
                    hint="Set these environment variables (or the keys under [spaces.<slug>] in STEWARD_SECRETS_FILE), or disable it.",
                    id="spaces.E002",
                )
            )
        for problem in cls.settings_problems(connection.settings or {}):
            problems.append(
                Error(
                    f"Space connection {connection.slug!r} ({cls.title}): {problem}",
                    hint="Correct the connection's settings in the admin, or disable it.",
                    id="spaces.E003",
                )
            )
        if connection.platform == "email" and str((connection.settings or {}).get("security", "ssl")) == "plain":
            problems.append(
                Warning(
                    f"Space connection {connection.slug!r} reads its mailbox without TLS.",
                    hint='Use "security": "ssl" (IMAPS) or "starttls" unless the server is on this machine.',
                    id="spaces.W001",
                )
            )
    return problems


@register()
def event_consumer_checks(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Every event type a platform can produce (spaces.base.Event) should reach some app; one that reaches none is lost."""
    return [
        Warning(
            f"No installed app handles {event_type.__name__} from the spaces: such events are logged and dropped.",
            hint="Install the app that registers a handler for it (spaces.routing.on in its AppConfig.ready).",
            id="spaces.W002",
        )
        for event_type in get_args(Event)
        if not routes_for(event_type)
    ]
