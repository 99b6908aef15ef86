"""A stateful imitation of the part of Mailman Core's REST API (3.1) that Steward uses, for the tests.

It remembers lists, memberships (with their moderation action) and bans, per list and site-wide; checks
HTTP basic authentication the way Mailman does (401 `REST API authorization failed`); answers in Falcon's
shapes (`{"title": "404 Not Found", "description": ...}`); and holds each endpoint to its documented
request shape (`ENDPOINTS`, from Mailman's REST documentation and src/mailman/rest/*.py), refusing what
Mailman's Validator refuses with its own words: "Unexpected parameters: ...", "Missing Parameter: ...",
"Invalid Parameter ...".
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

from spaces.fakes import Call, FakePlatform, Injected

ACTIONS = ("hold", "reject", "discard", "accept", "defer")  # mailman.interfaces.action.Action


def _moderation_action(value: str) -> str | None:
    if value == "":
        return None  # enum_validator(Action, allow_blank=True): blank clears the member's own setting
    if value not in ACTIONS:
        raise ValueError(f"Accepted Values are: {', '.join(ACTIONS)}")
    return value


def _email(value: str) -> str:
    if "@" not in value:
        raise ValueError(f"Expected a valid email address or regular expression, got {value}")
    return value


@dataclass(frozen=True)
class Shape:
    """One endpoint's documented form fields: converters, and which of them may be left out."""

    fields: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    optional: tuple[str, ...] = ()
    doc: str = ""


ENDPOINTS: dict[tuple[str, str], Shape] = {
    ("GET", "/lists/{list_id}"): Shape(doc="rest/docs/listconf.rst"),
    ("POST", "/lists/{list_id}/bans"): Shape(fields={"email": _email}, doc="rest/docs/bans.rst (bans.py: Validator(email=...))"),
    ("GET", "/lists/{list_id}/bans/{email}"): Shape(doc="rest/docs/bans.rst"),
    ("DELETE", "/lists/{list_id}/bans/{email}"): Shape(doc="rest/docs/bans.rst"),
    ("POST", "/bans"): Shape(fields={"email": _email}, doc="rest/docs/bans.rst (site-wide)"),
    ("GET", "/bans/{email}"): Shape(doc="rest/docs/bans.rst (site-wide)"),
    ("DELETE", "/bans/{email}"): Shape(doc="rest/docs/bans.rst (site-wide)"),
    ("GET", "/lists/{list_id}/member/{email}"): Shape(doc="rest/docs/membership.rst"),
    ("PATCH", "/members/{member_id}"): Shape(
        fields={"address": str, "delivery_mode": str, "moderation_action": _moderation_action},
        optional=("address", "delivery_mode", "moderation_action"),
        doc="rest/docs/membership.rst (members.py AMember.on_patch)",
    ),
}


@dataclass
class FakeMember:
    member_id: str
    list_id: str
    email: str
    moderation_action: str | None = None
    display_name: str | None = None


