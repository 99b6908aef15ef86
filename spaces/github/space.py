"""GitHub as a Steward space: an organisation, its repositories' comments and discussions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from spaces.base import ActionRequest, Capability, Check, Inbound, Item, NotConfigured, Op, Outcome, PermanentFailure, Space, Target
from spaces.github import webhooks
from spaces.github.client import DEFAULT_API_URL, GitHubClient
from spaces.github.close import CloseContribution, find_thread_notice, post_thread_notice
from spaces.github.content import CLASSIFIERS, LOCK_REASONS, DeleteContent, EditContent, HideContent, LockThread
from spaces.github.members import LIMITS, Block, LimitInteractions, RemoveMember
from spaces.github.operation import Operation
from spaces.github.reading import KINDS, RepositoryReader
from spaces.github.subjects import parse_comment, parse_thread
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
    Op.CLOSE_CONTRIBUTION: CloseContribution,
}


@register
class GitHubSpace(Space):
    platform = "github"
    title = "GitHub"
    # GitHub caps a delivery at 25 MB (a push of many large commit messages, an issue with a long body come close).
    webhook_max_bytes = 25 * 1024 * 1024
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
            choices=(("limit", LIMITS),),
        ),
        Capability(
            Op.HIDE_CONTENT,
            Target.CONTENT,
            "Hide a comment",
            params=("classifier",),
            choices=(("classifier", tuple(value.lower().replace("_", "-") for value in CLASSIFIERS)),),
        ),
        Capability(Op.DELETE_CONTENT, Target.CONTENT, "Delete a comment", reversible=False),
        Capability(Op.EDIT_CONTENT, Target.CONTENT, "Replace a comment's text", params=("body",)),
        Capability(
            Op.LOCK_THREAD,
            Target.THREAD,
            "Lock an issue, pull request or discussion",
            params=("lock_reason",),
            choices=(("lock_reason", tuple(LOCK_REASONS)),),
        ),
        Capability(Op.CLOSE_CONTRIBUTION, Target.THREAD, "Close an issue as not planned, or a pull request, with the reason"),
    )
    notifies = frozenset({Op.LOCK_THREAD, Op.HIDE_CONTENT, Op.DELETE_CONTENT})
    finds_notices = True  # the notice comment carries its action's key in an HTML comment
    # GitHub has no per-person mute: a ban is an organisation block.
    intents: ClassVar[Mapping[str, tuple[Op, ...]]] = {"ban": (Op.BLOCK,)}
    setting_names = ("org", "api_url", "repositories")
    secret_names = ("token", "webhook_secret")

    @classmethod
    def takes_subject(cls, capability: Capability, subject: str) -> bool:
        """Comment operations take a comment's link, a lock takes an issue's or discussion's (a comment's names its
        thread); an interaction limit is set on a whole repository or organisation, never from one content link."""
        parse = {Target.CONTENT: parse_comment, Target.THREAD: parse_thread}.get(capability.target)
        if parse is None or capability.op == Op.LIMIT_INTERACTIONS:
            return False
        try:
            thread = parse(subject)
        except PermanentFailure:
            return False
        if capability.op == Op.CLOSE_CONTRIBUTION:
            # The issue or pull request itself (its opening post), never from one comment in it; a discussion is
            # locked instead.
            return getattr(thread, "kind", "") == "issue" and not cls._names_a_comment(subject)
        return True

    @staticmethod
    def _names_a_comment(subject: str) -> bool:
        try:
            parse_comment(subject)
        except PermanentFailure:
            return False
        return True

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

    def post_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
        return post_thread_notice(self.client, self.org, request, text)

    def find_moderation_notice(self, request: ActionRequest, state: Mapping[str, Any]) -> str:
        return find_thread_notice(self.client, self.org, request)

    # Reading and webhooks --------------------------------------------------------------------------

    def repositories_to_read(self) -> list[tuple[str, str]]:
        """The configured repositories; without any, every repository of the organisation."""
        if self.settings.get("repositories"):
            return self.repositories
        return [(repo.owner.login, repo.name) for repo in self.client.org_repositories(self.org)]

    def read(self, since: datetime) -> Iterator[Item]:
        """What the poll reads since `since`, per repository and kind, oldest first: issue and review comments created or
        edited, issues' and pull requests' opening posts, commit messages, and discussions (opening posts and
        comments started or edited, through the discussions GitHub modified last). Every kind, commit comments
        included, is read by the backfill through `read_parts`."""
        for owner, repo in self.repositories_to_read():
            yield from RepositoryReader(self.client, owner, repo).read(since)

    def read_parts(self) -> dict[str, Callable[[datetime], Iterator[Item]]]:
        """One ordered stream per repository and kind ("owner/repo:kind"), each resumable from its own cursor."""
        parts: dict[str, Callable[[datetime], Iterator[Item]]] = {}
        for owner, repo in self.repositories_to_read():
            reader = RepositoryReader(self.client, owner, repo)
            parts |= {f"{reader.name}:{kind}": reader.reader(kind) for kind in KINDS}
        return parts

    def parse_webhook(self, request: HttpRequest) -> Inbound:
        secret = self.secrets.get("webhook_secret", "")
        if not secret:
            missing = ", ".join(missing_secrets(self.connection.slug, ("webhook_secret",)))
            raise NotConfigured(f"Steward has no webhook secret for {self.connection.slug}: set {missing}.")
        return webhooks.parse(request, secret)
