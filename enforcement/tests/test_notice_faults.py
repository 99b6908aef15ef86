"""Fault tests of the notices: a real worker process is killed with SIGKILL around a notice, then the sweep runs in
a fresh one (as test_faults.py does for the actions themselves).

- killed after the action is recorded, before its notice is claimed: the sweep posts the notice, once;
- killed after the claim, before the platform call: GitHub is asked (the key's marker), finds nothing and the
  notice is posted then; the tiny forum cannot be asked, so the notice is marked unknown and never posted;
- killed after the platform call, before it is recorded: GitHub finds the comment and the notice is finished as
  posted; on the tiny forum it is marked unknown, and the person still has exactly one message.
"""

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from enforcement.actions import do_moderate_content
from enforcement.models import ActionStatus, EnforcementAction, NoticeStatus, Plan, PlanStatus, PlatformNotice
from enforcement.tasks import run_enforcement_action, sweep_enforcement
from enforcement.tests.notice_helpers import REASON, comments_on, policy_with
from enforcement.tests.test_faults import run_worker
from spaces.github.fake import FakeGitHub
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db(transaction=True)


def crash_then_sweep(point: str, tmp_path: Path) -> None:
    marker = tmp_path / "failpoint"
    marker.write_text(point)
    assert run_worker(marker) == -signal.SIGKILL, f"the worker reached {point} and was killed"
    assert not marker.exists()
    sweep_enforcement.enqueue()
    assert run_worker() == 0


@pytest.fixture
def github(transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeGitHub, Any]]:
    fake = FakeGitHub()
    with fake.serve() as url:
        secrets = {"token": fake.token, "webhook_secret": "x"}
        yield fake, make_connection(monkeypatch, "github", slug="gh", settings={"org": "acme", "api_url": url}, secrets=secrets)


@pytest.mark.parametrize("point", ["enforcement.recorded", "enforcement.notice.claimed", "enforcement.notice.posted"])
def test_github_killed_around_a_notice_posts_it_exactly_once(point: str, stewards: Any, github: Any, tmp_path: Path) -> None:
    policy_with("notify_on_platform: true")
    fake, connection = github
    issue = fake.add_issue("acme/app", "mallory")
    action = do_moderate_content(stewards["alice"], connection, "lock-thread", issue.html_url, REASON)
    crash_then_sweep(point, tmp_path)

    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and issue.locked
    [body] = comments_on(fake, issue)
    assert f"Reason: {REASON}" in body
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.POSTED and notice.external_ref


def timed_out_on_the_tiny_forum(forum_connection: Any) -> EnforcementAction:
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=forum_connection, op="timeout", subject="ivan", reason=REASON, status=ActionStatus.QUEUED
    )
    run_enforcement_action.enqueue(action.pk)
    return action


@pytest.mark.parametrize(("point", "messages", "status"), [
    ("enforcement.recorded", 1, "posted"),
    ("enforcement.notice.claimed", 0, "unknown"),
    ("enforcement.notice.posted", 1, "unknown"),
])  # fmt: skip
def test_a_platform_that_cannot_be_asked_never_gets_a_notice_twice(
    point: str, messages: int, status: str, forum: Any, forum_connection: Any, tmp_path: Path
) -> None:
    policy_with("notify_on_platform: true")
    action = timed_out_on_the_tiny_forum(forum_connection)
    crash_then_sweep(point, tmp_path)

    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and "ivan" in forum.timeouts
    assert len(forum.messages) == messages
    assert all(REASON in text for _user, text in forum.messages)
    assert PlatformNotice.objects.get(action=action).status == status
