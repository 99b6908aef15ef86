"""The JSON GitHub answers and delivers for what the fake remembers (fake_records.py).

The shapes follow GitHub's REST descriptions and webhook payloads field for field (the tests parse
every one with githubkit's generated models), so the fake cannot quietly answer less than GitHub does.
URLs inside bodies point at api.github.com and github.com, as GitHub's own do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from spaces.github.fake_records import (
    API,
    REACTIONS,
    T0,
    WEB,
    CommentRec,
    CommitRec,
    DiscussionRec,
    IssueRec,
    RepoRec,
    UserRec,
    iso,
    node_id,
)

# --- REST shapes -------------------------------------------------------------------------------------


def user(rec: UserRec) -> dict[str, Any]:
    api = f"{API}/users/{rec.login}"
    return {
        "login": rec.login,
        "id": rec.id,
        "node_id": node_id("U", rec.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{rec.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{WEB}/{rec.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": rec.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def organization(rec: UserRec) -> dict[str, Any]:
    api = f"{API}/orgs/{rec.login}"
    return {
        "login": rec.login,
        "id": rec.id,
        "node_id": node_id("O", rec.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{rec.id}?v=4",
        "description": f"The {rec.login} community",
    }


_REPO_LINKS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repository(rec: RepoRec) -> dict[str, Any]:
    """A full repository: what webhooks carry, and a superset of the minimal one in invitations."""
    api = f"{API}/repos/{rec.full_name}"
    return {
        "id": rec.id,
        "node_id": node_id("R", rec.id),
        "name": rec.name,
        "full_name": rec.full_name,
        "private": False,
        "owner": user(rec.owner),
        "html_url": f"{WEB}/{rec.full_name}",
        "description": f"{rec.name} of {rec.owner.login}",
        "fork": False,
        "url": api,
        **{key: api + suffix for key, suffix in _REPO_LINKS.items()},
        "git_url": f"git://github.com/{rec.full_name}.git",
        "ssh_url": f"git@github.com:{rec.full_name}.git",
        "clone_url": f"{WEB}/{rec.full_name}.git",
        "svn_url": f"{WEB}/{rec.full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "license": None,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 3,
        "watchers_count": 3,
        "watchers": 3,
        "size": 120,
        "default_branch": "main",
        "open_issues_count": 2,
        "open_issues": 2,
        "topics": [],
        "visibility": "public",
        "has_issues": True,
        "has_discussions": True,
        "has_pages": False,
        "archived": False,
        "disabled": False,
        "pushed_at": T0,
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": T0,
    }


def _reactions(url: str) -> dict[str, Any]:
    return {"url": f"{url}/reactions", "total_count": 0, **dict.fromkeys(REACTIONS, 0)}


def issue_comment(rec: CommentRec) -> dict[str, Any]:
    assert rec.issue is not None
    api = f"{API}/repos/{rec.repo.full_name}"
    url = f"{api}/issues/comments/{rec.id}"
    return {
        "id": rec.id,
        "node_id": rec.node_id,
        "url": url,
        "html_url": rec.html_url,
        "issue_url": f"{api}/issues/{rec.issue.number}",
        "body": rec.body,
        "user": user(rec.author),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "author_association": "CONTRIBUTOR",
        "performed_via_github_app": None,
        "reactions": _reactions(url),
    }


def review_comment(rec: CommentRec) -> dict[str, Any]:
    assert rec.issue is not None
    api = f"{API}/repos/{rec.repo.full_name}"
    url = f"{api}/pulls/comments/{rec.id}"
    pull_url = f"{api}/pulls/{rec.issue.number}"
    return {
        "url": url,
        "pull_request_review_id": rec.id + 1,
        "id": rec.id,
        "node_id": rec.node_id,
        "diff_hunk": "@@ -1,3 +1,4 @@\n+print('hello')",
        "path": "app.py",
        "position": 1,
        "original_position": 1,
        "commit_id": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        "original_commit_id": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        "user": user(rec.author),
        "body": rec.body,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "html_url": rec.html_url,
        "pull_request_url": pull_url,
        "author_association": "CONTRIBUTOR",
        "_links": {"self": {"href": url}, "html": {"href": rec.html_url}, "pull_request": {"href": pull_url}},
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "line": 2,
        "original_line": 2,
        "side": "RIGHT",
        "subject_type": "line",
        "reactions": _reactions(url),
    }


def review(rec: CommentRec) -> dict[str, Any]:
    assert rec.issue is not None
    pull_url = f"{API}/repos/{rec.repo.full_name}/pulls/{rec.issue.number}"
    return {
        "id": rec.id,
        "node_id": rec.node_id,
        "user": user(rec.author),
        "body": rec.body,
        "state": "COMMENTED",
        "html_url": rec.html_url,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": rec.html_url}, "pull_request": {"href": pull_url}},
        "submitted_at": rec.created_at,
        "commit_id": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        "author_association": "CONTRIBUTOR",
    }


def commit_comment(rec: CommentRec) -> dict[str, Any]:
    url = f"{API}/repos/{rec.repo.full_name}/comments/{rec.id}"
    return {
        "html_url": rec.html_url,
        "url": url,
        "id": rec.id,
        "node_id": rec.node_id,
        "body": rec.body,
        "path": None,
        "position": None,
        "line": None,
        "commit_id": rec.commit_id,
        "user": user(rec.author),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "author_association": "CONTRIBUTOR",
        "reactions": _reactions(url),
    }


REST_COMMENT = {"issue_comment": issue_comment, "review_comment": review_comment, "review": review, "commit_comment": commit_comment}


def issue(rec: IssueRec) -> dict[str, Any]:
    api = f"{API}/repos/{rec.repo.full_name}/issues/{rec.number}"
    body: dict[str, Any] = {
        "id": rec.id,
        "node_id": node_id("PR" if rec.pull else "I", rec.id),
        "url": api,
        "repository_url": f"{API}/repos/{rec.repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": rec.html_url,
        "number": rec.number,
        "state": rec.state,
        "state_reason": rec.state_reason,
        "title": rec.title,
        "body": rec.body,
        "user": user(rec.author),
        "labels": [],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": rec.locked,
        "active_lock_reason": rec.lock_reason,
        "comments": 1,
        "closed_at": rec.closed_at,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "author_association": "CONTRIBUTOR",
        "performed_via_github_app": None,
        "reactions": _reactions(api),
    }
    if rec.pull:
        pulls = f"{API}/repos/{rec.repo.full_name}/pulls/{rec.number}"
        body["pull_request"] = {
            "url": pulls,
            "html_url": rec.html_url,
            "diff_url": f"{rec.html_url}.diff",
            "patch_url": f"{rec.html_url}.patch",
        }
    return body


def pull_request(rec: IssueRec) -> dict[str, Any]:
    """A pull request as webhooks carry it."""
    api = f"{API}/repos/{rec.repo.full_name}"
    url = f"{api}/pulls/{rec.number}"
    repo = repository(rec.repo)

    def branch(ref: str) -> dict[str, Any]:
        return {
            "label": f"{rec.repo.owner.login}:{ref}",
            "ref": ref,
            "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            "user": user(rec.author),
            "repo": repo,
        }

    links = {
        "self": url,
        "html": rec.html_url,
        "issue": f"{api}/issues/{rec.number}",
        "comments": f"{api}/issues/{rec.number}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{api}/statuses/6dcb09b5b57875f334f61aebed695e2e4193db5e",
    }
    return {
        "url": url,
        "id": rec.id,
        "node_id": node_id("PR", rec.id),
        "html_url": rec.html_url,
        "diff_url": f"{rec.html_url}.diff",
        "patch_url": f"{rec.html_url}.patch",
        "issue_url": f"{api}/issues/{rec.number}",
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{rec.number}/comments",
        "statuses_url": links["statuses"],
        "number": rec.number,
        "state": "open",
        "locked": rec.locked,
        "active_lock_reason": rec.lock_reason,
        "title": rec.title,
        "user": user(rec.author),
        "body": rec.body,
        "labels": [],
        "milestone": None,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": branch("feature"),
        "base": branch("main"),
        "_links": {key: {"href": value} for key, value in links.items()},
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": False,
    }


def full_pull_request(rec: IssueRec) -> dict[str, Any]:
    """A pull request as the `pull_request` event carries it: the webhook shape plus its merge state and counts."""
    return pull_request(rec) | {
        "merged": False,
        "mergeable": None,
        "mergeable_state": "unknown",
        "merged_by": None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 3,
        "deletions": 1,
        "changed_files": 1,
    }


def discussion(rec: DiscussionRec) -> dict[str, Any]:
    return {
        "repository_url": f"{API}/repos/{rec.repo.full_name}",
        "category": {
            "id": 1,
            "node_id": node_id("DIC", 1),
            "repository_id": rec.repo.id,
            "emoji": ":speech_balloon:",
            "name": "General",
            "description": "Chat about anything",
            "created_at": "2024-03-01T10:00:00Z",
            "updated_at": "2024-03-01T10:00:00Z",
            "slug": "general",
            "is_answerable": False,
        },
        "answer_html_url": None,
        "answer_chosen_at": None,
        "answer_chosen_by": None,
        "html_url": rec.html_url,
        "id": rec.id,
        "node_id": rec.node_id,
        "number": rec.number,
        "title": rec.title,
        "user": user(rec.author),
        "state": "open",
        "state_reason": None,
        "locked": rec.locked,
        "active_lock_reason": rec.lock_reason.lower().replace("_", "-") if rec.lock_reason else None,
        "comments": 1,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "author_association": "CONTRIBUTOR",
        "body": rec.body,
    }


def discussion_comment(rec: CommentRec) -> dict[str, Any]:
    assert rec.discussion is not None
    return {
        "id": rec.id,
        "node_id": rec.node_id,
        "html_url": rec.html_url,
        "parent_id": rec.parent_id,
        "child_comment_count": 0,
        "repository_url": rec.repo.full_name,
        "discussion_id": rec.discussion.id,
        "author_association": "CONTRIBUTOR",
        "user": user(rec.author),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "body": rec.body,
        "reactions": _reactions(f"{API}/repos/{rec.repo.full_name}/discussions/comments/{rec.id}"),
    }


def _git_user(rec: CommitRec) -> dict[str, Any]:
    return {"name": rec.name, "email": rec.email, "date": rec.date}


def commit(rec: CommitRec) -> dict[str, Any]:
    """A commit as the REST list of a repository's commits gives it."""
    api = f"{API}/repos/{rec.repo.full_name}"
    return {
        "url": f"{api}/commits/{rec.sha}",
        "sha": rec.sha,
        "node_id": node_id("C", int(rec.sha[:8], 16)),
        "html_url": rec.html_url,
        "comments_url": f"{api}/commits/{rec.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{rec.sha}",
            "author": _git_user(rec),
            "committer": _git_user(rec),
            "message": rec.message,
            "comment_count": 0,
            "tree": {"sha": "9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840", "url": f"{api}/git/trees/9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840"},
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        },
        "author": user(rec.author) if rec.author else None,
        "committer": user(rec.author) if rec.author else None,
        "parents": [],
    }


