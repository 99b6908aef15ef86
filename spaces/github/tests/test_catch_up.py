"""The catch-up reader's other kinds: review comments, commit comments, discussion comments; and a whole organisation."""

from datetime import UTC, datetime, timedelta

import pytest

from spaces.base import TemporaryFailure
from spaces.github.reading import KINDS
from spaces.testing import make_connection, space_of

SINCE = datetime(2026, 2, 1, tzinfo=UTC)
BEFORE = datetime(2026, 1, 20, tzinfo=UTC)
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def at(minutes: int) -> datetime:
    return SINCE + timedelta(days=1, minutes=minutes)


def ids(items, kind=None):
    return [item.external_id for item in items if kind is None or item.kind == kind]


def test_review_comments_since_oldest_first_paged_and_addressed_to_the_pull_requests_author(gh, fake):
    pull = fake.add_issue("acme/app", "Alice", pull=True)
    fake.add_comment(pull, "old", "before the window", kind="review_comment", created_at=BEFORE)
    made = [fake.add_comment(pull, "bob", f"nit {n}", kind="review_comment", created_at=at(104 - n)) for n in range(105)]
    made.reverse()  # created newest first: the reader gives them oldest first

    items = list(gh.read_parts()["acme/app:review_comment"](SINCE))
    assert ids(items) == [f"review_comment:{comment.id}" for comment in made]
    item = items[0]
    assert item.kind == "review_comment" and item.author == ("bob", str(made[0].author.id))
    assert item.addressed == ("alice",)
    assert item.thread == pull.html_url and item.url == made[0].html_url
    pages = [call for call in fake.calls if call.path == "/repos/acme/app/pulls/comments"]
    assert [call.query.get("page") for call in pages] == [None, "2"]
    assert pages[0].query.items() >= {"since": "2026-02-01T00:00:00Z", "sort": "created", "direction": "asc"}.items()
    # The pull request's author is looked up once, not per comment.
    assert len([call for call in fake.calls if call.path == f"/repos/acme/app/issues/{pull.number}"]) == 1


def test_commit_comments_are_paged_through_and_filtered_by_time(gh, fake):
    fake.add_comment(f"acme/app@{SHA}", "old", "before the window", created_at=BEFORE)
    made = [fake.add_comment(f"acme/app@{SHA}", "carol", f"why? @Dan {n}", created_at=at(n)) for n in range(110)]

    items = list(gh.read_parts()["acme/app:commit_comment"](SINCE))
    assert ids(items) == [f"commit_comment:{comment.id}" for comment in made]
    assert items[0].addressed == ("dan",)
    assert items[0].thread == f"https://github.com/acme/app/commit/{SHA}"
    pages = [call for call in fake.calls if call.path == "/repos/acme/app/comments"]
    assert [call.query.get("page") for call in pages] == [None, "2"]
    assert "since" not in pages[0].query


def test_discussion_comments_and_replies_since_oldest_first_addressed_to_the_discussions_author(gh, fake):
    first = fake.add_discussion("acme/app", "Starter")
    second = fake.add_discussion("acme/app", "other")
    fake.add_comment(first, "old", "before the window", created_at=BEFORE)
    late = fake.add_comment(second, "eve", "late", created_at=at(500))
    top = [fake.add_comment(first, "bob", f"top {n}", created_at=at(n)) for n in range(60)]  # more than a page
    replies = [fake.add_comment(first, "mallory", f"reply {n}", reply_to=top[0], created_at=at(100 + n)) for n in range(55)]
    extra_discussions = [fake.add_discussion("acme/app", f"starter{n}") for n in range(50)]  # more than a page of discussions
    last = fake.add_comment(extra_discussions[-1], "zed", "in the 52nd discussion", created_at=at(600))

    items = list(gh.read_parts()["acme/app:discussion_comment"](SINCE))
    expected = [*top, *replies, late, last]
    assert ids(items) == [f"discussion_comment:{comment.id}" for comment in expected]
    reply = items[60]
    assert reply.author == ("mallory", str(replies[0].author.id))
    assert reply.addressed == ("starter",)
    assert reply.thread == first.html_url and reply.url == replies[0].html_url
    assert reply.created_at == at(100)
    assert items[-1].addressed == ("starter49",)


