"""What every GitHub operation has: the client, the organisation, and the three verbs of the executor's contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spaces.base import ActionRequest, Check, Outcome, PermanentFailure
from spaces.github.client import GitHubClient
from spaces.github.subjects import CommentRef, parse_comment


class Operation:
    def __init__(self, client: GitHubClient, org: str) -> None:
        self.client = client
        self.org = org

    def apply(self, request: ActionRequest) -> Outcome:
        raise NotImplementedError

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        raise PermanentFailure(f"Steward cannot undo {request.op} on GitHub.")

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        raise NotImplementedError

    def comment_ref(self, request: ActionRequest) -> CommentRef:
        return parse_comment(request.subject, self.org)
