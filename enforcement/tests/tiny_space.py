"""A deliberately small platform used to test the executor on its own: a forum with bans and time-outs.

It is a complete Space (client over HTTP, failures mapped the way real platforms are) over a stateful fake,
so the executor tests exercise the same paths as the real platforms without depending on any of them.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from spaces.base import ActionRequest, Capability, Check, Op, Outcome, PermanentFailure, Space, Target, TemporaryFailure, Verdict
from spaces.fakes import Call, FakePlatform, Injected

PLATFORM = "other"  # a people.models.Space value, so identities can point at it


class FakeTinyForum(FakePlatform):
    def __init__(self, token: str = "tiny-token") -> None:
        super().__init__()
        self.token = token
        self.bans: dict[str, str] = {}  # user -> reason
        self.timeouts: dict[str, datetime] = {}
        self.protected = {"admin"}  # accounts the forum refuses to ban
        self.lift_reasons: dict[str, str] = {}  # user -> the reason given when the ban was lifted (shown in the forum's log)
        self.posts: dict[str, str] = {}  # post id -> its text
        self.route("PUT", r"/bans/(?P<user>[^/]+)", self.put_ban)
        self.route("DELETE", r"/bans/(?P<user>[^/]+)", self.delete_ban)
        self.route("GET", r"/bans/(?P<user>[^/]+)", self.get_ban)
        self.route("PUT", r"/timeouts/(?P<user>[^/]+)", self.put_timeout)
        self.route("DELETE", r"/timeouts/(?P<user>[^/]+)", self.delete_timeout)
        self.route("GET", r"/timeouts/(?P<user>[^/]+)", self.get_timeout)
        self.route("PUT", r"/posts/(?P<post>[^/]+)", self.put_post)
        self.messages: list[tuple[str, str]] = []  # (user, text) of each direct message the forum delivered
        self.route("POST", r"/messages/(?P<user>[^/]+)", self.post_message)

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        return Injected(429, {"error": "slow down"}, {"Retry-After": str(int(retry_after))})

    def _authorised(self, call: Call) -> bool:
        return call.headers.get("authorization") == f"Bearer {self.token}"

    def put_ban(self, call: Call, user: str) -> httpx.Response:
        if not self._authorised(call):
            return self.reply(401, {"error": "bad token"})
        if user in self.protected:
            return self.reply(403, {"error": "moderators cannot be banned"})
        self.bans[user] = call.json().get("reason", "")
        return self.reply(204)

    def delete_ban(self, call: Call, user: str) -> httpx.Response:
        self.bans.pop(user, None)
        self.lift_reasons[user] = (call.json() or {}).get("reason", "")
        return self.reply(204)

    def get_ban(self, call: Call, user: str) -> httpx.Response:
        return self.reply(200, {"user": user}) if user in self.bans else self.reply(404, {"error": "no ban"})

    def put_timeout(self, call: Call, user: str) -> httpx.Response:
        self.timeouts[user] = datetime.fromisoformat(call.json()["until"])
        return self.reply(204)

    def delete_timeout(self, call: Call, user: str) -> httpx.Response:
        self.timeouts.pop(user, None)
        return self.reply(204)

    def get_timeout(self, call: Call, user: str) -> httpx.Response:
        until = self.timeouts.get(user)
        if until is None or until <= datetime.now(UTC):
            return self.reply(404, {"error": "no time-out"})
        return self.reply(200, {"until": until.isoformat()})

    def put_post(self, call: Call, post: str) -> httpx.Response:
        self.posts[post] = call.json()["body"]
        return self.reply(204)

    def post_message(self, call: Call, user: str) -> httpx.Response:
        self.messages.append((user, call.json()["text"]))
        return self.reply(201, {"id": str(len(self.messages))})

    def unban_by_hand(self, user: str) -> None:
        with self.lock:
            self.bans.pop(user, None)


class TinySpace(Space):
    platform = PLATFORM
    title = "Tiny forum"
    capabilities = (
        Capability(Op.BAN, Target.PERSON, "Ban from the forum"),
        Capability(Op.TIMEOUT, Target.PERSON, "Time out", native_expiry=timedelta(days=14), needs_end=True),
        Capability(Op.EDIT_CONTENT, Target.CONTENT, "Replace a post's text", reversible=False, params=("body",)),
    )
    intents = {"ban": (Op.BAN,), "mute": (Op.TIMEOUT,)}
    # A direct message to the person timed out; the forum cannot be asked afterwards whether one arrived.
    notifies = frozenset({Op.TIMEOUT})
    setting_names = ("api_url",)
    secret_names = ("token",)

    def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        token = self.secrets.get("token")
        if not token:
            raise PermanentFailure("The tiny forum's token is not set.")
        try:
            response = httpx.request(
                method, self.settings["api_url"] + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
        except httpx.TransportError as error:
            raise TemporaryFailure(f"The tiny forum did not answer: {type(error).__name__}") from error
        if response.status_code == 429:
            raise TemporaryFailure("The tiny forum is rate limiting us.", retry_after=float(response.headers.get("Retry-After", 1)))
        if response.status_code >= 500:
            raise TemporaryFailure(f"The tiny forum failed ({response.status_code}).")
        if response.status_code >= 400 and response.status_code != 404:
            raise PermanentFailure(f"The tiny forum refused: {response.json().get('error')}")
        return response

    def apply(self, request: ActionRequest) -> Outcome:
        if request.op == Op.BAN:
            self._call("PUT", f"/bans/{request.subject}", {"reason": request.reason})
            # Like a real platform's answer, the ban's own address on the forum is the reference to it.
            reference = f"{self.settings['api_url']}/bans/{request.subject}"
            return Outcome(f"Banned {request.subject} from the tiny forum.", external_ref=reference, state={"user": request.subject})
        if request.op == Op.EDIT_CONTENT:
            self._call("PUT", f"/posts/{request.subject}", {"body": request.params["body"]})
            return Outcome(f"Replaced the text of post {request.subject}.")
        until = request.ends_at or datetime.now(UTC) + timedelta(days=1)
        self._call("PUT", f"/timeouts/{request.subject}", {"until": until.isoformat()})
        return Outcome(f"Timed out {request.subject} until {until:%Y-%m-%d}.", native_expiry=True)

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        return str(self._call("POST", f"/messages/{request.subject}", {"text": text}).json()["id"])

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        path = "bans" if request.op == Op.BAN else "timeouts"
        self._call("DELETE", f"/{path}/{request.subject}", {"reason": request.reason} if request.op == Op.BAN else None)
        return Outcome(f"Lifted the {path[:-1]} of {request.subject}.")

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        path = "bans" if request.op == Op.BAN else "timeouts"
        found = self._call("GET", f"/{path}/{request.subject}").status_code == 200
        return Check(Verdict.HOLDS if found else Verdict.ABSENT, f"{'In place' if found else 'Not in place'} on the tiny forum.")
