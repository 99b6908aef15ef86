"""Whose handle is this? The people.Space a connection's handles live in, and the identities known by them.

Used by every consumer of the spaces' events (intake, enforcement, screening) and by a migration; it
imports nothing above the spaces (people, privacy and spaces only), so any app may import it.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from people.models import Identity, Space, normalise_handle
from privacy.keys import blind_digests
from spaces.models import SpaceConnection
from spaces.registry import platforms


def identity_space(connection: SpaceConnection) -> str:
    """The people.Space that holds identities in this connection's platform (see Space.acts_on)."""
    cls = platforms().get(connection.platform)
    if cls is not None:
        return cls.acts_on()
    return connection.platform if connection.platform in Space.values else Space.OTHER


def identities_known_as(space: str, handles: Iterable[str]) -> QuerySet[Identity]:
    """Identities in `space` whose handle is any of `handles` (matched whole, through the blind index)."""
    digests: list[str] = []
    for handle in handles:
        normalised = normalise_handle(space, handle or "")
        if normalised:
            digests.extend(blind_digests(normalised))
    return Identity.objects.filter(space=space, handle_digest__in=digests)
