"""Discourse's HTTP API, only the calls Steward makes, with every failure mapped in one place (`_failure`).

Discourse authenticates API calls with two headers, `Api-Key` and `Api-Username` (the account the key acts
as). It answers errors as `{"errors": ["..."], "error_type": "not_found"}`, a few admin actions as
`{"failed": "FAILED", "message": "..."}` (409 "already suspended"), and rate limits as HTTP 429 with a
`Retry-After` header and `{"error_type": "rate_limit", "extras": {"wait_seconds": 5}}` — or, from the
request-tracker middleware in front of the app, with a plain-text body and only the header.

Endpoints the published OpenAPI description lacks (unsilence, unsuspend, unhide, recover, posts by number,
the staff action log) are the ones Discourse's own admin UI calls; see docs/spaces/discourse.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from spaces.base import PermanentFailure, SpaceError, TemporaryFailure

DEFAULT_TIMEOUT = 20.0
# The flag type Steward hides a post with: "inappropriate" is one of Discourse's auto-action flag types,
# so a staff flag with take_action hides the post at once (PostActionCreator#auto_hide_if_needed).
INAPPROPRIATE = 4
REASON_LIMIT = 300  # Discourse refuses a suspension or silence reason longer than this (400)


class DiscourseRefused(PermanentFailure):
    """A 4xx from Discourse. `status` and `error_type` let callers tell "already suspended" (409) from the rest."""

    def __init__(self, message: str, status: int, error_type: str, said: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.said = said


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _said(response: httpx.Response) -> str:
    """What Discourse said, in its own words: the `errors` list, the `message`, or the start of a text body."""
    body = _json_or_none(response)
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(error) for error in errors)
        if body.get("message"):
            return str(body["message"])
    return response.text.strip()[:200]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds Discourse asked us to wait: the Retry-After header, else the JSON `extras.wait_seconds`."""
    header = response.headers.get("Retry-After", "")
    try:
        return max(float(header), 0.0)
    except ValueError:
        pass
    body = _json_or_none(response)
    extras = body.get("extras") if isinstance(body, dict) else None
    wait = extras.get("wait_seconds") if isinstance(extras, dict) else None
    return float(wait) if isinstance(wait, int | float) else None


def _failure(response: httpx.Response, action: str, api_username: str) -> SpaceError:
    """The one place HTTP answers become the interface's failures."""
    status = response.status_code
    said = _said(response)
    if status == 429:
        return TemporaryFailure(f"Discourse is rate limiting Steward ({said or 'too many requests'}).", retry_after=_retry_after(response))
    if status >= 500:
        return TemporaryFailure(f"Discourse could not {action} just now (HTTP {status}).", retry_after=_retry_after(response))
    body = _json_or_none(response)
    error_type = str(body.get("error_type", "")) if isinstance(body, dict) else ""
    if status == 403 and ("api username or key is invalid" in said.lower() or error_type == "not_logged_in"):
        message = f"Discourse refused the API key (acting as {api_username!r}): {said} Check the key and its user."
    elif status == 403:
        message = (
            f"Discourse refused to {action}: the account {api_username!r} may not do this ({said}). "
            "Steward needs an admin API key, or a granular key with the users, posts and topics write scopes."
        )
    elif status == 404:
        message = f"Discourse could not {action}: not found ({said or 'HTTP 404'})."
    else:
        message = f"Discourse refused to {action}: {said or 'no reason given'} (HTTP {status})."
    return DiscourseRefused(message, status, error_type, said)


