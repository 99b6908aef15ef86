"""The webhook deliveries the fake GitHub builds: signed as GitHub signs them, in the payload shapes of its events.

A mixin of FakeGitHub: it reads the fake's world (its organisation, its token's account, its lock) and builds what
GitHub would deliver for a comment, an opened issue or pull request, a push, an org block or a ping.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

from githubkit.webhooks import sign

from spaces.github import fake_json as shapes
from spaces.github.fake_records import CommentRec, CommitRec, DiscussionRec, IssueRec, RepoRec, UserRec, World


class WebhookPayloads:
    webhook_secret: str
    org: UserRec
    steward: UserRec
    lock: threading.RLock
    world: World
    add_user: Callable[..., UserRec]  # FakeGitHub's

    def signed(
        self, event: str, payload: dict[str, Any], *, delivery: str | None = None, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A delivery's raw body and headers, signed as GitHub signs them (HMAC-SHA256 of the raw body)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "4242",
            "X-Hub-Signature-256": sign(secret or self.webhook_secret, body, "sha256"),
            "User-Agent": "GitHub-Hookshot/5a8b1e3",
        }
        return body, headers

    def _envelope(self, action: str, repo: RepoRec | None = None, sender: UserRec | None = None) -> dict[str, Any]:
        envelope: dict[str, Any] = {
            "action": action,
            "sender": shapes.user(sender or self.steward),
            "organization": shapes.organization(self.org),
        }
        if repo is not None:
            envelope["repository"] = shapes.repository(repo)
        return envelope

    def comment_payload(self, comment: CommentRec, action: str = "created") -> tuple[str, dict[str, Any]]:
        """The event name and payload GitHub delivers when the comment is created or edited."""
        with self.lock:
            payload = self._envelope(action, comment.repo, comment.author)
            if action == "edited":
                payload["changes"] = {"body": {"from": "(the text before)"}}
            if comment.kind == "review":
                assert comment.issue is not None
                payload |= {"review": shapes.review(comment), "pull_request": shapes.pull_request(comment.issue)}
                return "pull_request_review", payload
            payload["comment"] = shapes.webhook_comment(comment)
            if comment.kind == "issue_comment":
                assert comment.issue is not None
                payload["issue"] = shapes.issue(comment.issue)
                return "issue_comment", payload
            if comment.kind == "review_comment":
                assert comment.issue is not None
                return "pull_request_review_comment", payload | {"pull_request": shapes.pull_request(comment.issue)}
            if comment.kind == "discussion_comment":
                assert comment.discussion is not None
                return "discussion_comment", payload | {"discussion": shapes.discussion(comment.discussion)}
            return "commit_comment", payload

    def issue_payload(self, issue: IssueRec, action: str = "opened") -> tuple[str, dict[str, Any]]:
        """The event name and payload GitHub delivers when an issue or pull request is opened or edited."""
        with self.lock:
            payload = self._envelope(action, issue.repo, issue.author)
            if action == "edited":
                payload["changes"] = {"body": {"from": "(the text before)"}}
            if issue.pull:
                return "pull_request", payload | {"number": issue.number, "pull_request": shapes.full_pull_request(issue)}
            return "issues", payload | {"issue": shapes.issue(issue)}

    def discussion_payload(self, discussion: DiscussionRec, action: str = "created") -> tuple[str, dict[str, Any]]:
        """The event name and payload GitHub delivers when a discussion is started or its opening post edited."""
        with self.lock:
            payload = self._envelope(action, discussion.repo, discussion.author)
            if action == "edited":
                payload["changes"] = {"body": {"from": "(the text before)"}}
            return "discussion", payload | {"discussion": shapes.discussion(discussion)}

    def push_payload(self, commits: list[CommitRec], *, ref: str = "refs/heads/main") -> dict[str, Any]:
        """What GitHub delivers for a push of these commits (all to one repository)."""
        with self.lock:
            repo = commits[0].repo
            payload = self._envelope("", repo, commits[0].author)
            del payload["action"]  # a push has none
            return payload | {
                "ref": ref,
                "base_ref": None,
                "before": "0" * 40,
                "after": commits[-1].sha,
                "created": False,
                "deleted": False,
                "forced": False,
                "compare": f"{shapes.WEB}/{repo.full_name}/compare/{commits[0].sha[:12]}...{commits[-1].sha[:12]}",
                "commits": [shapes.push_commit(rec) for rec in commits],
                "head_commit": shapes.push_commit(commits[-1]),
                "pusher": {"name": commits[-1].name, "email": commits[-1].email},
            }

    def org_block_payload(self, login: str, *, action: str = "blocked", by: str = "an-owner") -> dict[str, Any]:
        payload = self._envelope(action, sender=self.add_user(by))
        blocked = shapes.user(self.add_user(login))
        return payload | {"blocked_user": blocked}

    # Moderation by hand on github.com: each changes the fake's world as GitHub would, and returns the delivery.

    def lock_by_hand(
        self, thread: IssueRec | DiscussionRec, *, action: str = "locked", reason: str | None = "off-topic", by: str = "a-maintainer"
    ) -> tuple[str, dict[str, Any]]:
        """Lock (or unlock) an issue, pull request or discussion in the web UI: the `locked`/`unlocked` delivery."""
        with self.lock:
            thread.locked = action == "locked"
            if isinstance(thread, DiscussionRec):
                thread.lock_reason = reason.upper().replace("-", "_") if thread.locked and reason else None
                return "discussion", self._envelope(action, thread.repo, self.add_user(by)) | {"discussion": shapes.discussion(thread)}
            thread.lock_reason = reason if thread.locked else None
            payload = self._envelope(action, thread.repo, self.add_user(by))
            if thread.pull:
                return "pull_request", payload | {"number": thread.number, "pull_request": shapes.full_pull_request(thread)}
            return "issues", payload | {"issue": shapes.issue(thread)}

    def remove_collaborator_by_hand(self, full_name: str, login: str, *, by: str = "an-owner") -> dict[str, Any]:
        """The `member` `removed` delivery (a repository collaborator removed)."""
        with self.lock:
            self.world.collaborators.pop((full_name.casefold(), login.casefold()), None)
            repo = self.world.repos[full_name.casefold()]
            return self._envelope("removed", repo, self.add_user(by)) | {"member": shapes.user(self.add_user(login))}

    def remove_member_by_hand(self, login: str, *, by: str = "an-owner") -> dict[str, Any]:
        """The `organization` `member_removed` delivery."""
        with self.lock:
            membership = self.world.memberships.pop((self.org.login.casefold(), login.casefold()), None)
            role, state = (membership or {}).get("role", "member"), "active"
            member = shapes.membership(self.org, self.add_user(login), role, state)
            del member["organization"]  # the webhook's membership object does not nest the organisation
            return self._envelope("member_removed", sender=self.add_user(by)) | {"membership": member}

    def dismiss_review_by_hand(self, review: CommentRec, *, by: str = "a-maintainer") -> dict[str, Any]:
        """The `pull_request_review` `dismissed` delivery."""
        assert review.issue is not None and review.kind == "review"
        with self.lock:
            dismissed = shapes.review(review) | {"state": "dismissed"}
            return self._envelope("dismissed", review.repo, self.add_user(by)) | {
                "review": dismissed,
                "pull_request": shapes.pull_request(review.issue),
            }

    def delete_comment_by_hand(self, comment: CommentRec, *, by: str = "a-maintainer") -> tuple[str, dict[str, Any]]:
        """Delete a comment in the web UI (by its author or a maintainer): the `deleted` delivery."""
        event, payload = self.comment_payload(comment, "deleted")
        with self.lock:
            self.world.comments.pop((comment.kind, comment.id), None)
        return event, payload | {"sender": shapes.user(self.add_user(by))}

    def ping_payload(self) -> dict[str, Any]:
        return {
            "zen": "Keep it logically awesome.",
            "hook_id": 4242,
            "hook": shapes.hook(4242, ["issue_comment", "org_block"]),
            "organization": shapes.organization(self.org),
            "sender": shapes.user(self.steward),
        }
