"""Mailman 3: ban an address from lists (or the whole site), hold a member's posts for moderation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spaces.base import ActionRequest, Capability, Check, NotConfigured, Op, Outcome, PermanentFailure, Space, Target, Verdict
from spaces.mailman.client import MailmanClient, ban_pattern
from spaces.registry import register
from spaces.secrets import missing_secrets

DEFAULT_API_URL = "http://localhost:8001/3.1"
HOLD = "hold"
SITE = "site"


def _names(value: Any) -> list[str]:
    """A settings list, given as a JSON list or as comma-separated text."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


def _lists(names: Any) -> str:
    return ", ".join(names) if names else "no list"


@register
class MailmanSpace(Space):
    platform = "mailman"
    title = "Mailman"
    identity_space = "email"  # list members are e-mail addresses
    capabilities = (
        Capability(Op.BAN, Target.PERSON, "Ban the address from the mailing lists", params=("list", "scope")),
        Capability(Op.MODERATE, Target.PERSON, "Hold their posts for moderation", params=("list",)),
    )
    intents = {"ban": (Op.BAN,), "mute": (Op.MODERATE,)}
    setting_names = ("api_url", "lists")
    secret_names = ("user", "password")
    _client: MailmanClient | None = None

    # Configuration -------------------------------------------------------------------------------

    def client(self) -> MailmanClient:
        if self._client is None:
            missing = missing_secrets(self.connection.slug, self.secret_names)
            if missing:
                raise NotConfigured(f"Mailman needs the REST API user and password: set {', '.join(missing)}.")
            api_url = str(self.settings.get("api_url") or DEFAULT_API_URL)
            self._client = MailmanClient(api_url, self.secrets["user"], self.secrets["password"])
        return self._client

    def lists(self, request: ActionRequest) -> list[str]:
        """The lists the action is about: its `list` parameter, or every configured list."""
        lists = _names([request.params["list"]]) if request.params.get("list") else _names(self.settings.get("lists"))
        if not lists:
            raise PermanentFailure("No list given and no lists configured for this Mailman connection (setting 'lists').")
        return lists

    @staticmethod
    def _email(subject: str) -> str:
        email = subject.strip()
        if "@" not in email or email.startswith("^") or "/" in email:
            raise PermanentFailure(f"Mailman acts on e-mail addresses; {subject!r} is not one.")
        return email

    # Dispatch ------------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        if request.op == Op.BAN:
            return self._ban(request)
        if request.op == Op.MODERATE:
            return self._moderate(request)
        return super().apply(request)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        if request.op == Op.BAN:
            return self._unban(request, state)
        if request.op == Op.MODERATE:
            return self._restore_moderation(request, state)
        return super().revert(request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        if request.op == Op.BAN:
            return self._check_ban(request, state)
        if request.op == Op.MODERATE:
            return self._check_moderation(request, state)
        return super().verify(request, state)

    # Bans ----------------------------------------------------------------------------------------

    def _ban_targets(self, request: ActionRequest, state: Mapping[str, Any]) -> list[str | None]:
        """List ids, or [None] for the site-wide ban list (`scope=site`)."""
        if "lists" in state:
            return [None] if state.get("scope") == SITE else list(state["lists"])
        return [None] if request.params.get("scope") == SITE else list(self.lists(request))

    @staticmethod
    def _where(targets: list[str | None]) -> str:
        return "every list on the site" if targets == [None] else _lists(targets)

    @staticmethod
    def _ban_entry(email: str, state: Mapping[str, Any]) -> str:
        """What Steward placed in Mailman's ban list: the recorded entry; a plain address for a ban recorded
        before Steward banned by pattern (its state has lists but no entry); else the pattern it bans with now."""
        if state.get("entry"):
            return str(state["entry"])
        return email if "lists" in state else ban_pattern(email)

    def _ban(self, request: ActionRequest) -> Outcome:
        email = self._email(request.subject)
        targets = self._ban_targets(request, {})
        # A pattern, not the address: Mailman compares address bans case-sensitively, so a ban on the
        # address as written would let every other spelling of it subscribe and post.
        entry = ban_pattern(email)
        client = self.client()
        already = [target for target in targets if not client.ban(target, entry)]
        state = {"scope": SITE if targets == [None] else "list", "lists": [target for target in targets if target], "entry": entry}
        # Mailman keeps no reason with a ban; the case holds it.
        if len(already) == len(targets):
            return Outcome(f"{email} was already banned from {self._where(targets)}.", external_ref=email, state=state)
        note = f" (already banned from {self._where(already)})" if already else ""
        return Outcome(f"Banned {email} from {self._where(targets)}{note}.", external_ref=email, state=state)

    def _unban(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        email = self._email(request.subject)
        targets = self._ban_targets(request, state)
        entry = self._ban_entry(email, state)
        client = self.client()
        # Only Steward's own entry is deleted: a ban someone placed by hand on the address stays.
        lifted = [target for target in targets if client.unban(target, entry)]
        if not lifted:
            return Outcome(f"{email} was no longer banned from {self._where(targets)}.", external_ref=email, state=dict(state))
        return Outcome(f"Lifted the ban of {email} from {self._where(lifted)}.", external_ref=email, state=dict(state))

    def _check_ban(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        email = self._email(request.subject)
        targets = self._ban_targets(request, state)
        entry = self._ban_entry(email, state)
        client = self.client()
        # Asking for the entry itself (not the address) sees a pattern ban removed by hand even when an
        # exact ban on one spelling is left: that one would no longer stop the others.
        missing = [target for target in targets if not client.is_banned(target, entry)]
        if missing:
            return Check(Verdict.ABSENT, f"{email} is not banned from {self._where(missing)}.")
        return Check(Verdict.HOLDS, f"{email} is banned from {self._where(targets)}.")

    # Moderation ----------------------------------------------------------------------------------

    def _moderate(self, request: ActionRequest) -> Outcome:
        email = self._email(request.subject)
        client = self.client()
        previous: dict[str, str | None] = {}
        held: list[str] = []
        for list_id in self.lists(request):
            member = client.member(list_id, email)
            if member is None:
                continue  # not subscribed there: nothing to hold
            # Absent means "the list's default action"; the member's own setting overrides it.
            previous[list_id] = member.get("moderation_action")
            if previous[list_id] != HOLD:
                client.set_moderation(str(member["member_id"]), HOLD)
                held.append(list_id)
        if not previous:
            raise PermanentFailure(f"{email} is not a member of {_lists(self.lists(request))}; there is nothing to moderate.")
        state = {"previous": previous}
        already = [list_id for list_id in previous if list_id not in held]
        if not held:
            return Outcome(f"{email}'s posts were already held for moderation on {_lists(already)}.", external_ref=email, state=state)
        note = f" (already held on {_lists(already)})" if already else ""
        return Outcome(f"Posts from {email} to {_lists(held)} are now held for moderation{note}.", external_ref=email, state=state)

    def _restore_moderation(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        email = self._email(request.subject)
        client = self.client()
        # Without a recorded state (a crash before it was saved), members go back to the list's default action.
        previous: Mapping[str, str | None] = state.get("previous") or dict.fromkeys(self.lists(request))
        restored, gone = [], []
        for list_id, action in previous.items():
            # Look the membership up again: it may have been re-created (new member id) since.
            member = client.member(list_id, email)
            if member is None:
                gone.append(list_id)
            elif member.get("moderation_action") != action:
                client.set_moderation(str(member["member_id"]), action)
                restored.append(list_id)
        parts = [
            f"Restored the moderation setting of {email} on {_lists(restored)}" if restored else f"{email}'s moderation needed no change"
        ]
        if gone:
            parts.append(f"no longer a member of {_lists(gone)}")
        return Outcome("; ".join(parts) + ".", external_ref=email, state=dict(state))

    def _check_moderation(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        email = self._email(request.subject)
        client = self.client()
        list_ids = list(state.get("previous") or {}) or self.lists(request)
        members = {list_id: client.member(list_id, email) for list_id in list_ids}
        found = {list_id: member for list_id, member in members.items() if member is not None}
        if not found:
            return Check(Verdict.UNKNOWN, f"{email} is not a member of {_lists(list_ids)}.")
        free = [list_id for list_id, member in found.items() if member.get("moderation_action") != HOLD]
        if free:
            return Check(Verdict.ABSENT, f"{email}'s posts are not held for moderation on {_lists(free)}.")
        return Check(Verdict.HOLDS, f"{email}'s posts are held for moderation on {_lists(found)}.")
