"""The sweep settles what a dead worker left of a notice (enforcement.platform_notices.sweep_notices):
- an applied action with no notice gets one, once, but only if it was applied while the policy asked for notices
  and lately (switching the setting on never tells people about old decisions);
- a notice claimed and never finished is looked up where the platform can be asked (GitHub: the key's marker),
  finished as found or posted then; elsewhere it is marked unknown and never posted a second time.
In this process, against the served fakes; test_notice_faults.py kills real workers at each point."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from enforcement.actions import do_moderate_content
from enforcement.executor import request_for, run_action
from enforcement.models import ActionStatus, EnforcementAction, NoticeStatus, Plan, PlanStatus, PlatformNotice
from enforcement.platform_notices import LOOK_BACK
from enforcement.schedule import sweep
from enforcement.tests.notice_helpers import REASON, comments_on, policy_with
from spaces.registry import space_for

LONG_AGO = timedelta(hours=1)  # longer than any lease


def locked_without_notice(stewards: dict[str, Any], github: Any) -> tuple[Any, EnforcementAction]:
    """A thread locked while the policy asked for no notices; then the policy turns them on."""
    fake, connection = github
    issue = fake.add_issue("acme/app", "mallory")
    action = do_moderate_content(stewards["alice"], connection, "lock-thread", issue.html_url, REASON)
    assert run_action(action.pk) == "done"
    policy_with("notify_on_platform: true")
    action.refresh_from_db()
    return issue, action


def test_an_applied_action_whose_notice_was_never_claimed_gets_it_from_the_sweep(stewards, github):
    """The worker died between recording the action and claiming its notice: the sweep posts it, once."""
    policy_with("notify_on_platform: true")
    fake, connection = github
    issue = fake.add_issue("acme/app", "mallory")
    action = do_moderate_content(stewards["alice"], connection, "lock-thread", issue.html_url, REASON)
    assert run_action(action.pk) == "done"
    PlatformNotice.objects.filter(action=action).delete()  # as if the worker had died before claiming it
    fake.world.comments.clear()

    assert sweep()["notices_posted"] == 1
    assert sweep()["notices_posted"] == 0
    [body] = comments_on(fake, issue)
    assert f"Reason: {REASON}" in body
    assert PlatformNotice.objects.get(action=action).status == NoticeStatus.POSTED


def test_switching_notices_on_never_reaches_back_to_actions_applied_before(stewards, github):
    fake, _connection = github
    issue, _action = locked_without_notice(stewards, github)
    assert sweep()["notices_posted"] == 0
    assert comments_on(fake, issue) == [] and not PlatformNotice.objects.exists()


def test_the_sweep_looks_back_only_so_far(stewards, github):
    policy_with("notify_on_platform: true")
    fake, connection = github
    issue = fake.add_issue("acme/app", "mallory")
    plan = Plan.objects.create(status=PlanStatus.ACTIVE, notify_first=False)
    EnforcementAction.objects.create(
        plan=plan, connection=connection, op="lock-thread", subject=issue.html_url, reason=REASON, status=ActionStatus.APPLIED
    )
    EnforcementAction.objects.update(applied_at=timezone.now())
    later = timezone.now() + LOOK_BACK + timedelta(minutes=1)  # a worker down for longer than the look-back
    assert sweep(later)["notices_posted"] == 0
    assert comments_on(fake, issue) == []


def test_a_claimed_notice_found_on_github_is_finished_not_posted_again(stewards, github):
    """The worker died after GitHub took the comment: the key's marker finds it, the row is finished as posted."""
    fake, connection = github
    issue, action = locked_without_notice(stewards, github)
    ref = space_for(connection).post_moderation_notice(request_for(action), action.state, "The notice as it went out.")
    PlatformNotice.objects.create(action=action, claimed_at=timezone.now() - LONG_AGO)

    assert sweep()["notices_settled"] == 1
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.POSTED and notice.external_ref == ref
    assert len(comments_on(fake, issue)) == 1


def test_a_claimed_notice_github_never_got_is_posted_by_the_sweep(stewards, github):
    """The worker died before GitHub took the comment: looked up, not there, so posted now (once)."""
    fake, _connection = github
    issue, action = locked_without_notice(stewards, github)
    PlatformNotice.objects.create(action=action, claimed_at=timezone.now() - LONG_AGO)

    assert sweep()["notices_settled"] == 1
    assert sweep()["notices_settled"] == 0
    [body] = comments_on(fake, issue)
    assert f"Reason: {REASON}" in body
    assert PlatformNotice.objects.get(action=action).status == NoticeStatus.POSTED


def test_a_claimed_notice_within_its_lease_is_left_to_its_worker(stewards, github):
    fake, _connection = github
    issue, action = locked_without_notice(stewards, github)
    PlatformNotice.objects.create(action=action)
    assert sweep()["notices_settled"] == 0
    assert PlatformNotice.objects.get(action=action).status == NoticeStatus.CLAIMED
    assert comments_on(fake, issue) == []


def test_a_claimed_notice_where_the_platform_cannot_be_asked_is_marked_unknown_never_posted(stewards, forum, forum_connection):
    """The tiny forum (like Slack, Zulip, Discord) cannot say whether a message arrived: posting again could send a
    second one, so the notice is marked unknown for the stewards, who can look and tell the person by hand."""
    policy_with("notify_on_platform: true")
    plan = Plan.objects.create(status=PlanStatus.ACTIVE, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=forum_connection, op="timeout", subject="ivan", reason=REASON, status=ActionStatus.APPLIED
    )
    PlatformNotice.objects.create(action=action, claimed_at=timezone.now() - LONG_AGO)

    assert sweep()["notices_settled"] == 1
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.UNKNOWN and "tell the person by hand" in notice.error
    assert forum.messages == []
    assert sweep()["notices_settled"] == 0