class FakeMailman(FakePlatform):
    API = "/3.1"

    def __init__(self, *, user: str = "restadmin", password: str = "fake-rest-password") -> None:  # noqa: S107  (a test double)
        super().__init__()
        self.user = user
        self.password = password
        self.lists: dict[str, set[str]] = {}  # list id -> banned addresses
        self.site_bans: set[str] = set()
        self.members: dict[str, FakeMember] = {}
        self.refused: list[tuple[Call, str]] = []  # requests that broke the documented shape, with Mailman's words
        routes: list[tuple[str, str, tuple[str, str], Callable[..., httpx.Response]]] = [
            ("GET", r"/lists/(?P<list_id>[^/]+)", ("GET", "/lists/{list_id}"), self._get_list),
            ("POST", r"/lists/(?P<list_id>[^/]+)/bans", ("POST", "/lists/{list_id}/bans"), self._ban),
            ("GET", r"/lists/(?P<list_id>[^/]+)/bans/(?P<email>[^/]+)", ("GET", "/lists/{list_id}/bans/{email}"), self._get_ban),
            ("DELETE", r"/lists/(?P<list_id>[^/]+)/bans/(?P<email>[^/]+)", ("DELETE", "/lists/{list_id}/bans/{email}"), self._unban),
            ("POST", r"/bans", ("POST", "/bans"), self._ban),
            ("GET", r"/bans/(?P<email>[^/]+)", ("GET", "/bans/{email}"), self._get_ban),
            ("DELETE", r"/bans/(?P<email>[^/]+)", ("DELETE", "/bans/{email}"), self._unban),
            ("GET", r"/lists/(?P<list_id>[^/]+)/member/(?P<email>[^/]+)", ("GET", "/lists/{list_id}/member/{email}"), self._get_member),
            ("PATCH", r"/members/(?P<member_id>[^/]+)", ("PATCH", "/members/{member_id}"), self._patch_member),
        ]
        for method, pattern, endpoint, handler in routes:
            self._checked(method, pattern, ENDPOINTS[endpoint], handler)

    # Falcon's answers ------------------------------------------------------------------------------

    def falcon_error(
        self, status: int, title: str, description: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = {"title": title} if description is None else {"title": title, "description": description}
        return self.reply(status, body, headers)

    def not_found(self, call: Call) -> httpx.Response:
        return self.falcon_error(404, "404 Not Found")

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        """Mailman Core never throttles; nginx in front of it does (limit_req answers 503 by default)."""
        page = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"  # noqa: E501
        return Injected(503, page, {"Content-Type": "text/html", "Retry-After": str(int(retry_after))})

    @staticmethod
    def _etagged(resource: dict[str, Any]) -> dict[str, Any]:
        resource = dict(resource)
        resource["http_etag"] = f'"{hashlib.sha1(json.dumps(resource, sort_keys=True).encode()).hexdigest()}"'  # noqa: S324
        return resource

    def _link(self, path: str) -> str:
        return f"http://localhost:9001{self.API}/{path}"

    # Authentication and the documented request shapes ------------------------------------------------

    def _checked(self, method: str, pattern: str, shape: Shape, handler: Callable[..., httpx.Response]) -> None:
        def checked(call: Call, **groups: str) -> httpx.Response:
            if not self._authorised(call):
                return self.falcon_error(
                    401, "401 Unauthorized", "REST API authorization failed", {"WWW-Authenticate": 'Basic realm="mailman3",charset="utf-8"'}
                )
            try:
                values = self._validate(call, shape)
            except ValueError as error:
                self.refused.append((call, str(error)))
                return self.falcon_error(400, "400 Bad Request", str(error))
            return handler(values, **{key: unquote(value) for key, value in groups.items()})

        self.route(method, self.API + pattern, checked)

    def _authorised(self, call: Call) -> bool:
        header = call.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode("utf-8", "replace").partition(":")
        return user == self.user and password == self.password

    @staticmethod
    def _validate(call: Call, shape: Shape) -> dict[str, Any]:
        """Mailman's Validator: form-encoded or JSON bodies; unexpected, unconvertible and missing fields refused."""
        content_type = call.headers.get("content-type", "")
        if call.method == "GET":
            raw: dict[str, Any] = dict(call.query)
        elif content_type.startswith("application/json"):
            raw = dict(json.loads(call.body or b"{}"))
        else:
            raw = dict(parse_qsl(call.body.decode(), keep_blank_values=True))
        extras = sorted(set(raw) - set(shape.fields))
        if extras:
            raise ValueError(f"Unexpected parameters: {', '.join(extras)}")
        values, invalid = {}, []
        for key, value in raw.items():
            try:
                values[key] = shape.fields[key](value)
            except (TypeError, ValueError) as error:
                invalid.append(f'Invalid Parameter "{key}": {error}.')
        if invalid:
            raise ValueError(" ".join(invalid))
        missing = sorted(set(shape.fields) - set(shape.optional) - set(values))
        if missing:
            raise ValueError(f"Missing Parameter: {', '.join(missing)}")
        return values

    # Lists and bans -------------------------------------------------------------------------------

    def _get_list(self, values: dict[str, Any], list_id: str) -> httpx.Response:
        if list_id not in self.lists:
            return self.falcon_error(404, "404 Not Found")
        name, _, host = list_id.partition(".")
        resource = {"list_id": list_id, "list_name": name, "mail_host": host, "fqdn_listname": f"{name}@{host}"}
        return self.reply(200, self._etagged(resource | {"self_link": self._link(f"lists/{list_id}")}))

    def _banned(self, list_id: str | None) -> set[str] | None:
        return self.site_bans if list_id is None else self.lists.get(list_id)

    def _ban(self, values: dict[str, Any], list_id: str | None = None) -> httpx.Response:
        bans = self._banned(list_id)
        if bans is None:
            return self.falcon_error(404, "404 Not Found")
        email = values["email"].lower()
        if email in bans:
            return self.falcon_error(400, "400 Bad Request", "Address is already banned")
        bans.add(email)
        where = f"lists/{list_id}/bans" if list_id else "bans"
        return self.reply(201, None, {"Location": self._link(f"{where}/{email}")})

    def _get_ban(self, values: dict[str, Any], email: str, list_id: str | None = None) -> httpx.Response:
        bans = self._banned(list_id)
        if bans is None:
            return self.falcon_error(404, "404 Not Found")
        if email.lower() not in bans:
            return self.falcon_error(404, "404 Not Found", f"Email is not banned: {email}")
        where = f"lists/{list_id}/bans" if list_id else "bans"
        resource = {"email": email, "self_link": self._link(f"{where}/{email}")} | ({"list_id": list_id} if list_id else {})
        return self.reply(200, self._etagged(resource))

    def _unban(self, values: dict[str, Any], email: str, list_id: str | None = None) -> httpx.Response:
        bans = self._banned(list_id)
        if bans is None:
            return self.falcon_error(404, "404 Not Found")
        if email.lower() not in bans:
            return self.falcon_error(404, "404 Not Found", f"Email is not banned: {email}")
        bans.discard(email.lower())
        return self.reply(204)

    # Members --------------------------------------------------------------------------------------

    def _member_json(self, member: FakeMember) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "address": self._link(f"addresses/{member.email}"),
            "delivery_mode": "regular",
            "email": member.email,
            "list_id": member.list_id,
            "member_id": member.member_id,
            "role": "member",
            "self_link": self._link(f"members/{member.member_id}"),
            "subscription_mode": "as_address",
        }
        # Mailman includes these only when set: an absent moderation_action means the list's default applies.
        if member.moderation_action is not None:
            resource["moderation_action"] = member.moderation_action
        if member.display_name is not None:
            resource["display_name"] = member.display_name
        return self._etagged(resource)

    def _find_member(self, list_id: str, email: str) -> FakeMember | None:
        return next((m for m in self.members.values() if m.list_id == list_id and m.email == email.lower()), None)

    def _get_member(self, values: dict[str, Any], list_id: str, email: str) -> httpx.Response:
        member = self._find_member(list_id, email) if list_id in self.lists else None
        if member is None:
            return self.falcon_error(404, "404 Not Found")  # ChildError: no description
        return self.reply(200, self._member_json(member))

    def _patch_member(self, values: dict[str, Any], member_id: str) -> httpx.Response:
        member = self.members.get(member_id)
        if member is None:
            return self.falcon_error(404, "404 Not Found")
        if "moderation_action" in values:
            member.moderation_action = values["moderation_action"]
        return self.reply(204)

    # Test helpers: the site, and changes made by hand in Postorius ----------------------------------

    def add_list(self, list_id: str) -> str:
        self.lists.setdefault(list_id, set())
        return list_id

    def subscribe(self, list_id: str, email: str, *, moderation_action: str | None = None) -> str:
        member_id = uuid.uuid4().hex
        self.members[member_id] = FakeMember(member_id, list_id, email.lower(), moderation_action)
        return member_id

    def unsubscribe(self, list_id: str, email: str) -> None:
        member = self._find_member(list_id, email)
        if member is not None:
            del self.members[member.member_id]

    def moderation_of(self, list_id: str, email: str) -> str | None:
        member = self._find_member(list_id, email)
        assert member is not None, f"{email} is not a member of {list_id}"
        return member.moderation_action

    def set_moderation_by_hand(self, list_id: str, email: str, action: str | None) -> None:
        member = self._find_member(list_id, email)
        assert member is not None
        member.moderation_action = action

    def is_banned(self, list_id: str | None, email: str) -> bool:
        bans = self._banned(list_id)
        return bans is not None and email.lower() in bans

    def unban_by_hand(self, list_id: str | None, email: str) -> None:
        bans = self._banned(list_id)
        assert bans is not None
        bans.discard(email.lower())
