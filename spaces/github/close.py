"""Rejecting a contribution: closing an issue or pull request as not planned, with the reason as a comment.

GitHub's issues API closes both (`PATCH /repos/{owner}/{repo}/issues/{number}`); only issues keep a state reason
(`not_planned`: GitHub shows "closed as not planned" with a grey icon), a pull request is simply closed, unmerged.
The reason comment is posted before the close and carries the action's key in an HTML comment (invisible on
GitHub), so a retry after a crash finds it and never posts it twice; an issue found closed is not commented on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from spaces.base import ActionRequest, Check, Outcome, PermanentFailure, Verdict
from spaces.github.client import GitHubClient, IssueInfo, NotFound
from spaces.github.operation import Operation
from spaces.github.subjects import ThreadRef, parse_thread


def marker(key: str) -> str:
    """What identifies Steward's comment for one action, whatever language or reason it was written with."""
    return f"<!-- steward-action:{key} -->"


def reason_comment(request: ActionRequest, pull: bool) -> str:
    """The comment GitHub shows under the closed thread. The reason is the one stewards wrote for the platform,
    which the enforcement plan has already passed through the identity leak check (letters.leakcheck)."""
    what = (
        _("This pull request was closed by the community's stewards.")
        if pull
        else _("This issue was closed as not planned by the community's stewards.")
    )
    reason = request.reason.strip()
    lines = [what, "", _("Reason: %(reason)s") % {"reason": reason}] if reason else [what]
    return "\n".join([*lines, "", marker(request.key)])


def post_thread_notice(client: GitHubClient, org: str, request: ActionRequest, text: str) -> str:
    """A comment on the issue or pull request a lock, a hidden or a deleted comment belongs to: everyone in the
    conversation, the author included, reads it there. Posted once: a retry finds it by the action's key."""
    try:
        thread = parse_thread(request.subject, org)
    except PermanentFailure:
        raise PermanentFailure("GitHub has no conversation to comment on for a commit comment.") from None
    if thread.kind == "discussion":
        raise PermanentFailure("Steward comments on issues and pull requests; a discussion gets no notice.")
    found = find_thread_notice(client, org, request)
    if found:
        return found
    tag = marker(f"notice-{request.key}")
    return str(client.add_thread_comment(thread.owner, thread.repo, thread.number, f"{text}\n\n{tag}"))


def find_thread_notice(client: GitHubClient, org: str, request: ActionRequest) -> str:
    """The id of the notice comment already posted for this action (its key's marker), or "" when there is none."""
    try:
        thread = parse_thread(request.subject, org)
    except PermanentFailure:
        return ""  # a commit comment: no conversation, so no notice was ever posted
    if thread.kind == "discussion":
        return ""
    tag = marker(f"notice-{request.key}")
    for comment in client.thread_comments(thread.owner, thread.repo, thread.number):
        if tag in (comment.body or ""):
            return str(comment.id)
    return ""


class CloseContribution(Operation):
    def _thread(self, request: ActionRequest) -> ThreadRef:
        thread = parse_thread(request.subject, self.org)
        if thread.kind == "discussion":
            raise PermanentFailure("Steward closes issues and pull requests on GitHub, not discussions: lock the discussion instead.")
        return thread

    @staticmethod
    def _words(thread: ThreadRef, info: IssueInfo) -> str:
        return f"{'pull request' if info.pull else 'issue'} {thread.owner}/{thread.repo}#{thread.number}"

    def _commented(self, thread: ThreadRef, key: str) -> bool:
        return any(marker(key) in (comment.body or "") for comment in self.client.thread_comments(thread.owner, thread.repo, thread.number))

    def apply(self, request: ActionRequest) -> Outcome:
        thread = self._thread(request)
        info = self.client.issue(thread.owner, thread.repo, thread.number)
        words, state = self._words(thread, info), {"pull": info.pull}
        if info.state == "closed":
            return Outcome(f"The {words} was already closed.", info.node_id, state=state)
        if not self._commented(thread, request.key):
            self.client.add_thread_comment(thread.owner, thread.repo, thread.number, reason_comment(request, info.pull))
        self.client.set_issue_state(thread.owner, thread.repo, thread.number, "closed", None if info.pull else "not_planned")
        done = "Closed the pull request" if info.pull else "Closed the issue as not planned"
        return Outcome(f"{done} {words.split(' ', 2)[-1]}, with the reason as a comment.", info.node_id, state=state)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        thread = self._thread(request)
        try:
            info = self.client.issue(thread.owner, thread.repo, thread.number)
        except NotFound:
            return Outcome(f"The {thread.words} is gone, so there is nothing to reopen.")
        words = self._words(thread, info)
        if info.state == "open":
            return Outcome(f"The {words} was already open.", info.node_id)
        self.client.set_issue_state(thread.owner, thread.repo, thread.number, "open", None if info.pull else "reopened")
        return Outcome(f"Reopened the {words}.", info.node_id)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        thread = self._thread(request)
        try:
            info = self.client.issue(thread.owner, thread.repo, thread.number)
        except NotFound:
            return Check(Verdict.UNKNOWN, f"The {thread.words} is gone.")
        words = self._words(thread, info)
        if info.state != "closed":
            return Check(Verdict.ABSENT, f"The {words} is open.")
        if not info.pull and info.state_reason != "not_planned":
            return Check(Verdict.ABSENT, f"The {words} is closed, but as {info.state_reason or 'completed'}, not as not planned.")
        return Check(Verdict.HOLDS, f"The {words} is closed{'' if info.pull else ' as not planned'}.")
