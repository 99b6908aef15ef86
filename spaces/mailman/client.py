"""The calls Steward makes to Mailman Core's REST API (https://docs.mailman3.org/projects/mailman/en/latest/src/mailman/rest/docs/),
and nothing else.

Mailman Core is a Falcon application: parameters go form-encoded, successes are 200 (JSON), 201 (a
Location header) or 204 (empty), and errors are Falcon's JSON `{"title": "400 Bad Request", "description":
"..."}` (sometimes with a title only). Every answer is turned into data or into one of the interface's
failures in `MailmanClient._send`, so the space never sees an HTTP status.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from spaces.base import PermanentFailure, TemporaryFailure

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
NOT_BANNED = "Email is not banned"
ALREADY_BANNED = "Address is already banned"


class MailmanRefused(PermanentFailure):
    """Mailman answered with an error. `description` is Falcon's description (or the title when there is none)."""

    def __init__(self, message: str, *, status: int, description: str) -> None:
        super().__init__(message)
        self.status = status
        self.description = description


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _description(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("description") or body.get("title") or response.reason_phrase)
    return response.reason_phrase


def ban_pattern(email: str) -> str:
    """The ban entry that stops every spelling of an address.

    Mailman compares an address ban by SQL equality, so a ban on `Mallory@Example.ORG` lets
    `mallory@example.org` subscribe; an entry starting with `^` is a regular expression that
    mailman/model/bans.py matches with `re.match(entry, address, re.IGNORECASE)`. Anchored at both ends
    and escaped, it matches this one address in any case and nothing else.
    """
    return f"^{re.escape(email.lower())}$"


def _segment(text: str) -> str:
    """One path segment: e-mail addresses keep their @, everything else that could break the path is escaped."""
    return quote(text, safe="@")


class MailmanClient:
    def __init__(self, api_url: str, user: str, password: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self._auth = (user, password)
        self._transport = transport
        self._http: httpx.Client | None = None

    def http(self) -> httpx.Client:
        if self._http is None:  # one connection pool per client
            self._http = httpx.Client(base_url=self.api_url, auth=self._auth, timeout=TIMEOUT, transport=self._transport)
        return self._http

    # The one place HTTP results become data or failures ---------------------------------------

    def _send(self, method: str, path: str, what: str, data: dict[str, str] | None = None) -> httpx.Response:
        """The response when it is a success or a 4xx other than 401 (the caller decides what those mean)."""
        try:
            response = self.http().request(method, path, data=data)
        except httpx.TimeoutException:
            raise TemporaryFailure(f"Mailman at {self.api_url} did not answer in time while {what}.") from None
        except httpx.TransportError as error:
            raise TemporaryFailure(f"Could not reach Mailman at {self.api_url} while {what} ({type(error).__name__}).") from None
        status = response.status_code
        # Mailman Core never throttles; the web server in front of it may (nginx answers 503, others 429).
        if status == 429 or status >= 500:
            raise TemporaryFailure(
                f"Mailman was unavailable ({status}) while {what}.", retry_after=_seconds(response.headers.get("Retry-After"))
            )
        if status == 401:
            raise PermanentFailure(f"Mailman refused the REST credentials while {what}: check the user and password secrets.")
        return response

    def _refused(self, response: httpx.Response, what: str) -> MailmanRefused:
        description = _description(response)
        return MailmanRefused(f"Mailman refused {what}: {description}.", status=response.status_code, description=description)

    def _expect(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            raise self._refused(response, what)
        return response

    # Lists --------------------------------------------------------------------------------------

    def list_exists(self, list_id: str) -> bool:
        response = self._send("GET", f"/lists/{_segment(list_id)}", f"looking up the list {list_id}")
        if response.status_code == 404:
            return False
        self._expect(response, f"looking up the list {list_id}")
        return True

    def _no_list(self, list_id: str | None, what: str) -> MailmanRefused:
        return MailmanRefused(f"Mailman refused {what}: there is no list {list_id}.", status=404, description="404 Not Found")

    # Bans (list_id None: the site-wide ban list) ---------------------------------------------------
    # `entry` is what Mailman stores: an address (matched exactly, case and all) or a regular expression
    # starting with ^ (matched with re.IGNORECASE); see `ban_pattern`.

    @staticmethod
    def _bans(list_id: str | None) -> str:
        return f"/lists/{_segment(list_id)}/bans" if list_id else "/bans"

    def is_banned(self, list_id: str | None, entry: str) -> bool:
        """True when Mailman holds this entry (or another that matches it) on the list or site-wide."""
        what = f"checking the ban of {entry}"
        response = self._send("GET", f"{self._bans(list_id)}/{_segment(entry)}", what)
        if response.status_code == 404:
            # "Email is not banned: ..." comes from the ban resource; a bare 404 means the list itself is unknown.
            if list_id and not _description(response).startswith(NOT_BANNED):
                raise self._no_list(list_id, what)
            return False
        self._expect(response, what)
        return True

    def ban(self, list_id: str | None, entry: str) -> bool:
        """True when newly banned, False when Mailman already held a matching ban."""
        what = f"banning {entry}"
        response = self._send("POST", self._bans(list_id), what, {"email": entry})
        if response.status_code == 400 and _description(response) == ALREADY_BANNED:
            return False
        if response.status_code == 404:
            raise self._no_list(list_id, what)
        self._expect(response, what)
        return True

    def unban(self, list_id: str | None, entry: str) -> bool:
        """True when the ban was lifted, False when there was none. Mailman deletes only this exact entry."""
        what = f"lifting the ban of {entry}"
        response = self._send("DELETE", f"{self._bans(list_id)}/{_segment(entry)}", what)
        if response.status_code == 404:
            if list_id and not _description(response).startswith(NOT_BANNED):
                raise self._no_list(list_id, what)
            return False
        self._expect(response, what)
        return True

    # Members ------------------------------------------------------------------------------------

    def member(self, list_id: str, email: str) -> dict[str, Any] | None:
        """The subscription of an address to a list (role member), or None when it is not subscribed."""
        what = f"looking up {email} on {list_id}"
        response = self._send("GET", f"/lists/{_segment(list_id)}/member/{_segment(email)}", what)
        if response.status_code == 404:
            # Mailman gives the same bare 404 for "no such list" and "not a member": tell them apart.
            if not self.list_exists(list_id):
                raise self._no_list(list_id, what)
            return None
        body = self._expect(response, what).json()
        return dict(body)

    def set_moderation(self, member_id: str, action: str | None) -> None:
        """PATCH the member's moderation_action; None (sent blank) returns them to the list's default action."""
        what = f"changing the moderation of member {member_id}"
        response = self._send("PATCH", f"/members/{_segment(member_id)}", what, {"moderation_action": action or ""})
        self._expect(response, what)
