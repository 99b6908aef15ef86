"""Acting on people and on who may take part: org blocks, removal from the org or a repository, interaction limits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from spaces.base import ActionRequest, Check, Outcome, PermanentFailure, Verdict
from spaces.github.client import Expiry, Limit, NotFound
from spaces.github.operation import Operation
from spaces.github.subjects import parse_scope

_LOGIN = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$", re.IGNORECASE)
LIMITS: tuple[Limit, ...] = ("existing_users", "contributors_only", "collaborators_only")
# GitHub's fixed periods, shortest first, at their nominal length. Whether the period GitHub actually set
# covers the decision is judged afterwards from the `expires_at` it answers with.
EXPIRIES: tuple[tuple[Expiry, timedelta], ...] = (
    ("one_day", timedelta(days=1)),
    ("three_days", timedelta(days=3)),
    ("one_week", timedelta(days=7)),
    ("one_month", timedelta(days=30)),
    ("six_months", timedelta(days=180)),
)
# How far from the decision's end GitHub may lift a limit and still count as lifting it "at the end".
NATIVE_EXPIRY_SLACK = timedelta(hours=1)
# GitHub's roles for a repository, and the `permission` that gives each back; admin is not handed back
# automatically (see RemoveMember.revert).
REPOSITORY_PERMISSIONS = {"read": "pull", "triage": "triage", "write": "push", "maintain": "maintain", "admin": "maintain"}


def login_of(request: ActionRequest) -> str:
    # Handles reach Steward casefolded; GitHub logins are case-insensitive, so the casefolded one works as is.
    login = request.subject.strip().lstrip("@")
    if not _LOGIN.match(login):
        raise PermanentFailure(f"{request.subject!r} is not a GitHub user name.")
    return login


class Block(Operation):
    """An organisation block: no comments, issues, pull requests or reactions anywhere in the org. GitHub
    keeps no reason with it, and it has no end: Steward schedules the unblock."""

    def apply(self, request: ActionRequest) -> Outcome:
        login = login_of(request)
        state = {"login": login}
        if self.client.is_blocked(self.org, login):
            return Outcome(f"{login} was already blocked from the organisation {self.org}.", login, state=state)
        try:
            self.client.block(self.org, login)
        except NotFound:
            raise PermanentFailure(f"GitHub has no user {login}, or the token lacks the admin:org scope that blocking needs.") from None
        except PermanentFailure:
            # 422 covers both "already blocked" (a race with another block) and "cannot be blocked".
            if not self.client.is_blocked(self.org, login):
                raise
        return Outcome(f"Blocked {login} from the organisation {self.org}.", login, state=state)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        login = str(state.get("login") or login_of(request))
        if not self.client.is_blocked(self.org, login):
            return Outcome(f"{login} was not blocked in the organisation {self.org} any more.", login)
        self.client.unblock(self.org, login)
        return Outcome(f"Unblocked {login} in the organisation {self.org}.", login)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        login = str(state.get("login") or login_of(request))
        if self.client.is_blocked(self.org, login):
            return Check(Verdict.HOLDS, f"{login} is blocked from the organisation {self.org}.")
        return Check(Verdict.ABSENT, f"{login} is not blocked in the organisation {self.org}.")


class RemoveMember(Operation):
    """Removal from the organisation, or with param `repository` from one repository's collaborators."""

    def _repository(self, request: ActionRequest, state: Mapping[str, Any]) -> tuple[str, str] | None:
        name = str(state.get("repository") or request.params.get("repository") or "").strip().strip("/")
        if not name:
            return None
        owner, _, repo = name.rpartition("/")
        scope = parse_scope(f"{owner or self.org}/{repo}", self.org)
        return scope.owner, scope.repo

    def apply(self, request: ActionRequest) -> Outcome:
        login = login_of(request)
        repository = self._repository(request, {})
        if repository:
            owner, repo = repository
            role = self.client.collaborator_role(owner, repo, login)
            state = {"login": login, "repository": f"{owner}/{repo}", "role": role}
            if role is None:
                return Outcome(f"{login} was not a collaborator on {owner}/{repo}.", login, state=state)
            self.client.remove_collaborator(owner, repo, login)
            return Outcome(f"Removed {login} ({role}) from the collaborators of {owner}/{repo}.", login, state=state)
        membership = self.client.membership(self.org, login)
        if membership is None:
            return Outcome(f"{login} was not a member of the organisation {self.org}.", login, state={"login": login})
        self.client.remove_membership(self.org, login)
        what = "an invitation to" if membership.state == "pending" else "membership of"
        state = {"login": login, "role": membership.role, "state": membership.state}
        return Outcome(f"Removed {login}'s {what} the organisation {self.org}.", login, state=state)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        login = str(state.get("login") or login_of(request))
        repository = self._repository(request, state)
        if repository:
            owner, repo = repository
            if self.client.collaborator_role(owner, repo, login) is not None:
                return Outcome(f"{login} was already a collaborator on {owner}/{repo}.", login)
            role = str(state.get("role") or "read")
            permission = REPOSITORY_PERMISSIONS.get(role, role)  # a custom role is given back by its name
            invited = self.client.add_collaborator(owner, repo, login, permission)
            how = "invitation sent" if invited else "access given back"
            note = "; they were an admin, which an admin must restore by hand" if role == "admin" else ""
            return Outcome(f"Asked GitHub to add {login} back to {owner}/{repo} as {permission} ({how}){note}.", login)
        if self.client.membership(self.org, login) is not None:
            return Outcome(f"{login} is already a member of, or invited to, the organisation {self.org}.", login)
        self.client.invite_member(self.org, login)
        # Owners come back as members: handing owner rights back is for a person to decide.
        note = "; they were an owner, which an owner must restore by hand" if state.get("role") == "admin" else ""
        return Outcome(f"Invited {login} back to the organisation {self.org} as a member (invitation sent){note}.", login)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        login = str(state.get("login") or login_of(request))
        repository = self._repository(request, state)
        if repository:
            owner, repo = repository
            if self.client.collaborator_role(owner, repo, login) is None:
                return Check(Verdict.HOLDS, f"{login} is not a collaborator on {owner}/{repo}.")
            return Check(Verdict.ABSENT, f"{login} is a collaborator on {owner}/{repo}.")
        membership = self.client.membership(self.org, login)
        if membership is None:
            return Check(Verdict.HOLDS, f"{login} is not a member of the organisation {self.org}.")
        return Check(Verdict.ABSENT, f"{login} is a member of the organisation {self.org} ({membership.state}).")


