"""Rejecting a wiki edit on Discourse: hiding an edit from a post's history, or undoing it (a revert).

Every edit of a post is a numbered revision (the first edit is revision 2; the post's `version` is the latest).
A staff account can hide a revision (`PUT /posts/{id}/revisions/{n}/hide`: only staff see it in the history
dialog any more; the post's text is unchanged) and revert one (`PUT /posts/{id}/revisions/{n}/revert`: the text
goes back to what it was before edit n, recorded as a new edit "reverted to version #n-1"). Neither endpoint is in
the published OpenAPI description; they are the history dialog's own (PostsController#hide_revision, #revert).

Both look before they act or take Discourse's "already" answer (422 "the current version is the same"), so a
retry never acts twice. A revert is itself undone by reverting the revision it created, which is kept in state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from spaces.base import ActionRequest, Check, Outcome, PermanentFailure, Verdict
from spaces.discourse.client import DiscourseClient, DiscourseRefused

if TYPE_CHECKING:
    from spaces.discourse.space import DiscourseSpace


def revision_number(request: ActionRequest, state: Mapping[str, Any]) -> int:
    value = state.get("revision") or request.params.get("revision")
    try:
        number = int(str(value).strip().lstrip("#"))
    except ValueError:
        number = 0
    if number < 2:
        raise PermanentFailure(
            "Say which edit (parameter 'revision'): the number Discourse shows in the post's history, 2 or more "
            "(the first edit of a post is revision 2)."
        )
    return number


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Revisions:
    def __init__(self, space: DiscourseSpace, client: DiscourseClient) -> None:
        self.space = space
        self.client = client

    def _target(self, request: ActionRequest, state: Mapping[str, Any]) -> tuple[int, int, str]:
        post = self.space._found_post(self.client, request, state)
        number = revision_number(request, state)
        return int(post["id"]), number, f"edit {number} of post {post['id']} on {self.space.forum}"

    def _revision(self, post_id: int, number: int, words: str) -> dict[str, Any]:
        try:
            return self.client.revision(post_id, number)
        except DiscourseRefused as error:
            if error.status == 404:
                raise PermanentFailure(f"Discourse has no {words} (or Steward's account cannot see it).") from None
            raise

    # Hiding an edit from the history ---------------------------------------------------------------

    def hide(self, request: ActionRequest, state: Mapping[str, Any], hidden: bool) -> Outcome:
        post_id, number, words = self._target(request, state)
        kept = {"post_id": post_id, "revision": number}
        # `previous_hidden` is the asked-for revision's own flag (PostRevisionSerializer).
        if bool(self._revision(post_id, number, words).get("previous_hidden")) == hidden:
            return Outcome(f"The {words} was already {'hidden' if hidden else 'shown'}.", str(post_id), state=kept)
        self.client.set_revision_hidden(post_id, number, hidden)
        return Outcome(f"{'Hid' if hidden else 'Showed'} the {words} {'from' if hidden else 'in'} its history.", str(post_id), state=kept)

    def check_hidden(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        try:
            post_id, number, words = self._target(request, state)
            revision = self._revision(post_id, number, words)
        except PermanentFailure as failure:
            return Check(Verdict.UNKNOWN, failure.message)
        hidden = bool(revision.get("previous_hidden"))
        return Check(Verdict.HOLDS if hidden else Verdict.ABSENT, f"The {words} is {'hidden' if hidden else 'shown'} in the history.")

    # Undoing an edit ------------------------------------------------------------------------------

    def revert(self, request: ActionRequest) -> Outcome:
        post_id, number, words = self._target(request, {})
        self._revision(post_id, number, words)  # a clear "no such edit" before anything else
        try:
            self.client.revert_revision(post_id, number)
        except DiscourseRefused as error:
            if error.status != 422:
                raise
            # "The current version is the same as the version you are trying to revert to.": the effect holds.
            text = str(self.client.post(post_id).get("raw") or "")
            kept = {"post_id": post_id, "revision": number, "text_sha": _digest(text), "reverted_by": None}
            return Outcome(f"The post already showed its text from before the {words}.", str(post_id), state=kept)
        after = self.client.post(post_id)
        text_sha = _digest(str(after.get("raw") or ""))
        kept = {"post_id": post_id, "revision": number, "text_sha": text_sha, "reverted_by": after.get("version")}
        return Outcome(f"Undid the {words}: its text is back to what it was before.", str(post_id), state=kept)

    def restore(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        post_id, _number, words = self._target(request, state)
        reverted_by = state.get("reverted_by")
        if not isinstance(reverted_by, int):
            raise PermanentFailure(f"Steward did not undo the {words} itself, so it will not put that edit back; edit the post by hand.")
        try:
            self.client.revert_revision(post_id, reverted_by)
        except DiscourseRefused as error:
            if error.status != 422:
                raise
            return Outcome(f"The post already showed the text of the {words}.", str(post_id))
        return Outcome(f"Put the {words} back (undid Steward's revert, edit {reverted_by}).", str(post_id))

    def check_reverted(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        try:
            post = self.space._found_post(self.client, request, state)
        except PermanentFailure as failure:
            return Check(Verdict.UNKNOWN, failure.message)
        if not state.get("text_sha"):
            return Check(Verdict.UNKNOWN, "Steward has no record of the text it put back, so it cannot tell.")
        holds = _digest(str(post.get("raw") or "")) == state["text_sha"]
        return Check(
            Verdict.HOLDS if holds else Verdict.ABSENT,
            "The post shows the text Steward put back." if holds else "The post has been edited since Steward undid the edit.",
        )
