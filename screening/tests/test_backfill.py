"""Backfill through a served fake GitHub and from a Slack export: killed midway, resumed, nothing twice, nothing missed."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from screening import backfill
from screening.management.commands import screening_backfill
from screening.models import BackfillRun, Item
from spaces.github.fake import FakeGitHub
from spaces.github.reading import KINDS
from spaces.models import SpaceConnection
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Killed(Exception):
    pass


@pytest.fixture
def fake() -> FakeGitHub:
    return FakeGitHub()


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub) -> Any:
    with fake.serve() as url:
        yield make_connection(
            monkeypatch,
            "github",
            slug="example",
            settings={"org": "acme", "api_url": url, "repositories": ["acme/app", "acme/docs"]},
            secrets={"token": fake.token, "webhook_secret": fake.webhook_secret},
        )


def comments(fake: FakeGitHub, repo: str, count: int, start: datetime) -> set[str]:
    """`count` comments on five issues, and the five issues' opening posts: what a backfill of the repository stores."""
    issues = [fake.add_issue(repo, f"opener{n}") for n in range(5)]
    return {f"issue:{repo}#{issue.number}" for issue in issues} | {
        f"issue_comment:{fake.add_comment(issues[n % 5], f'user{n % 40}', f'comment {n}', created_at=start + timedelta(minutes=n)).id}"
        for n in range(count)
    }


def stored(connection: SpaceConnection) -> list[str]:
    return list(Item.objects.filter(connection=connection).values_list("external_id", flat=True))


