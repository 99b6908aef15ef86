"""A moderation action tells people why on the platform, when the policy says so (`enforcement.notify_on_platform`):
one comment on the GitHub conversation, in the community's language, with the stewards' reason and contact, never
twice, and a failed notice leaves the action applied. Against the served GitHub fake, through the real executor."""

from typing import Any

import pytest

from enforcement.actions import do_moderate_content
from enforcement.executor import run_action
from enforcement.models import ActionStatus, NoticeStatus, PlatformNotice
from enforcement.platform_notices import notice_text, notify_applied
from enforcement.tests.notice_helpers import REASON, comments_on, policy_with
from policy.services import current_policy
from spaces.github.fake import FakeGitHub


def lock(stewards: dict[str, Any], github: tuple[FakeGitHub, Any]) -> tuple[Any, Any]:
    fake, connection = github
    issue = fake.add_issue("acme/app", "mallory")
    action = do_moderate_content(stewards["alice"], connection, "lock-thread", issue.html_url, REASON)
    return issue, action


def test_off_by_default_nothing_is_posted(stewards, github):
    fake, _connection = github
    issue, action = lock(stewards, github)
    assert current_policy().enforcement.notify_on_platform is False
    assert run_action(action.pk) == "done"
    assert issue.locked and comments_on(fake, issue) == []
    assert not PlatformNotice.objects.exists()


def test_a_locked_thread_gets_one_notice_with_the_reason(stewards, github):
    policy_with("notify_on_platform: true")
    fake, _connection = github
    issue, action = lock(stewards, github)
    assert run_action(action.pk) == "done"
    [body] = comments_on(fake, issue)
    assert body.startswith("The community's stewards locked this conversation.")
    assert f"Reason: {REASON}" in body
    assert current_policy().stewards_contact in body
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.POSTED and notice.external_ref
    # Called again (a second worker, a retry): the claimed row stops it before the platform is asked.
    assert notify_applied(action.pk) == "already"
    assert len(comments_on(fake, issue)) == 1


def test_a_failed_notice_leaves_the_action_applied(stewards, github):
    policy_with("notify_on_platform: true")
    fake, _connection = github
    issue, action = lock(stewards, github)
    fake.inject(403, {"message": "Resource not accessible by personal access token"}, method="POST", path=r"/comments$", times=5)
    assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and issue.locked
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.FAILED and "Resource not accessible" in notice.error
    assert comments_on(fake, issue) == []


def test_the_notice_holds_only_what_was_done_the_reason_and_the_contact(stewards, github):
    _issue, action = lock(stewards, github)
    english = notice_text(action, "en")
    assert english.split("\n\n") == [
        "The community's stewards locked this conversation.",
        f"Reason: {REASON}",
        f"Questions about this decision: {current_policy().stewards_contact}",
    ]
    assert REASON in notice_text(action, "es")


def test_the_policy_setting_is_validated():
    from policy.errors import PolicyError
    from policy.loader import parse_policy

    text = open("policy/policies/ai-alliance.yaml", encoding="utf-8").read()
    with pytest.raises(PolicyError, match="notify_on_platform"):
        parse_policy(text.replace("  drift_check_hours: 24", "  drift_check_hours: 24\n  notify_on_platform: sometimes", 1))
    assert parse_policy(text).enforcement.notify_on_platform is False


def test_a_notice_that_could_identify_a_reporter_is_not_sent(stewards, github):
    """The last guard: the text is checked against the case's reporters just before it goes out (a reporter added
    after the action was approved, say); such a notice is recorded as not posted, and the action stays."""
    from cases.models import Case
    from enforcement.models import EnforcementAction, Plan, PlanStatus
    from intake.actions import Submission, do_submit_report

    policy_with("notify_on_platform: true")
    fake, connection = github
    receipt = do_submit_report(
        Submission(body="Someone kept insulting me.", reporter_name="Rosalind Quinterra", reporter_email="rq@example.net")
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    issue = fake.add_issue("acme/app", "mallory")
    plan = Plan.objects.create(case=case, status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan,
        connection=connection,
        op="lock-thread",
        subject=issue.html_url,
        reason="As Quinterra told us.",
        status=ActionStatus.APPLIED,
    )
    assert notify_applied(action.pk) == "withheld"
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.FAILED and "may identify a reporter" in notice.error
    assert "Quinterra" not in notice.error
    assert comments_on(fake, issue) == []
