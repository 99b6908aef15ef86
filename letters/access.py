"""The reported person's way in: their own secret link. Every refusal is the same 404."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.http import Http404
from django.urls import reverse

from letters.models import PartyLink

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh secret and its hash. Only the hash is ever stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def portal_url(token: str) -> str:
    return settings.SITE_URL + reverse("letters:party_portal", kwargs={"token": token})


def access_party_link(token: str) -> PartyLink:
    """The active link whose secret this is. Unknown, wrong and revoked tokens all give the same 404."""
    supplied = hash_token(token)
    link = PartyLink.objects.filter(secret_hash=supplied).select_related("case", "party", "party__person").first()
    stored = link.secret_hash if link is not None else hash_token("no link " + token)
    # The lookup is by hash (the secret itself is never compared); the comparison keeps one code path.
    if link is None or not hmac.compare_digest(stored, supplied) or link.revoked_at is not None:
        raise Http404("This link is not valid.")
    return link


def access_opened_party_link(link_id: int) -> PartyLink:
    """The link a visitor's session holds open (steward.link_sessions), while it is still active: revoking a link
    closes every page it opened at once."""
    link = PartyLink.objects.filter(pk=link_id, revoked_at__isnull=True).select_related("case", "party", "party__person").first()
    if link is None:
        raise Http404("This link is not valid.")
    return link
