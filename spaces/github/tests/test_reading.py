"""Reading comments from the configured repositories, and what subjects name."""

from datetime import UTC, datetime

import pytest

from spaces.base import PermanentFailure
from spaces.github.subjects import CommentKind, parse_comment, parse_scope, parse_thread

SINCE = datetime(2026, 2, 1, tzinfo=UTC)


def test_read_yields_comments_since_oldest_first_with_whom_they_address(gh, fake):
    issue = fake.add_issue("acme/app", "Alice")
    fake.add_comment(issue, "old", "before the window", created_at=datetime(2026, 1, 20, tzinfo=UTC))
    later = fake.add_comment(issue, "mallory", "@Dave look", created_at=datetime(2026, 2, 3, tzinfo=UTC))
    earlier = fake.add_comment(issue, "bob", "hi", created_at=datetime(2026, 2, 2, tzinfo=UTC))
    other = fake.add_issue("acme/other", "zed")
    fake.add_comment(other, "mallory", "not a configured repository", created_at=datetime(2026, 2, 3, tzinfo=UTC))

    items = list(gh.read(SINCE))
    assert [item.external_id for item in items] == [f"issue_comment:{earlier.id}", f"issue_comment:{later.id}"]
    item = items[1]
    assert item.author == ("mallory", str(later.author.id))
    assert item.addressed == ("alice", "dave")
    assert item.url == later.html_url
    assert item.thread == issue.html_url
    assert item.created_at == datetime(2026, 2, 3, tzinfo=UTC)
    assert fake.mutations() == []
    # The issue author is looked up once per issue, not once per comment.
    assert len([call for call in fake.calls if call.path == f"/repos/acme/app/issues/{issue.number}"]) == 1


def test_read_follows_pages(gh, fake):
    issue = fake.add_issue("acme/app", "alice")
    made = [
        fake.add_comment(issue, "bob", f"comment {n}", created_at=datetime(2026, 2, 2, n // 60, n % 60, tzinfo=UTC)) for n in range(105)
    ]
    assert [item.external_id for item in gh.read(SINCE)] == [f"issue_comment:{comment.id}" for comment in made]
    pages = [call for call in fake.calls if call.path == "/repos/acme/app/issues/comments"]
    assert [call.query.get("page") for call in pages] == [None, "2"]
    assert pages[0].query["since"] == "2026-02-01T00:00:00Z"
    assert pages[0].query["sort"] == "updated"


@pytest.mark.parametrize(
    ("url", "kind", "number", "comment_id"),
    [
        ("https://github.com/acme/app/issues/12#issuecomment-345", CommentKind.ISSUE_COMMENT, 12, 345),
        ("https://github.com/acme/app/pull/3#issuecomment-346", CommentKind.ISSUE_COMMENT, 3, 346),
        ("https://github.com/acme/app/pull/3#discussion_r99", CommentKind.REVIEW_COMMENT, 3, 99),
        ("https://github.com/acme/app/pull/3/files#r98", CommentKind.REVIEW_COMMENT, 3, 98),
        ("https://github.com/acme/app/pull/3#pullrequestreview-55", CommentKind.REVIEW, 3, 55),
        ("https://github.com/acme/app/commit/6dcb09b#commitcomment-7", CommentKind.COMMIT_COMMENT, 0, 7),
        ("https://github.com/acme/app/discussions/5#discussioncomment-8", CommentKind.DISCUSSION_COMMENT, 5, 8),
        ("https://ghe.example.org/ACME/app/issues/1#issuecomment-9", CommentKind.ISSUE_COMMENT, 1, 9),
    ],
)
def test_comment_urls(url, kind, number, comment_id):
    ref = parse_comment(url, "acme")
    assert (ref.kind, ref.number, ref.id) == (kind, number, comment_id)


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("https://github.com/acme/app/issues/12", "names no comment"),
        ("https://github.com/other/app/issues/12#issuecomment-1", "outside the organisation acme"),
        ("octocat", "is not a GitHub issue"),
        ("https://github.com/acme/app/wiki/Home#issuecomment-1", "is not a GitHub issue"),
    ],
)
def test_comment_urls_refused(subject, message):
    with pytest.raises(PermanentFailure, match=message):
        parse_comment(subject, "acme")


def test_threads_and_scopes():
    assert parse_thread("https://github.com/acme/app/pull/3", "acme").kind == "issue"
    assert parse_thread("https://github.com/acme/app/discussions/5#discussioncomment-8", "acme").number == 5
    with pytest.raises(PermanentFailure, match="no issue, pull request or discussion"):
        parse_thread("https://github.com/acme/app/commit/6dcb09b", "acme")
    assert parse_scope("acme", "acme").name == "acme"
    assert parse_scope("ACME/app", "acme").name == "acme/app"
    assert parse_scope("https://github.com/acme/app", "acme").repo == "app"
    with pytest.raises(PermanentFailure, match="neither an organisation nor a repository"):
        parse_scope("a/b/c", "acme")
