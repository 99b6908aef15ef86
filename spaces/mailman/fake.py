"""A stateful imitation of the part of Mailman Core's REST API (3.1) that Steward and its tests use.

It remembers domains, lists, memberships (with their moderation action) and bans, per list and site-wide;
checks HTTP basic authentication the way Mailman does (401 `REST API authorization failed`); answers in
Falcon's shapes (`{"title": "404 Not Found", "description": ...}`) with the records Mailman 3.3 returns
(captured from the real core, `spaces/mailman/tests/test_real_mailman.py` keeps them equal); and holds each
endpoint to its documented request shape (`ENDPOINTS`, from Mailman's REST documentation and
src/mailman/rest/*.py), refusing what Mailman's Validator refuses with its own words: "Unexpected
parameters: ...", "Missing Parameter: ...", "Invalid Parameter ...".

Bans behave as mailman/model/bans.py: an address ban matches only the exact string (case and all, it is an
SQL equality); a ban starting with `^` is a regular expression matched with `re.match(..., re.IGNORECASE)`;
site-wide bans apply to every list. A list is found by its list id or by its posting address.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pprint import pformat
from typing import Any
from urllib.parse import parse_qsl, quote_plus, unquote

import httpx

from spaces.fakes import Call, FakePlatform, Injected

ACTIONS = ("hold", "reject", "discard", "accept", "defer")  # mailman.interfaces.action.Action
TRUE = ("yes", "true", "on", "1")
FALSE = ("no", "false", "off", "0")


def _moderation_action(value: str) -> str | None:
    if value == "":
        return None  # enum_validator(Action, allow_blank=True): blank clears the member's own setting
    if value not in ACTIONS:
        raise ValueError(f"Accepted Values are: {', '.join(ACTIONS)}")
    return value


def _email(value: str) -> str:
    """email_or_regexp_validator: an address, or a regular expression when it starts with ^."""
    if value.startswith("^"):
        try:
            re.compile(value)
        except re.error:
            raise ValueError(f"Expected a valid email address or regular expression, got {value}") from None
        return value
    if "@" not in value:
        raise ValueError(f"Expected a valid email address or regular expression, got {value}")
    return value


def _boolean(value: str) -> bool:
    """mailman.config.schema's as_boolean."""
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValueError(f"Invalid boolean value: {value}")


def _matches(entry: str, email: str) -> bool:
    """One stored ban against an address, as BanManager.is_banned compares them."""
    return entry == email or (entry.startswith("^") and re.match(entry, email, re.IGNORECASE) is not None)


@dataclass(frozen=True)
class Shape:
    """One endpoint's documented form fields: converters, and which of them may be left out."""

    fields: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    optional: tuple[str, ...] = ()
    doc: str = ""


ENDPOINTS: dict[tuple[str, str], Shape] = {
    ("POST", "/domains"): Shape(
        fields={"mail_host": str, "description": str, "alias_domain": str, "owner": str},
        optional=("description", "alias_domain", "owner"),
        doc="rest/docs/domains.rst (domains.py AllDomains.on_post)",
    ),
    ("POST", "/lists"): Shape(
        fields={"fqdn_listname": str, "style_name": str}, optional=("style_name",), doc="rest/docs/listconf.rst (lists.py on_post)"
    ),
    ("GET", "/lists/{list_id}"): Shape(doc="rest/docs/listconf.rst"),
    ("POST", "/lists/{list_id}/bans"): Shape(fields={"email": _email}, doc="rest/docs/bans.rst (bans.py: Validator(email=...))"),
    ("GET", "/lists/{list_id}/bans/{email}"): Shape(doc="rest/docs/bans.rst"),
    ("DELETE", "/lists/{list_id}/bans/{email}"): Shape(doc="rest/docs/bans.rst"),
    ("POST", "/bans"): Shape(fields={"email": _email}, doc="rest/docs/bans.rst (site-wide)"),
    ("GET", "/bans/{email}"): Shape(doc="rest/docs/bans.rst (site-wide)"),
    ("DELETE", "/bans/{email}"): Shape(doc="rest/docs/bans.rst (site-wide)"),
    # The fake subscribes only pre-approved members (no confirmation or moderation step): the three flags are required here.
    ("POST", "/members"): Shape(
        fields={
            "list_id": str,
            "subscriber": str,
            "display_name": str,
            "pre_verified": _boolean,
            "pre_confirmed": _boolean,
            "pre_approved": _boolean,
            "send_welcome_message": _boolean,
        },
        optional=("display_name", "send_welcome_message"),
        doc="rest/docs/membership.rst (members.py AllMembers.on_post)",
    ),
    ("GET", "/lists/{list_id}/member/{email}"): Shape(doc="rest/docs/membership.rst"),
    ("PATCH", "/members/{member_id}"): Shape(
        fields={"address": str, "delivery_mode": str, "moderation_action": _moderation_action},
        optional=("address", "delivery_mode", "moderation_action"),
        doc="rest/docs/membership.rst (members.py AMember.on_patch)",
    ),
}


