"""The fake GitHub's GraphQL endpoint: documents are checked and executed against GitHub's published schema.

A document the real API would refuse (an unknown field, a wrong argument type) is refused here with
GitHub's error shape, because it is validated with `spaces.contracts.check_graphql`; a valid one is run
by graphql-core over the fake's remembered state, so answers have exactly the requested shape.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, OperationType, execute_sync, get_operation_ast, parse

from spaces.contracts import ContractError, check_graphql, github_graphql_schema
from spaces.github.fake_records import TYPENAME, CommentRec, DiscussionRec, IssueRec, UserRec, World, node_id


class Refused(Exception):
    """Raised by a resolver: becomes a GraphQL error with GitHub's `type` (NOT_FOUND, FORBIDDEN...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1]) + 1 if cursor else 0


def _connection(items: list[dict[str, Any]], first: int, after: str | None) -> dict[str, Any]:
    start = _index(after)
    page = items[start : start + first]
    end = start + len(page) - 1
    return {"pageInfo": {"hasNextPage": start + first < len(items), "endCursor": _cursor(end) if page else None}, "nodes": page}


class GraphQLFake:
    def __init__(self, world: World) -> None:
        self.world = world
        self.mutations: list[tuple[str, dict[str, Any]]] = []  # (field, input) of every mutation run

    # Views of remembered things, as GraphQL objects ---------------------------------------------------

    def comment(self, rec: CommentRec) -> dict[str, Any]:
        view: dict[str, Any] = {
            "__typename": TYPENAME[rec.kind],
            "id": rec.node_id,
            "databaseId": rec.id,
            "body": rec.body,
            "url": rec.html_url,
            "isMinimized": rec.minimized_reason is not None,
            "minimizedReason": rec.minimized_reason,
            "author": self._author(rec.author),
            "createdAt": rec.created_at,
            "updatedAt": rec.updated_at,
        }
        if rec.kind == "discussion_comment":
            view["replies"] = lambda _info, first, after=None, **_: _connection(self._replies(rec), first, after)
        return view

    @staticmethod
    def _author(user: UserRec) -> dict[str, Any]:
        return {"__typename": "User", "login": user.login, "databaseId": user.id}

    def _replies(self, parent: CommentRec) -> list[dict[str, Any]]:
        found = [rec for rec in self.world.comments.values() if rec.kind == "discussion_comment" and rec.parent_id == parent.id]
        return [self.comment(rec) for rec in sorted(found, key=lambda rec: rec.id)]

    def discussion(self, rec: DiscussionRec) -> dict[str, Any]:
        def comments(_info: Any, first: int, after: str | None = None, **_: Any) -> dict[str, Any]:
            top = [
                item
                for item in self.world.comments.values()
                if item.kind == "discussion_comment" and item.discussion is rec and item.parent_id is None
            ]
            return _connection([self.comment(item) for item in sorted(top, key=lambda item: item.id)], first, after)

        return {
            "__typename": "Discussion",
            "id": rec.node_id,
            "number": rec.number,
            "title": rec.title,
            "body": rec.body,
            "url": rec.html_url,
            "createdAt": rec.created_at,
            "updatedAt": rec.updated_at,
            "lastEditedAt": rec.last_edited_at,
            "author": self._author(rec.author),
            "locked": rec.locked,
            "activeLockReason": rec.lock_reason,
            "comments": comments,
        }

    def _issue_view(self, rec: IssueRec) -> dict[str, Any]:
        reason = rec.lock_reason.upper().replace(" ", "_").replace("-", "_") if rec.lock_reason else None
        typename = "PullRequest" if rec.pull else "Issue"
        return {"__typename": typename, "id": node_id("PR" if rec.pull else "I", rec.id), "locked": rec.locked, "activeLockReason": reason}

    # Lookups ----------------------------------------------------------------------------------------

    def _comment_by_node(self, node: str) -> CommentRec:
        for rec in self.world.comments.values():
            if rec.node_id == node:
                return rec
        raise Refused("NOT_FOUND", f"Could not resolve to a node with the global id of '{node}'")

    def _lockable(self, node: str) -> DiscussionRec | IssueRec:
        for discussion in self.world.discussions.values():
            if discussion.node_id == node:
                return discussion
        for issue in self.world.issues.values():
            if node_id("PR" if issue.pull else "I", issue.id) == node:
                return issue
        raise Refused("NOT_FOUND", f"Could not resolve to a node with the global id of '{node}'")

    def _node(self, _info: Any, id: str) -> dict[str, Any]:
        for discussion in self.world.discussions.values():
            if discussion.node_id == id:
                return self.discussion(discussion)
        return self.comment(self._comment_by_node(id))

    def _repository(self, _info: Any, owner: str, name: str, **_: Any) -> dict[str, Any]:
        full = f"{owner}/{name}".casefold()
        if full not in self.world.repos:
            raise Refused("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")

        def discussion(_info: Any, number: int) -> dict[str, Any]:
            rec = self.world.discussions.get((full, number))
            if rec is None:
                raise Refused("NOT_FOUND", f"Could not resolve to a Discussion with the number of {number}.")
            return self.discussion(rec)

        def discussions(_info: Any, first: int, after: str | None = None, **args: Any) -> dict[str, Any]:
            found = [rec for key, rec in self.world.discussions.items() if key[0] == full]
            # GitHub's default order is {field: UPDATED_AT, direction: DESC}; the id breaks ties (one-second times).
            order = args.get("orderBy") or {"field": "UPDATED_AT", "direction": "DESC"}
            moment = "updated_at" if order.get("field") == "UPDATED_AT" else "created_at"
            found.sort(key=lambda rec: (getattr(rec, moment), rec.id), reverse=order.get("direction") == "DESC")
            return _connection([self.discussion(rec) for rec in found], first, after)

        return {"__typename": "Repository", "discussion": discussion, "discussions": discussions}

    # Mutations --------------------------------------------------------------------------------------

    def _minimize(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        rec = self._comment_by_node(input["subjectId"])
        rec.minimized_reason = str(input["classifier"]).lower()
        return {"minimizedComment": self.comment(rec)}

    def _unminimize(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        rec = self._comment_by_node(input["subjectId"])
        rec.minimized_reason = None
        return {"unminimizedComment": self.comment(rec)}

    def _update_discussion_comment(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        rec = self._comment_by_node(input["commentId"])
        rec.body = input["body"]
        return {"comment": self.comment(rec)}

    def _delete_discussion_comment(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        rec = self._comment_by_node(input["id"])
        view = self.comment(rec)
        for key, item in list(self.world.comments.items()):
            if item is rec or (item.kind == "discussion_comment" and item.parent_id == rec.id):
                del self.world.comments[key]
        return {"comment": view}

    def _lock(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        rec = self._lockable(input["lockableId"])
        rec.locked = True
        reason = input.get("lockReason")
        rec.lock_reason = (str(reason) if isinstance(rec, DiscussionRec) else str(reason).lower().replace("_", " ")) if reason else None
        return {"lockedRecord": self.discussion(rec) if isinstance(rec, DiscussionRec) else self._issue_view(rec)}

    def _unlock(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        rec = self._lockable(input["lockableId"])
        rec.locked, rec.lock_reason = False, None
        return {"unlockedRecord": self.discussion(rec) if isinstance(rec, DiscussionRec) else self._issue_view(rec)}

    # The endpoint -----------------------------------------------------------------------------------

    def answer(self, body: Any) -> dict[str, Any]:
        """The JSON body GitHub answers (always with status 200, as GitHub does for GraphQL errors)."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
        document = body["query"]
        try:
            check_graphql(document)
        except ContractError as error:
            messages = str(error).removeprefix("GitHub GraphQL: ").split("; ")
            return {"errors": [{"message": message, "extensions": {"code": "invalidDocument"}} for message in messages]}
        except GraphQLError as error:  # a syntax error: GitHub reports it without a type or code
            return {"errors": [{"message": f"Parse error: {error.message}", "locations": _locations(error)}]}
        parsed = parse(document)
        operation = get_operation_ast(parsed)
        mutation = operation is not None and operation.operation == OperationType.MUTATION
        root: dict[str, Callable[..., Any]] = (
            {
                "minimizeComment": self._minimize,
                "unminimizeComment": self._unminimize,
                "updateDiscussionComment": self._update_discussion_comment,
                "deleteDiscussionComment": self._delete_discussion_comment,
                "lockLockable": self._lock,
                "unlockLockable": self._unlock,
            }
            if mutation
            else {"node": self._node, "repository": self._repository}
        )
        result = execute_sync(github_graphql_schema(), parsed, root_value=root, variable_values=body.get("variables") or {})
        if mutation and operation is not None:
            for selection in operation.selection_set.selections:
                name = getattr(selection, "name", None)
                self.mutations.append((name.value if name else "", dict(body.get("variables") or {})))
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [_error(error) for error in result.errors]
        return answer


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": location.line, "column": location.column} for location in error.locations or []]


def _error(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    shaped: dict[str, Any] = {"path": list(error.path or []), "locations": _locations(error), "message": error.message}
    if isinstance(original, Refused):
        shaped["type"] = original.kind
    return shaped