def choose_expiry(ends_at: datetime | None, now: datetime) -> Expiry:
    """The shortest of GitHub's periods that lasts until `ends_at`; the longest when none does (or no end)."""
    if ends_at is not None:
        for expiry, length in EXPIRIES:
            if now + length >= ends_at:
                return expiry
    return EXPIRIES[-1][0]


class LimitInteractions(Operation):
    """Interaction limits on the organisation or one repository (subject `acme` or `acme/app`). They apply to
    everyone outside the allowed group, not to one person, and GitHub always lifts them itself."""

    def _limit(self, request: ActionRequest) -> Limit:
        value = str(request.params.get("limit") or "existing_users").strip().lower()
        if value not in LIMITS:
            raise PermanentFailure(f"GitHub limits interactions to {', '.join(LIMITS)}; {value!r} is not one.")
        return value

    def apply(self, request: ActionRequest) -> Outcome:
        scope = parse_scope(request.subject, self.org)
        limit = self._limit(request)
        current = self.client.interaction_limit(scope)
        lasts = current is not None and (request.ends_at is None or current.expires_at >= request.ends_at - NATIVE_EXPIRY_SLACK)
        if current is not None and current.limit == limit and lasts:
            return self._outcome(
                f"Interactions in {scope.words} were already limited to {limit}", scope.name, limit, current.expires_at, request
            )
        expiry = choose_expiry(request.ends_at, timezone.now())
        result = self.client.set_interaction_limit(scope, limit, expiry)
        return self._outcome(f"Limited interactions in {scope.words} to {limit}", scope.name, limit, result.expires_at, request, expiry)

    def _outcome(self, done: str, scope: str, limit: str, ends: datetime, request: ActionRequest, expiry: Expiry | None = None) -> Outcome:
        state = {"scope": scope, "limit": limit, "expires_at": ends.isoformat()}
        detail = f"{done}; GitHub lifts the limit on {ends:%Y-%m-%d %H:%M} UTC"
        if request.ends_at is None:
            return Outcome(f"{detail}, as it keeps no limit for longer than six months.", scope, state=state)
        if ends < request.ends_at - NATIVE_EXPIRY_SLACK:
            why = ": GitHub keeps no limit for longer than six months" if expiry == EXPIRIES[-1][0] else ""
            return Outcome(f"{detail}, before the decision ends{why}.", scope, state=state)
        if ends - request.ends_at <= NATIVE_EXPIRY_SLACK:
            return Outcome(detail + ".", scope, native_expiry=True, state=state)
        # GitHub's fixed periods overshoot this decision's end: Steward lifts the limit at the end itself.
        return Outcome(f"{detail}, after the decision ends, so Steward lifts it at the end.", scope, state=state)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        scope = parse_scope(str(state.get("scope") or request.subject), self.org)
        if self.client.interaction_limit(scope) is None:
            return Outcome(f"Interactions in {scope.words} were not limited any more.", scope.name)
        self.client.remove_interaction_limit(scope)
        return Outcome(f"Lifted the interaction limits in {scope.words}.", scope.name)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        scope = parse_scope(str(state.get("scope") or request.subject), self.org)
        limit = self._limit(request)
        current = self.client.interaction_limit(scope)
        if current is None:
            return Check(Verdict.ABSENT, f"Interactions in {scope.words} are not limited.")
        if current.limit != limit:
            return Check(Verdict.ABSENT, f"Interactions in {scope.words} are limited to {current.limit}, not {limit}.")
        return Check(Verdict.HOLDS, f"Interactions in {scope.words} are limited to {limit} until {current.expires_at:%Y-%m-%d %H:%M} UTC.")
