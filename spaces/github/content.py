"""Hiding, deleting and editing comments, and locking threads.

Each operation looks before it acts, so a retried `apply` after a crash finds the effect in place and
reports it instead of acting twice; `verify` always asks GitHub, never the stored state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spaces.base import ActionRequest, Check, Outcome, PermanentFailure, Verdict
from spaces.github import comments, graphql
from spaces.github.client import IssueLockReason, NotFound
from spaces.github.operation import Operation
from spaces.github.subjects import ThreadRef, parse_thread

CLASSIFIERS = ("SPAM", "ABUSE", "OFF_TOPIC", "OUTDATED", "DUPLICATE", "RESOLVED")
# Issue locks take REST's spelling, discussion locks GraphQL's enum; stewards may write either.
LOCK_REASONS: dict[str, tuple[IssueLockReason, str]] = {
    "off-topic": ("off-topic", "OFF_TOPIC"),
    "too heated": ("too heated", "TOO_HEATED"),
    "resolved": ("resolved", "RESOLVED"),
    "spam": ("spam", "SPAM"),
}


def _classifier(request: ActionRequest) -> str:
    value = str(request.params.get("classifier") or "ABUSE").strip().upper().replace("-", "_").replace(" ", "_")
    if value not in CLASSIFIERS:
        raise PermanentFailure(f"GitHub hides comments as one of {', '.join(CLASSIFIERS)}; {value!r} is not one.")
    return value


class HideContent(Operation):
    def apply(self, request: ActionRequest) -> Outcome:
        ref = self.comment_ref(request)
        classifier = _classifier(request)
        node_id = comments.node_id_of(self.client, ref)
        state = {"node_id": node_id}
        if comments.minimized(self.client, ref, node_id):
            return Outcome(f"The {ref.words} was already hidden.", node_id, state=state)
        self.client.graphql(f"hide {ref.words}", graphql.MINIMIZE_COMMENT, {"id": node_id, "classifier": classifier})
        return Outcome(f"Hid the {ref.words} as {classifier.lower().replace('_', '-')}.", node_id, state=state)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        ref = self.comment_ref(request)
        try:
            node_id = comments.node_id_of(self.client, ref, dict(state))
            hidden = comments.minimized(self.client, ref, node_id)
        except NotFound:
            return Outcome(f"The {ref.words} is gone, so there is nothing to show again.")
        if not hidden:
            return Outcome(f"The {ref.words} was already shown.", node_id, state={"node_id": node_id})
        self.client.graphql(f"show {ref.words} again", graphql.UNMINIMIZE_COMMENT, {"id": node_id})
        return Outcome(f"Showed the {ref.words} again.", node_id, state={"node_id": node_id})

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        ref = self.comment_ref(request)
        try:
            node_id = comments.node_id_of(self.client, ref, dict(state))
            hidden = comments.minimized(self.client, ref, node_id)
        except NotFound:
            return Check(Verdict.UNKNOWN, f"The {ref.words} is gone.")
        return Check(Verdict.HOLDS, f"The {ref.words} is hidden.") if hidden else Check(Verdict.ABSENT, f"The {ref.words} is shown.")


class DeleteContent(Operation):
    def apply(self, request: ActionRequest) -> Outcome:
        ref = self.comment_ref(request)
        try:
            current = comments.fetch(self.client, ref)
        except NotFound:
            return Outcome(f"The {ref.words} was already deleted.")
        # Only what verify needs is kept: the case holds the evidence, the action's state holds no text.
        comments.delete(self.client, ref, current.node_id)
        return Outcome(f"Deleted the {ref.words}.", current.node_id, state={"node_id": current.node_id})

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        raise PermanentFailure("GitHub cannot restore a deleted comment.")

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        ref = self.comment_ref(request)
        try:
            comments.fetch(self.client, ref, str(state.get("node_id") or ""))
        except NotFound:
            return Check(Verdict.HOLDS, f"The {ref.words} is deleted.")
        return Check(Verdict.ABSENT, f"The {ref.words} is still there.")


class EditContent(Operation):
    def _new_body(self, request: ActionRequest) -> str:
        body = str(request.params.get("body") or "")
        if not body.strip():
            raise PermanentFailure("Editing a comment needs the new text (parameter 'body').")
        return body

    def apply(self, request: ActionRequest) -> Outcome:
        ref = self.comment_ref(request)
        body = self._new_body(request)
        current = comments.fetch(self.client, ref)
        if current.body == body:
            # The original text is not known any more: revert will say so rather than guess.
            state: dict[str, Any] = {"node_id": current.node_id, "original_body": None}
            return Outcome(f"The {ref.words} already showed the new text.", current.node_id, state=state)
        comments.update(self.client, ref, current.node_id, body)
        return Outcome(
            f"Replaced the text of the {ref.words}.", current.node_id, state={"node_id": current.node_id, "original_body": current.body}
        )

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        ref = self.comment_ref(request)
        original = state.get("original_body")
        if original is None:
            raise PermanentFailure(f"The original text of the {ref.words} is not known, so Steward cannot restore it.")
        try:
            current = comments.fetch(self.client, ref, str(state.get("node_id") or ""))
        except NotFound:
            return Outcome(f"The {ref.words} is gone, so there is no text to restore.")
        if current.body == original:
            return Outcome(f"The {ref.words} already showed its original text.", current.node_id)
        comments.update(self.client, ref, current.node_id, str(original))
        return Outcome(f"Restored the original text of the {ref.words}.", current.node_id)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        ref = self.comment_ref(request)
        try:
            current = comments.fetch(self.client, ref, str(state.get("node_id") or ""))
        except NotFound:
            return Check(Verdict.UNKNOWN, f"The {ref.words} is gone.")
        if current.body == self._new_body(request):
            return Check(Verdict.HOLDS, f"The {ref.words} shows the edited text.")
        return Check(Verdict.ABSENT, f"The {ref.words} does not show the edited text.")


def _lock_reason(request: ActionRequest) -> tuple[IssueLockReason, str]:
    raw = str(request.params.get("lock_reason") or "too heated").strip().lower().replace("_", " ")
    key = "off-topic" if raw in ("off topic", "off-topic") else raw
    if key not in LOCK_REASONS:
        raise PermanentFailure(f"GitHub locks threads as {', '.join(LOCK_REASONS)}; {raw!r} is not one.")
    return LOCK_REASONS[key]


class LockThread(Operation):
    def _discussion(self, thread: ThreadRef) -> dict[str, Any]:
        data = self.client.graphql(
            f"read {thread.words}", graphql.DISCUSSION, {"owner": thread.owner, "name": thread.repo, "number": thread.number}
        )
        discussion = (data.get("repository") or {}).get("discussion")
        if discussion is None:
            raise NotFound(f"GitHub has no {thread.words}, or the token may not see it.")
        return dict(discussion)

    def _locked(self, thread: ThreadRef) -> tuple[str, bool]:
        if thread.kind == "discussion":
            discussion = self._discussion(thread)
            return str(discussion["id"]), bool(discussion["locked"])
        issue = self.client.issue(thread.owner, thread.repo, thread.number)
        return issue.node_id, issue.locked

    def apply(self, request: ActionRequest) -> Outcome:
        thread = parse_thread(request.subject, self.org)
        rest_reason, graphql_reason = _lock_reason(request)
        node_id, locked = self._locked(thread)
        if locked:
            return Outcome(f"The {thread.words} was already locked.", node_id, state={"node_id": node_id})
        if thread.kind == "discussion":
            self.client.graphql(f"lock {thread.words}", graphql.LOCK_LOCKABLE, {"id": node_id, "reason": graphql_reason})
        else:
            self.client.lock_issue(thread.owner, thread.repo, thread.number, rest_reason)
        return Outcome(f"Locked the {thread.words} as {rest_reason}.", node_id, state={"node_id": node_id})

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        thread = parse_thread(request.subject, self.org)
        node_id, locked = self._locked(thread)
        if not locked:
            return Outcome(f"The {thread.words} was already unlocked.", node_id)
        if thread.kind == "discussion":
            self.client.graphql(f"unlock {thread.words}", graphql.UNLOCK_LOCKABLE, {"id": node_id})
        else:
            self.client.unlock_issue(thread.owner, thread.repo, thread.number)
        return Outcome(f"Unlocked the {thread.words}.", node_id)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        thread = parse_thread(request.subject, self.org)
        try:
            _node_id, locked = self._locked(thread)
        except NotFound:
            return Check(Verdict.UNKNOWN, f"The {thread.words} is gone.")
        return (
            Check(Verdict.HOLDS, f"The {thread.words} is locked.")
            if locked
            else Check(Verdict.ABSENT, f"The {thread.words} is not locked.")
        )