def test_a_killed_backfill_resumes_without_duplicates_or_gaps(
    github: SpaceConnection, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second repository's comments are older than the first's: one cursor for both would skip them.
    expected = comments(fake, "acme/app", 1800, T0 + timedelta(days=30)) | comments(fake, "acme/docs", 1200, T0)
    real = backfill.take_many
    calls = [0]

    def dies_on_the_third_batch(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 3:
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(backfill, "take_many", dies_on_the_third_batch)
    with pytest.raises(Killed):
        call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01")
    assert len(stored(github)) == 2 * backfill.BATCH  # two batches of the first repository
    monkeypatch.setattr(backfill, "take_many", real)

    out = io.StringIO()
    call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", stdout=out)
    ids = stored(github)
    assert len(ids) == len(set(ids)) == 3000 + 10  # the comments and the ten issues' opening posts
    assert set(ids) == expected
    assert f"resumed {2 * len(KINDS)} part(s)" in out.getvalue() and "items/s" in out.getvalue()  # 2 repositories, every kind
    run = BackfillRun.objects.get(part="acme/app:issue_comment")
    assert run.finished_at is not None and run.created == 1800
    # Read again from the cursor, not from the start: the killed batch and the cursor's moment only.
    assert run.items < 1800 + 2 * backfill.BATCH


def test_a_limit_stops_the_run_and_the_next_goes_on(github: SpaceConnection, fake: FakeGitHub) -> None:
    expected = comments(fake, "acme/app", 700, T0)
    fake.add_repo("acme/docs")
    out = io.StringIO()
    call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", "--limit", "300", stdout=out)
    assert "stopped at the limit" in out.getvalue()
    assert len(stored(github)) == 300
    call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", stdout=io.StringIO())
    assert set(stored(github)) == expected and len(stored(github)) == 700 + 5
    assert not BackfillRun.objects.filter(finished_at__isnull=True).exists()


SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def every_kind(fake: FakeGitHub, repo: str, count: int, start: datetime) -> set[str]:
    """`count` comments of each kind in the repository, the kinds interleaved in time."""
    issue, pull, discussion = (
        fake.add_issue(repo, "opener"),
        fake.add_issue(repo, "author", pull=True),
        fake.add_discussion(repo, "starter"),
    )
    made = []
    for n in range(count):
        moment = start + timedelta(minutes=4 * n)
        made.append(fake.add_comment(issue, f"user{n % 7}", f"issue {n}", created_at=moment))
        made.append(fake.add_comment(pull, f"user{n % 7}", f"review {n}", kind="review_comment", created_at=moment + timedelta(minutes=1)))
        made.append(fake.add_comment(f"{repo}@{SHA}", f"user{n % 7}", f"commit {n}", created_at=moment + timedelta(minutes=2)))
        made.append(fake.add_comment(discussion, f"user{n % 7}", f"discussion {n}", created_at=moment + timedelta(minutes=3)))
    openings = {f"issue:{repo}#{issue.number}", f"issue:{repo}#{pull.number}", f"discussion:{repo}#{discussion.number}"}
    return {f"{comment.kind}:{comment.id}" for comment in made} | openings


def test_every_repository_and_kind_resumes_on_its_own_after_a_kill(
    github: SpaceConnection, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = every_kind(fake, "acme/app", 130, T0 + timedelta(days=20)) | every_kind(fake, "acme/docs", 90, T0)
    real, calls = backfill.take_many, [0]

    def dies_midway(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 7:  # inside acme/app's commit comments, after its issue and review comments
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(backfill, "take_many", dies_midway)
    with pytest.raises(Killed):
        backfill.backfill_space(github, T0 - timedelta(days=1), batch=50)
    assert 0 < len(stored(github)) < len(expected)
    monkeypatch.setattr(backfill, "take_many", real)

    progress = backfill.backfill_space(github, T0 - timedelta(days=1), batch=50)
    ids = stored(github)
    assert len(ids) == len(set(ids)) == len(expected) == 4 * 220 + 6  # and the six opening posts (issues, pulls, discussions)
    assert set(ids) == expected
    assert (progress.finished, progress.parts, progress.resumed) == (True, 12, 12)  # the two parts done before the kill stay done
    assert progress.parts_done == 12 and progress.bar(width=6).startswith("[######] part 12/12 · 626 items read")
    runs = {run.part: run for run in BackfillRun.objects.all()}
    assert set(runs) == {f"acme/{repo}:{kind}" for repo in ("app", "docs") for kind in KINDS}
    assert all(run.finished_at is not None for run in runs.values())
    assert runs["acme/app:issue_comment"].items == 130  # finished before the kill: not read again
    assert runs["acme/docs:discussion_comment"].created == 90
    # A new backfill starts afresh and finds everything already stored.
    again = backfill.backfill_space(github, T0 - timedelta(days=1), batch=50)
    assert (again.taken.created, again.taken.unchanged) == (0, len(expected))


def test_a_rate_limit_midway_is_waited_out_and_the_part_goes_on_from_its_cursor(github: SpaceConnection, fake: FakeGitHub) -> None:
    pull = fake.add_issue("acme/app", "author", pull=True)
    made = {
        f"review_comment:{fake.add_comment(pull, 'bob', f'nit {n}', kind='review_comment', created_at=T0 + timedelta(minutes=n)).id}"
        for n in range(250)
    }
    fake.add_repo("acme/docs")
    slept: list[float] = []
    waits: list[tuple[str, float]] = []

    def after_the_first_batch(progress: backfill.Progress) -> None:
        if progress.read == 50:  # the first page (100) is read: the next page is refused
            fake.inject_secondary_rate_limit(retry_after=42, path="/pulls/comments$")

    progress = backfill.backfill_space(
        github,
        T0 - timedelta(days=1),
        batch=50,
        on_batch=after_the_first_batch,
        waits=backfill.Waits(sleep=slept.append, on_wait=lambda part, seconds, _failure: waits.append((part, seconds))),
    )
    assert slept == [42] and waits == [("acme/app:review_comment", 42)]
    assert progress.finished and progress.waited == 42
    ids = stored(github)
    assert len(ids) == len(set(ids)) == 251 and set(ids) == made | {"issue:acme/app#1"}  # the pull request's opening post
    # Read again from the cursor after the wait, not from the start.
    assert BackfillRun.objects.get(part="acme/app:review_comment").items < 250 + 50


def test_the_command_waits_out_a_rate_limit_and_stops_on_one_too_long(
    github: SpaceConnection, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = comments(fake, "acme/app", 30, T0)
    fake.add_repo("acme/docs")
    slept: list[float] = []
    monkeypatch.setattr(screening_backfill.Command, "sleep", staticmethod(slept.append))
    fake.inject_secondary_rate_limit(retry_after=60, path="/issues/comments$")
    out = io.StringIO()
    call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", stdout=out)
    assert slept == [60]
    assert "Rate limited in acme/app:issue_comment: waiting 60 s" in out.getvalue()
    assert "done" in out.getvalue() and "waited 60 s for rate limits" in out.getvalue()
    assert set(stored(github)) == expected

    # Longer than the cap, or no stated wait: stop, keep what was stored, and say to run it again.
    BackfillRun.objects.all().delete()
    fake.inject_secondary_rate_limit(retry_after=int(backfill.MAX_WAIT) + 1, path="/issues/comments$")
    with pytest.raises(CommandError, match="run it again to go on"):
        call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", stdout=io.StringIO())
    fake.inject(502, {"message": "Server Error"}, path="/pulls/comments$")
    with pytest.raises(CommandError, match="run it again to go on"):
        call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", stdout=io.StringIO())
    assert slept == [60]
    call_command("screening_backfill", "--connection", "example", "--since", "2025-12-01", stdout=io.StringIO())
    assert set(stored(github)) == expected and len(stored(github)) == 30 + 5


def slack_export(path: Path) -> Path:
    def message(ts: int, text: str, **extra: Any) -> dict[str, Any]:
        return {"type": "message", "user": "U100", "text": text, "ts": f"{ts}.000100", **extra}

    day = 1767268800  # 2026-01-01 12:00 UTC
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}, {"id": "C2", "name": "random"}]))
        archive.writestr("users.json", "[]")
        archive.writestr(
            "general/2026-01-01.json",
            json.dumps([message(day, "hello"), message(day + 5, "<@U200> you IDIOT"), message(day + 9, "joined", subtype="channel_join")]),
        )
        archive.writestr("general/2026-01-02.json", json.dumps([message(day + 86400, "next day")]))
        archive.writestr("random/2025-06-01.json", json.dumps([message(day - 200 * 86400, "too old")]))
        archive.writestr("random/2026-01-03.json", json.dumps([message(day + 2 * 86400, "random talk", thread_ts=f"{day}.000100")]))
    return path


def test_a_slack_export_is_read_into_screening_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = make_connection(monkeypatch, "slack", slug="chat", settings={})
    archive = slack_export(tmp_path / "export.zip")
    for _ in range(2):
        call_command(
            "screening_backfill", "--connection", "chat", "--since", "2025-12-01", "--slack-export", str(archive), stdout=io.StringIO()
        )
    items = {item.external_id: item for item in Item.objects.filter(connection=connection)}
    assert set(items) == {"C1/1767268800.000100", "C1/1767268805.000100", "C1/1767355200.000100", "C2/1767441600.000100"}
    insult = items["C1/1767268805.000100"]
    assert (insult.kind, insult.author, insult.addressed, insult.thread) == ("chat", "u100", "u200", "C1")


def test_the_progress_bar_shows_the_parts_read_and_the_one_being_read() -> None:
    progress = backfill.Progress(read=1200, parts=4, parts_done=1, part="acme/app:review_comment")
    assert progress.bar(width=8).startswith("[##------] part 2/4 acme/app:review_comment · 1200 items read, 0 new")
    assert backfill.Progress().bar(width=4).startswith("[####] part 0/0 · 0 items read")  # nothing to read: done