class DiscourseClient:
    """One forum, one API key. Use as a context manager so the connection pool is closed."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_username: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_username = api_username
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Api-Key": api_key, "Api-Username": api_username, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> DiscourseClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(
        self, method: str, path: str, action: str, *, json: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            response = self._http.request(method, path, json=json, params=params)
        except httpx.TimeoutException:
            raise TemporaryFailure(f"Discourse did not answer in time when Steward tried to {action}.") from None
        except httpx.TransportError as error:
            raise TemporaryFailure(f"Could not reach Discourse at {self.base_url} to {action} ({type(error).__name__}).") from None
        if response.status_code >= 400:
            raise _failure(response, action, self.api_username)
        if not response.content:
            return None
        body = _json_or_none(response)
        if body is None:
            # A proxy's maintenance page, or base_url pointing at something that is not Discourse.
            raise TemporaryFailure(f"Discourse answered with something that is not JSON when Steward tried to {action}.")
        return body

    # Users --------------------------------------------------------------------------------------

    def user(self, username: str) -> dict[str, Any]:
        """The public profile (`user` of GET /u/{username}.json); Discourse matches the name case-insensitively."""
        body = self._call("GET", f"/u/{quote(username, safe='')}.json", f"look up the user {username!r}")
        return dict(body["user"])

    def admin_user(self, user_id: int) -> dict[str, Any]:
        """The admin view, which carries `suspended_till` and `silenced_till` while those are in effect."""
        return dict(self._call("GET", f"/admin/users/{user_id}.json", f"read user {user_id}"))

    def silence(self, user_id: int, until: str, reason: str, message: str = "") -> dict[str, Any]:
        # `message`, when given, is e-mailed to the person by Discourse: the notice of the policy's notify_on_platform.
        body = {"silenced_till": until, "reason": reason[:REASON_LIMIT], **({"message": message} if message else {})}
        return dict(self._call("PUT", f"/admin/users/{user_id}/silence.json", f"silence user {user_id}", json=body))

    def unsilence(self, user_id: int) -> None:
        self._call("PUT", f"/admin/users/{user_id}/unsilence.json", f"lift the silence of user {user_id}")

    def suspend(self, user_id: int, until: str, reason: str, message: str = "") -> dict[str, Any]:
        body = {"suspend_until": until, "reason": reason[:REASON_LIMIT], **({"message": message} if message else {})}
        return dict(self._call("PUT", f"/admin/users/{user_id}/suspend.json", f"suspend user {user_id}", json=body))

    def unsuspend(self, user_id: int) -> None:
        self._call("PUT", f"/admin/users/{user_id}/unsuspend.json", f"lift the suspension of user {user_id}")

    def staff_actions(self, action_name: str, page: int) -> list[dict[str, Any]]:
        """One page of the staff action log (newest first) for one action, e.g. `suspend_user`."""
        body = self._call(
            "GET", "/admin/logs/staff_action_logs.json", "read the staff action log", params={"action_name": action_name, "page": page}
        )
        rows = body.get("staff_action_logs", []) if isinstance(body, dict) else body
        return [dict(row) for row in rows or []]

    # Posts and topics ---------------------------------------------------------------------------

    def post(self, post_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/posts/{post_id}.json", f"read post {post_id}"))

    def post_by_number(self, topic_id: int, post_number: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/posts/by_number/{topic_id}/{post_number}.json", f"find post #{post_number} of topic {topic_id}"))

    def hide_post(self, post_id: int) -> dict[str, Any]:
        """Flag the post as inappropriate with "take action", which hides it at once (staff only).

        `take_action` goes in the query string: Discourse reads it from params, where it must be the string
        "true", and the published description of the JSON body does not list it.
        """
        body = {"id": post_id, "post_action_type_id": INAPPROPRIATE}
        return dict(self._call("POST", "/post_actions.json", f"hide post {post_id}", json=body, params={"take_action": "true"}))

    def unhide_post(self, post_id: int) -> None:
        self._call("PUT", f"/posts/{post_id}/unhide.json", f"unhide post {post_id}")

    def delete_post(self, post_id: int) -> None:
        self._call("DELETE", f"/posts/{post_id}.json", f"delete post {post_id}")

    def recover_post(self, post_id: int) -> None:
        self._call("PUT", f"/posts/{post_id}/recover.json", f"restore post {post_id}")

    # Revisions (unpublished: the post history dialog's own endpoints, PostsController#revisions, hide_revision, revert)

    def revision(self, post_id: int, number: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/posts/{post_id}/revisions/{number}.json", f"read edit {number} of post {post_id}"))

    def set_revision_hidden(self, post_id: int, number: int, hidden: bool) -> None:
        verb = "hide" if hidden else "show"
        self._call("PUT", f"/posts/{post_id}/revisions/{number}/{verb}.json", f"{verb} edit {number} of post {post_id}")

    def revert_revision(self, post_id: int, number: int) -> dict[str, Any]:
        """Put the post's text back to what it was before edit `number` (Discourse records that as a new edit)."""
        return dict(self._call("PUT", f"/posts/{post_id}/revisions/{number}/revert.json", f"undo edit {number} of post {post_id}"))

    def topic(self, topic_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/t/{topic_id}.json", f"read topic {topic_id}"))

    def set_topic_closed(self, topic_id: int, closed: bool) -> None:
        body = {"status": "closed", "enabled": "true" if closed else "false"}
        self._call("PUT", f"/t/{topic_id}/status.json", f"{'close' if closed else 'reopen'} topic {topic_id}", json=body)

    def create_private_message(self, recipient: str, title: str, raw: str, external_id: str) -> dict[str, Any]:
        """A new private message (a topic of archetype private_message) from the API user to `recipient`.
        `external_id` names it for Steward: Discourse keeps one topic per external id and finds it by that id."""
        body = {
            "title": title,
            "raw": raw,
            "archetype": "private_message",
            "target_recipients": recipient,
            "external_id": external_id,
        }
        return dict(self._call("POST", "/posts.json", f"send {recipient} a private message", json=body))

    def topic_by_external_id(self, external_id: str) -> int | None:
        """The id of the topic Steward created with `external_id`, or None. Discourse answers with a redirect to the
        topic (TopicsController#show_by_external_id), which is read, not followed."""
        action = f"look up the private message {external_id}"
        try:
            response = self._http.get(f"/t/external_id/{quote(external_id, safe='')}.json")
        except httpx.TimeoutException:
            raise TemporaryFailure(f"Discourse did not answer in time when Steward tried to {action}.") from None
        except httpx.TransportError as error:
            raise TemporaryFailure(f"Could not reach Discourse at {self.base_url} to {action} ({type(error).__name__}).") from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise _failure(response, action, self.api_username)
        found = re.search(r"/t/(?:[^/]+/)?(\d+)(?:\.json)?(?:[/?]|$)", response.headers.get("location", ""))
        if response.status_code not in (301, 302) or found is None:
            raise TemporaryFailure(
                f"Discourse answered HTTP {response.status_code} without the topic's address when Steward tried to {action}."
            )
        return int(found.group(1))

    def latest_posts(self, before: int | None = None) -> list[dict[str, Any]]:
        """Up to 50 of the newest public posts, newest first; `before` pages back (ids lower than it)."""
        params = {"before": before} if before is not None else None
        body = self._call("GET", "/posts.json", "read the latest posts", params=params)
        return [dict(post) for post in body.get("latest_posts", [])]
