"""Slack's HTTP APIs, and nothing else: the Web API (slack-sdk's WebClient), SCIM (its SCIMClient) and response_url posts.

Every HTTP result is turned into the interface's failures here, in `_failure` and `_scim_failure`, so the space
never sees an HTTP status or a Slack error code it has to interpret, except the few it treats as "already done"
(`SlackRefused.error`). The retry handlers of slack-sdk are switched off: the executor retries, with back-off.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.scim import SCIMClient
from slack_sdk.webhook import WebhookClient

from spaces.base import PermanentFailure, TemporaryFailure

DEFAULT_API_URL = "https://slack.com"
DEFAULT_SCIM_URL = "https://api.slack.com/scim/v2/"
RESPONSE_URL_ORIGIN = "https://hooks.slack.com"
TIMEOUT = 15  # seconds; a hung call would hold a worker's lease
# The thanks is posted while Slack waits for the shortcut's answer, which it wants within 3 seconds.
RESPOND_TIMEOUT = 2

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

# Slack answers these with HTTP 200 and ok=false, yet they are worth retrying.
TEMPORARY_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
AUTH_ERRORS = frozenset({"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type"})
# A plainer wording for the errors a steward is likely to meet.
EXPLAINED = {
    "channel_not_found": "the channel does not exist or the Steward bot cannot see it",
    "user_not_found": "Slack has no such user",
    "users_not_found": "Slack has no member with that e-mail address",
    "cant_delete_message": "the admin token's user may not delete this message (it needs a workspace admin or owner)",
    "restricted_action": "a workspace setting forbids it for this token",
    "cant_kick_self": "Steward cannot remove its own bot user",
    "is_archived": "the channel is archived",
    "cant_invite": "this user cannot be invited to the channel",
    "compliance_exports_prevent_deletion": "compliance exports are on, so messages cannot be deleted",
    "method_not_supported_for_channel_type": "this kind of conversation does not allow it",
}


class SlackRefused(PermanentFailure):
    """Slack said no (ok=false). `error` is Slack's code, for the few the space treats as "already done"."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


