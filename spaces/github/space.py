"""GitHub as a Steward space: an organisation, its repositories' comments and discussions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from spaces.base import ActionRequest, Capability, Check, Inbound, Item, NotConfigured, Op, Outcome, Space, Target, WebhookRefused
from spaces.github import webhooks
from spaces.github.client import DEFAULT_API_URL, GitHubClient, IssueInfo, NotFound
from spaces.github.content import DeleteContent, EditContent, HideContent, LockThread
from spaces.github.items import comment_item
from spaces.github.members import Block, LimitInteractions, RemoveMember
from spaces.github.operation import Operation
from spaces.registry import register
from spaces.secrets import missing_secrets

if TYPE_CHECKING:
    from django.http import HttpRequest

OPERATIONS: dict[Op, type[Operation]] = {
    Op.BLOCK: Block,
    Op.REMOVE_MEMBER: RemoveMember,
    Op.LIMIT_INTERACTIONS: LimitInteractions,
    Op.HIDE_CONTENT: HideContent,
    Op.DELETE_CONTENT: DeleteContent,
    Op.EDIT_CONTENT: EditContent,
    Op.LOCK_THREAD: LockThread,
}


@register
class GitHubSpace(Space):
    platform = "github"
    title = "GitHub"
    capabilities = (
        Capability(Op.BLOCK, Target.PERSON, "Block from the GitHub organisation"),
        Capability(
            Op.REMOVE_MEMBER,
            Target.PERSON,
            "Remove from the organisation (or, with a repository, its collaborators)",
            params=("repository",),
        ),
        Capability(
            Op.LIMIT_INTERACTIONS,
            Target.THREAD,
            "Limit interactions in the organisation or a repository",
            native_expiry=timedelta(days=180),
            params=("limit",),
        ),
        Capability(Op.HIDE_CONTENT, Target.CONTENT, "Hide a comment", params=("classifier",)),
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Delete a comment", reversible=False),
        Capability(Op.EDIT_CONTENT, Target.CONTENT, "Replace a comment's text", params=("body",)),
        Capability(Op.LOCK_THREAD, Target.THREAD, "Lock an issue, pull request or discussion", params=("lock_reason",)),
    )
    # GitHub has no per-person mute: a ban is an organisation block.
    intents: ClassVar[Mapping[str, tuple[Op, ...]]] = {"ban": (Op.BLOCK,)}
    setting_names = ("org", "api_url", "repositories")
    secret_names = ("token", "webhook_secret")

    # Configuration ---------------------------------------------------------------------------------

    @property
    def org(self) -> str:
        org = str(self.settings.get("org") or "").strip()
        if not org:
            raise NotConfigured(f"The GitHub connection {self.connection.slug} has no organisation: set 'org' in its settings.")
        return org

    @property
    def repositories(self) -> list[tuple[str, str]]:
        found = []
        for name in self.settings.get("repositories") or []:
            owner, _, repo = str(name).strip().strip("/").rpartition("/")
            if repo:
                found.append((owner or self.org, repo))
        return found

    @cached_property
    def client(self) -> GitHubClient:
        token = self.secrets.get("token", "")
        if not token:
            missing = missing_secrets(self.connection.slug, ("token",))
            raise NotConfigured(f"The GitHub connection {self.connection.slug} has no token: set {', '.join(missing)}.")
        return GitHubClient(token, str(self.settings.get("api_url") or DEFAULT_API_URL))

    def _operation(self, op: Op | str) -> Operation:
        self.capability(op)  # a clear refusal for anything GitHub cannot do
        return OPERATIONS[Op(op)](self.client, self.org)

    # Enforcement -----------------------------------------------------------------------------------

    def apply(self, request: ActionRequest) -> Outcome:
        return self._operation(request.op).apply(request)

    def revert(self, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
        return self._operation(request.op).revert(request, state)

    def verify(self, request: ActionRequest, state: Mapping[str, Any]) -> Check:
        return self._operation(request.op).verify(request, state)

    # Reading and webhooks --------------------------------------------------------------------------

    def read(self, since: datetime) -> Iterator[Item]:
        """Issue and pull request comments in the configured repositories, created or edited since `since`."""
        for owner, repo in self.repositories:
            issues: dict[int, IssueInfo | None] = {}
            for comment in self.client.issue_comments_since(owner, repo, since):
                number = int(comment.issue_url.rstrip("/").rsplit("/", 1)[-1])
                if number not in issues:
                    issues[number] = self._issue(owner, repo, number)
                issue = issues[number]
                user = {"login": comment.user.login, "id": comment.user.id} if comment.user else None
                yield comment_item(
                    "issue_comment",
                    comment.id,
                    user,
                    comment.body or "",
                    comment.html_url,
                    comment.created_at,
                    thread_author=issue.author if issue else None,
                )

    def _issue(self, owner: str, repo: str, number: int) -> IssueInfo | None:
        try:
            return self.client.issue(owner, repo, number)
        except NotFound:  # deleted or transferred since the comment was made: read the comment all the same
            return None

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        secret = self.secrets.get("webhook_secret", "")
        if not secret:
            missing = ", ".join(missing_secrets(self.connection.slug, ("webhook_secret",)))
            raise WebhookRefused(f"Steward has no webhook secret for {self.connection.slug}: set {missing}.", status=503)
        return webhooks.parse(request, secret)