def test_the_poll_reads_the_time_filtered_kinds_and_the_backfill_every_kind_with_webhook_ids(gh, fake):
    fake.add_issue("acme/app", "old", title="Before the window", created_at=BEFORE)
    issue = fake.add_issue("acme/app", "alice", title="Crash on start", body="It crashes, @bob.", created_at=at(4))
    pull = fake.add_issue("acme/app", "carol", pull=True, title="Fix the crash", created_at=at(5))
    made = [
        fake.add_comment(issue, "bob", "an issue comment", created_at=at(3)),
        fake.add_comment(pull, "bob", "a review comment", kind="review_comment", created_at=at(2)),
        fake.add_comment(f"acme/app@{SHA}", "bob", "a commit comment", created_at=at(1)),
        fake.add_comment(discussion := fake.add_discussion("acme/app", "alice", created_at=at(8)), "bob", "a comment", created_at=at(0)),
    ]
    fake.add_commit("acme/app", "dave", "Old work", date=BEFORE)
    commits = [fake.add_commit("acme/app", "dave", "Fix the crash\n\nSigned-off-by: Dave <dave@example.org>", date=at(6))]
    commits.append(fake.add_commit("acme/app", None, "Tidy up", date=at(7)))
    polled = list(gh.read(SINCE))
    assert [item.kind for item in polled] == [
        *("issue_comment", "review_comment", "issue", "issue", "commit", "commit"),
        *("discussion_comment", "discussion"),  # the poll's discussion stream, oldest first
    ], "commit comments only by backfill"
    items = [item for part in gh.read_parts().values() for item in part(SINCE)]
    assert list(dict.fromkeys(item.kind for item in items)) == list(KINDS)
    assert ids(items)[:4] == [f"{comment.kind}:{comment.id}" for comment in made]
    assert ids(items)[4:] == [
        *("issue:acme/app#2", "issue:acme/app#3", f"commit:{commits[0].sha}", f"commit:{commits[1].sha}"),
        f"discussion:acme/app#{discussion.number}",
    ]
    opening, fix, tidy = items[4], items[6], items[7]
    assert opening.text == "Crash on start\n\nIt crashes, @bob." and opening.addressed == ("bob",) and opening.url == issue.html_url
    assert opening.author == ("alice", str(issue.author.id)) and opening.created_at == at(4)
    assert fix.author == ("dave", str(commits[0].author.id)) and fix.created_at == at(6) and fix.url == commits[0].html_url
    assert tidy.author == ()  # an e-mail no GitHub account has: nobody to match
    assert fake.mutations() == []


def test_without_repositories_the_whole_organisation_is_read(db, monkeypatch, fake, url):
    connection = make_connection(
        monkeypatch, "github", slug="example", settings={"org": "acme", "api_url": url}, secrets={"token": fake.token}
    )
    space = space_of(connection)
    for n in range(105):
        fake.add_repo(f"acme/repo{n:03}")
    fake.add_repo("someone-else/theirs")
    comment = fake.add_comment(fake.add_issue("acme/repo104", "alice"), "bob", "hello", created_at=at(0))

    assert space.repositories_to_read() == [("acme", f"repo{n:03}") for n in range(105)]
    pages = [call for call in fake.calls if call.path == "/orgs/acme/repos"]
    assert [call.query.get("page") for call in pages] == [None, "2"]
    parts = space.read_parts()
    assert len(parts) == 105 * len(KINDS)
    assert ids(parts["acme/repo104:issue_comment"](SINCE)) == [f"issue_comment:{comment.id}"]


def test_a_rate_limited_page_is_a_temporary_failure_with_its_wait(gh, fake):
    fake.add_comment(f"acme/app@{SHA}", "carol", "hi", created_at=at(0))
    fake.inject_secondary_rate_limit(retry_after=42, path="/comments$")
    with pytest.raises(TemporaryFailure) as failure:
        list(gh.read_parts()["acme/app:commit_comment"](SINCE))
    assert failure.value.retry_after == 42