def push_commit(rec: CommitRec) -> dict[str, Any]:
    """A commit as a push webhook carries it."""
    person = {"name": rec.name, "email": rec.email, **({"username": rec.author.login} if rec.author else {})}
    return {
        "id": rec.sha,
        "tree_id": "9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840",
        "distinct": True,
        "message": rec.message,
        "timestamp": rec.date,
        "url": rec.html_url,
        "author": person,
        "committer": person,
        "added": [],
        "removed": [],
        "modified": ["README.md"],
    }


def membership(org: UserRec, member: UserRec, role: str, state: str) -> dict[str, Any]:
    return {
        "url": f"{API}/orgs/{org.login}/memberships/{member.login}",
        "state": state,
        "role": role,
        "organization_url": f"{API}/orgs/{org.login}",
        "organization": organization(org),
        "user": user(member),
    }


def collaborator_permission(member: UserRec, role: str) -> dict[str, Any]:
    # `permission` is the legacy name for the role: write and triage read as "write", maintain as "write"...
    legacy = {"read": "read", "triage": "read", "write": "write", "maintain": "write", "admin": "admin"}.get(role, "read")
    return {"permission": legacy, "role_name": role, "user": {**user(member), "role_name": role}}


def invitation(repo: RepoRec, invitee: UserRec, inviter: UserRec, invitation_id: int, permission: str) -> dict[str, Any]:
    # An invitation's `permissions` uses GitHub's older words for the roles.
    words = {"pull": "read", "push": "write", "triage": "triage", "maintain": "maintain", "admin": "admin"}
    return {
        "id": invitation_id,
        "node_id": node_id("RI", invitation_id),
        "repository": repository(repo),
        "invitee": user(invitee),
        "inviter": user(inviter),
        "permissions": words.get(permission, "write"),
        "created_at": iso(datetime.now(UTC)),
        "expired": False,
        "url": f"{API}/user/repository_invitations/{invitation_id}",
        "html_url": f"{WEB}/{repo.full_name}/invitations",
    }


# --- Webhook payloads --------------------------------------------------------------------------------


def webhook_comment(rec: CommentRec) -> dict[str, Any]:
    return {"discussion_comment": discussion_comment, **REST_COMMENT}[rec.kind](rec)


def hook(hook_id: int, events: list[str]) -> dict[str, Any]:
    url = f"{API}/orgs/acme/hooks/{hook_id}"
    return {
        "type": "Organization",
        "id": hook_id,
        "name": "web",
        "active": True,
        "events": events,
        "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://steward.example.org/spaces/hooks/example/"},
        "updated_at": T0,
        "created_at": T0,
        "url": url,
        "ping_url": f"{url}/pings",
        "deliveries_url": f"{url}/deliveries",
    }
