"""Reaching one comment, whichever kind it is: REST for issue, review and commit comments, GraphQL for discussions."""

from __future__ import annotations

from typing import Any

from spaces.base import PermanentFailure
from spaces.github import graphql
from spaces.github.client import Comment, GitHubClient, NotFound
from spaces.github.subjects import CommentKind, CommentRef


def discussion_comment_id(client: GitHubClient, ref: CommentRef) -> str:
    """The node id of a discussion comment (or reply) named by its URL's #discussioncomment-<databaseId>."""
    after: str | None = None
    while True:
        data = client.graphql(
            f"find {ref.words}", graphql.DISCUSSION_COMMENTS, {"owner": ref.owner, "name": ref.repo, "number": ref.number, "after": after}
        )
        discussion = (data.get("repository") or {}).get("discussion")
        if discussion is None:
            raise NotFound(f"GitHub has no discussion {ref.owner}/{ref.repo}#{ref.number}, or the token may not see it.")
        comments = discussion["comments"]
        for node in comments["nodes"] or []:
            for candidate in [node, *((node.get("replies") or {}).get("nodes") or [])]:
                if candidate and candidate.get("databaseId") == ref.id:
                    return str(candidate["id"])
        if not comments["pageInfo"]["hasNextPage"]:
            raise NotFound(f"GitHub has no {ref.words}: it was deleted, or the token may not see it.")
        after = comments["pageInfo"]["endCursor"]


def node_id_of(client: GitHubClient, ref: CommentRef, state: dict[str, Any] | None = None) -> str:
    """The comment's GraphQL node id: from the action's state when it is known, otherwise looked up."""
    known = str((state or {}).get("node_id") or "")
    if known:
        return known
    if ref.kind == CommentKind.DISCUSSION_COMMENT:
        return discussion_comment_id(client, ref)
    return client.comment(ref).node_id


def fetch(client: GitHubClient, ref: CommentRef, node_id: str = "") -> Comment:
    """The comment as it is now on GitHub; NotFound when it is gone."""
    if ref.kind != CommentKind.DISCUSSION_COMMENT:
        return client.comment(ref)
    node_id = node_id or discussion_comment_id(client, ref)
    node = client.graphql(f"read {ref.words}", graphql.DISCUSSION_COMMENT, {"id": node_id}).get("node")
    if not node:
        raise NotFound(f"GitHub has no {ref.words}: it was deleted, or the token may not see it.")
    return Comment(node_id=node["id"], body=node["body"], author=(node.get("author") or {}).get("login", ""), url=node["url"])


def update(client: GitHubClient, ref: CommentRef, node_id: str, body: str) -> None:
    if ref.kind == CommentKind.DISCUSSION_COMMENT:
        client.graphql(f"edit {ref.words}", graphql.UPDATE_DISCUSSION_COMMENT, {"id": node_id, "body": body})
    else:
        client.update_comment(ref, body)


def delete(client: GitHubClient, ref: CommentRef, node_id: str) -> None:
    if ref.kind == CommentKind.DISCUSSION_COMMENT:
        client.graphql(f"delete {ref.words}", graphql.DELETE_DISCUSSION_COMMENT, {"id": node_id})
    else:
        client.delete_comment(ref)


def minimized(client: GitHubClient, ref: CommentRef, node_id: str) -> bool:
    node = client.graphql(f"check whether {ref.words} is hidden", graphql.MINIMIZED_STATE, {"id": node_id}).get("node")
    if not node:
        raise NotFound(f"GitHub has no {ref.words}: it was deleted, or the token may not see it.")
    if "isMinimized" not in node:
        raise PermanentFailure(f"GitHub cannot hide a {node.get('__typename', 'node')}; {ref.url} is not a comment.")
    return bool(node["isMinimized"])