def _header(headers: Any, name: str) -> str | None:
    """Case-insensitive header lookup over a dict or an http.client message."""
    for key, value in dict(headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _retry_after(headers: Any) -> float | None:
    raw = _header(headers, "Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _failure(method: str, token_label: str, status: int, headers: Any, data: Any) -> PermanentFailure | TemporaryFailure:
    """The one place Web API answers become failures."""
    error = str(data.get("error", "")) if isinstance(data, Mapping) else ""
    if status == 429 or error == "ratelimited":
        return TemporaryFailure(f"Slack rate-limited {method}.", retry_after=_retry_after(headers))
    if status >= 500:
        return TemporaryFailure(f"Slack failed on {method} (HTTP {status}).", retry_after=_retry_after(headers))
    if error in TEMPORARY_ERRORS:
        return TemporaryFailure(f"Slack failed on {method} ({error}).")
    if status != 200:
        return PermanentFailure(f"Slack refused {method} (HTTP {status}).")
    if error in AUTH_ERRORS:
        return SlackRefused(f"Slack refused {method}: the {token_label} is not valid ({error}).", error)
    if error == "missing_scope":
        needed = data.get("needed", "") if isinstance(data, Mapping) else ""
        return SlackRefused(f"Slack refused {method}: the {token_label} lacks the {needed or 'required'} scope.", error)
    explained = EXPLAINED.get(error, error or "no reason given")
    return SlackRefused(f"Slack refused {method}: {explained}.", error)


class SlackClient:
    """The calls Steward makes; tokens are named ("bot_token", "admin_token") and looked up per call."""

    def __init__(
        self, tokens: Mapping[str, str], *, api_url: str = DEFAULT_API_URL, scim_url: str = DEFAULT_SCIM_URL, team_id: str = ""
    ) -> None:
        self.tokens = tokens
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.scim_url = (scim_url or DEFAULT_SCIM_URL).rstrip("/") + "/"
        self.team_id = team_id or None

    # Web API ----------------------------------------------------------------------------------

    def call(self, token_name: str, method: str, **params: Any) -> dict[str, Any]:
        label = token_name.replace("_", " ")
        client = WebClient(
            token=self.tokens[token_name], base_url=f"{self.api_url}/api/", timeout=TIMEOUT, team_id=self.team_id, retry_handlers=[]
        )
        try:
            response = client.api_call(method, params={key: value for key, value in params.items() if value is not None})
        except SlackApiError as error:
            answer = error.response
            raise _failure(method, label, answer.status_code, answer.headers, answer.data) from None
        except SlackRequestError as error:
            raise PermanentFailure(f"The Slack API address in the connection settings is not usable ({error}).") from None
        except (OSError, http.client.HTTPException) as error:
            # URLError, timeouts and dropped connections are all OSErrors or HTTPExceptions.
            raise TemporaryFailure(f"Slack could not be reached for {method} ({type(error).__name__}).") from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    def pages(self, token_name: str, method: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paginated list (`members`, `channels`, `messages`)."""
        cursor = ""
        while True:
            data = self.call(token_name, method, cursor=cursor or None, **params)
            yield from data.get(key, [])
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return

    # SCIM -------------------------------------------------------------------------------------

    def scim(self, verb: str, user_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        client = SCIMClient(token=self.tokens["admin_token"], base_url=self.scim_url, timeout=TIMEOUT, retry_handlers=[])
        what = f"{verb} /Users/{user_id}"
        try:
            response = client.api_call(http_verb=verb, path=f"Users/{quote(user_id)}", body_params=body)
        except SlackRequestError as error:
            raise PermanentFailure(f"The Slack SCIM address in the connection settings is not usable ({error}).") from None
        except (OSError, http.client.HTTPException) as error:
            raise TemporaryFailure(f"Slack's SCIM API could not be reached for {what} ({type(error).__name__}).") from None
        status = response.status_code
        if status < 300:
            return dict(response.body or {})
        raise _scim_failure(what, user_id, status, response.headers, response.body)

    def scim_user(self, user_id: str) -> dict[str, Any]:
        return self.scim("GET", user_id)

    def scim_deactivate(self, user_id: str) -> None:
        self.scim("DELETE", user_id)

    def scim_reactivate(self, user_id: str) -> None:
        # RFC 7644 §3.5.2: a PatchOp replacing the one attribute; Slack reactivates on active=true.
        self.scim("PATCH", user_id, {"schemas": [SCIM_PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]})

    # response_url -----------------------------------------------------------------------------

    def respond(self, response_url: str, text: str) -> None:
        """An ephemeral message to whoever used a shortcut; only Slack's own hooks (or the API host) are posted to."""
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(response_url))
        if origin not in (RESPONSE_URL_ORIGIN, "{0.scheme}://{0.netloc}".format(urlsplit(self.api_url))):
            raise PermanentFailure("The response_url is not on Slack's hooks host; nothing was posted.")
        client = WebhookClient(response_url, timeout=RESPOND_TIMEOUT, retry_handlers=[])
        try:
            answer = client.send(text=text, response_type="ephemeral", replace_original=False)
        except (OSError, http.client.HTTPException) as error:
            raise TemporaryFailure(f"Slack could not be reached for the reply ({type(error).__name__}).") from None
        if answer.status_code >= 300:
            raise _failure("response_url", "response_url", answer.status_code, answer.headers, {})


def _scim_failure(what: str, user_id: str, status: int, headers: Any, body: Any) -> PermanentFailure | TemporaryFailure:
    """SCIM answers with HTTP statuses; its error body is RFC 7644 (`detail`) or Slack's v1 shape (`Errors.description`)."""
    detail = ""
    if isinstance(body, Mapping):
        errors = body.get("Errors")
        detail = str(body.get("detail") or (errors.get("description") if isinstance(errors, Mapping) else "") or "")
    suffix = f": {detail}" if detail else ""
    if status == 429:
        return TemporaryFailure(f"Slack rate-limited SCIM {what}.", retry_after=_retry_after(headers))
    if status >= 500:
        return TemporaryFailure(f"Slack's SCIM API failed on {what} (HTTP {status}).", retry_after=_retry_after(headers))
    if status in (401, 403):
        return PermanentFailure(
            f"Slack's SCIM API refused the admin token (HTTP {status}{suffix}); it needs the admin scope of a workspace "
            "owner or admin, on a plan with SCIM."
        )
    if status == 404:
        return SlackRefused(f"Slack's SCIM API has no user {user_id}.", "not_found")
    return PermanentFailure(f"Slack's SCIM API refused {what} (HTTP {status}{suffix}).")
