"""A secret link traded for a short session on its first visit, so that later requests carry no secret.

The reporter's follow-up link and the reported person's link must carry their secret (they work from a mail,
months later, with no account). But every request made under the secret path repeats it: to the server's and
the proxy's logs, to the browser's history of each page, to the Referer of everything the page loads. So the
secret path only opens the door: its view checks the secret, records in the visitor's session that this one
report (or link) is open, and redirects to an address without the secret, where everything else happens
(reading, replying, adding evidence, appealing).

- Bound to one report or one link: the session holds a set of grants, `report:<reference>` and `party:<link id>`,
  so a reporter with two reports in the same browser has both open, and opening one opens nothing else.
- Short: a grant lapses after STEWARD_LINK_SESSION_SECONDS (30 minutes) without a request, and the session
  cookie ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE). On a shared computer, "Leave this page" ends it
  at once. The mail link opens it again, as often as needed.
- Works without JavaScript (a redirect), and keeps CSRF as every form does (the session cookie is Lax, HttpOnly).
- The session key is cycled when a grant is made, so a session planted by someone else never receives one.
- Nothing secret is stored: the session row holds the reference or link id and an expiry time, never the secret.
"""

import time

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "steward_link_grants"
# A grant is refreshed on use at most this often: writing the session on every page would cost a write per page.
REFRESH_RESOLUTION = 60


def report_grant(reference: str) -> str:
    return f"report:{reference.upper()}"


def party_grant(link_id: int) -> str:
    return f"party:{link_id}"


def _lifetime() -> int:
    return int(settings.STEWARD_LINK_SESSION_SECONDS)


def _live_grants(request: HttpRequest) -> dict[str, int]:
    now = int(time.time())
    grants = request.session.get(SESSION_KEY, {})
    return {key: expires for key, expires in grants.items() if isinstance(expires, int) and expires > now}


def grant(request: HttpRequest, key: str) -> None:
    """The visitor proved they hold the secret for `key`: open it in their session (a new session key)."""
    grants = _live_grants(request)
    grants[key] = int(time.time()) + _lifetime()
    request.session.cycle_key()
    request.session[SESSION_KEY] = grants


def holds(request: HttpRequest, key: str) -> bool:
    """Whether the visitor's session has `key` open; a use keeps it open for another lifetime."""
    grants = _live_grants(request)
    expires = grants.get(key)
    if expires is None:
        if request.session.get(SESSION_KEY):
            request.session[SESSION_KEY] = grants  # drop the lapsed ones
        return False
    now = int(time.time())
    if expires - now < _lifetime() - REFRESH_RESOLUTION:
        grants[key] = now + _lifetime()
        request.session[SESSION_KEY] = grants
    return True


def leave(request: HttpRequest, key: str) -> None:
    grants = _live_grants(request)
    grants.pop(key, None)
    request.session[SESSION_KEY] = grants