@dataclass
class FakeList:
    list_id: str
    fqdn_listname: str
    bans: set[str] = field(default_factory=set)  # as stored: addresses in their case, patterns starting with ^

    @property
    def list_name(self) -> str:
        return self.fqdn_listname.partition("@")[0]

    @property
    def mail_host(self) -> str:
        return self.fqdn_listname.partition("@")[2]


@dataclass
class FakeMember:
    member_id: str
    list_id: str
    email: str
    moderation_action: str | None = None


class FakeMailman(FakePlatform):
    API = "/3.1"

    def __init__(self, *, user: str = "restadmin", password: str = "fake-rest-password") -> None:  # noqa: S107  (a test double)
        super().__init__()
        self.user = user
        self.password = password
        self.domains: set[str] = set()
        self.lists: dict[str, FakeList] = {}  # by list id
        self.site_bans: set[str] = set()
        self.members: dict[str, FakeMember] = {}
        self.users: dict[str, str] = {}  # address -> user id (Mailman links each subscribed address to a user)
        self.display_names: dict[str, str] = {}  # address -> its name, set when the address is first seen (site-wide)
        self.refused: list[tuple[Call, str]] = []  # requests that broke the documented shape, with Mailman's words
        routes: list[tuple[str, str, tuple[str, str], Callable[..., httpx.Response]]] = [
            ("POST", r"/domains", ("POST", "/domains"), self._add_domain),
            ("POST", r"/lists", ("POST", "/lists"), self._add_list),
            ("GET", r"/lists/(?P<list_id>[^/]+)", ("GET", "/lists/{list_id}"), self._get_list),
            ("POST", r"/lists/(?P<list_id>[^/]+)/bans", ("POST", "/lists/{list_id}/bans"), self._ban),
            ("GET", r"/lists/(?P<list_id>[^/]+)/bans/(?P<email>[^/]+)", ("GET", "/lists/{list_id}/bans/{email}"), self._get_ban),
            ("DELETE", r"/lists/(?P<list_id>[^/]+)/bans/(?P<email>[^/]+)", ("DELETE", "/lists/{list_id}/bans/{email}"), self._unban),
            ("POST", r"/bans", ("POST", "/bans"), self._ban),
            ("GET", r"/bans/(?P<email>[^/]+)", ("GET", "/bans/{email}"), self._get_ban),
            ("DELETE", r"/bans/(?P<email>[^/]+)", ("DELETE", "/bans/{email}"), self._unban),
            ("POST", r"/members", ("POST", "/members"), self._add_member),
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

    def bad_request(self, description: str) -> httpx.Response:
        return self.falcon_error(400, "400 Bad Request", description)

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        """Mailman Core never throttles; nginx in front of it does (limit_req answers 503 by default)."""
        page = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"  # noqa: E501
        return Injected(503, page, {"Content-Type": "text/html", "Retry-After": str(int(retry_after))})

    @staticmethod
    def _etagged(resource: dict[str, Any]) -> dict[str, Any]:
        """mailman.rest.helpers.etag: the SHA-1 of the pretty-printed (key-sorted) resource."""
        digest = hashlib.sha1(pformat(resource).encode("raw-unicode-escape")).hexdigest()  # noqa: S324
        return resource | {"http_etag": f'"{digest}"'}

    def _link(self, path: str) -> str:
        return f"http://localhost:8001{self.API}/{path}"

    def created(self, path: str) -> httpx.Response:
        return self.reply(201, None, {"Location": self._link(path)})

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
                return self.bad_request(str(error))
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

    # Domains and lists ----------------------------------------------------------------------------

    def _add_domain(self, values: dict[str, Any]) -> httpx.Response:
        host = values["mail_host"]
        if host in self.domains:
            return self.bad_request(f"Duplicate email host: {host}")
        self.domains.add(host)
        return self.created(f"domains/{host}")

    def _add_list(self, values: dict[str, Any]) -> httpx.Response:
        name, at, host = values["fqdn_listname"].partition("@")
        if not at:
            return self.bad_request(f"Invalid list posting address: {values['fqdn_listname']}")
        if host not in self.domains:
            return self.bad_request(f"Domain does not exist: {host}")
        list_id = f"{name}.{host}"
        if list_id in self.lists:
            return self.bad_request("Mailing list exists")
        self.lists[list_id] = FakeList(list_id, f"{name}@{host}")
        return self.created(f"lists/{list_id}")

    def _list(self, identifier: str) -> FakeList | None:
        """ListsResource's child: a posting address (with @) or a list id; both compared exactly."""
        if "@" in identifier:
            return next((mlist for mlist in self.lists.values() if mlist.fqdn_listname == identifier), None)
        return self.lists.get(identifier)

    def _get_list(self, values: dict[str, Any], list_id: str) -> httpx.Response:
        mlist = self._list(list_id)
        if mlist is None:
            return self.falcon_error(404, "404 Not Found", "404 Not Found")
        resource = {
            "advertised": True,
            "display_name": mlist.list_name.capitalize(),
            "fqdn_listname": mlist.fqdn_listname,
            "list_id": mlist.list_id,
            "list_name": mlist.list_name,
            "mail_host": mlist.mail_host,
            "member_count": sum(member.list_id == mlist.list_id for member in self.members.values()),
            "volume": 1,
            "description": "",
            "self_link": self._link(f"lists/{mlist.list_id}"),
        }
        return self.reply(200, self._etagged(resource))

    # Bans -------------------------------------------------------------------------------------------

    def is_banned(self, list_id: str | None, email: str) -> bool:
        """BanManager.is_banned: would Mailman refuse this address (on this list, or site-wide)?"""
        entries = set(self.site_bans)
        if list_id is not None:
            entries |= self.lists[list_id].bans
        return any(_matches(entry, email) for entry in entries)

    def _ban_location(self, list_id: str | None, email: str) -> str:
        where = f"lists/{list_id}/bans" if list_id else "bans"
        return f"{where}/{quote_plus(email) if email.startswith('^') else email}"

    def _ban_target(self, list_id: str | None) -> tuple[str | None, set[str]] | None:
        if list_id is None:
            return None, self.site_bans
        mlist = self._list(list_id)
        return None if mlist is None else (mlist.list_id, mlist.bans)

    def _ban(self, values: dict[str, Any], list_id: str | None = None) -> httpx.Response:
        target = self._ban_target(list_id)
        if target is None:
            return self.falcon_error(404, "404 Not Found")
        resolved, bans = target
        email = values["email"]
        if self.is_banned(resolved, email):
            return self.bad_request("Address is already banned")
        bans.add(email)
        return self.created(self._ban_location(resolved, email))

    def _get_ban(self, values: dict[str, Any], email: str, list_id: str | None = None) -> httpx.Response:
        target = self._ban_target(list_id)
        if target is None:
            return self.falcon_error(404, "404 Not Found")
        resolved, _ = target
        if not self.is_banned(resolved, email):
            return self.falcon_error(404, "404 Not Found", f"Email is not banned: {email}")
        resource = {"email": email, "self_link": self._link(self._ban_location(resolved, email))}
        return self.reply(200, self._etagged(resource | ({"list_id": resolved} if resolved else {})))

    def _unban(self, values: dict[str, Any], email: str, list_id: str | None = None) -> httpx.Response:
        target = self._ban_target(list_id)
        if target is None:
            return self.falcon_error(404, "404 Not Found")
        resolved, bans = target
        if not self.is_banned(resolved, email):
            return self.falcon_error(404, "404 Not Found", f"Email is not banned: {email}")
        bans.discard(email)  # only the exact entry: a pattern or a site-wide ban that matched stays (204 all the same)
        return self.reply(204)

    # Members --------------------------------------------------------------------------------------

    def _member_json(self, member: FakeMember) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "address": self._link(f"addresses/{member.email}"),
            "bounce_score": 0,
            "last_warning_sent": "0001-01-01T00:00:00",
            "total_warnings_sent": 0,
            "delivery_mode": "regular",
            "email": member.email,
            "list_id": member.list_id,
            "subscription_mode": "as_address",
            "role": "member",
            "user": self._link(f"users/{self.users[member.email]}"),
        }
        # Mailman leaves out what is None: an absent moderation_action means the list's default applies.
        if member.moderation_action is not None:
            resource["moderation_action"] = member.moderation_action
        resource |= {"display_name": self.display_names[member.email], "self_link": self._link(f"members/{member.member_id}")}
        return self._etagged(resource | {"member_id": member.member_id})

    def _find_member(self, list_id: str, email: str) -> FakeMember | None:
        # Mailman stores addresses lower-cased (keeping the original spelling apart) and looks them up so.
        return next((m for m in self.members.values() if m.list_id == list_id and m.email == email.lower()), None)

    def _add_member(self, values: dict[str, Any]) -> httpx.Response:
        if not (values["pre_verified"] and values["pre_confirmed"] and values["pre_approved"]):
            return self.bad_request("The fake subscribes only pre-verified, pre-confirmed, pre-approved members")
        mlist = self.lists.get(values["list_id"])  # by list id only, as AllMembers.on_post
        if mlist is None:
            return self.bad_request("No such list")
        email = values["subscriber"]
        if self.is_banned(mlist.list_id, email):
            return self.bad_request("Membership is banned")
        if self._find_member(mlist.list_id, email) is not None:
            return self.falcon_error(409, "409 Conflict", "Member already subscribed")
        return self.created(f"members/{self.subscribe(mlist.list_id, email, display_name=values.get('display_name', ''))}")

    def _get_member(self, values: dict[str, Any], list_id: str, email: str) -> httpx.Response:
        mlist = self._list(list_id)
        member = self._find_member(mlist.list_id, email) if mlist is not None else None
        if member is None:
            return self.falcon_error(404, "404 Not Found")  # ChildError: no description
        return self.reply(200, self._member_json(member))

    def _patch_member(self, values: dict[str, Any], member_id: str) -> httpx.Response:
        member = self.members.get(member_id)
        if member is None:
            return self.falcon_error(404, "404 Not Found", "404 Not Found")
        if "moderation_action" in values:
            member.moderation_action = values["moderation_action"]
        return self.reply(204)

    # Test helpers: the site, and changes made by hand in Postorius ----------------------------------

    def add_list(self, list_id: str) -> str:
        name, _, host = list_id.partition(".")
        self.domains.add(host)
        self.lists.setdefault(list_id, FakeList(list_id, f"{name}@{host}"))
        return list_id

    def subscribe(self, list_id: str, email: str, *, moderation_action: str | None = None, display_name: str = "") -> str:
        member_id = uuid.uuid4().hex
        self.users.setdefault(email.lower(), uuid.uuid4().hex)
        self.display_names.setdefault(email.lower(), display_name)  # a known address keeps the name it has
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

    def bans(self, list_id: str | None) -> set[str]:
        """The ban entries as stored (what Postorius lists): addresses as typed, patterns as given."""
        return self.site_bans if list_id is None else self.lists[list_id].bans

    def unban_by_hand(self, list_id: str | None, entry: str) -> None:
        """Postorius's "unban": removes one stored entry exactly."""
        self.bans(list_id).remove(entry)
