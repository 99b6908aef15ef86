"""The author of moderated content hears why, privately, the way each platform's own moderators tell people:
a Discourse private message, a Slack or Zulip direct message from the bot; a Discourse silence or suspension
carries the notice in its own message, which Discourse e-mails. Exactly once, with the stewards' reason and
contact, and never a reporter's name. Each against its platform's served fake, through the real executor."""

from typing import Any

import pytest

from cases.models import Case
from enforcement.actions import do_moderate_content
from enforcement.executor import run_action
from enforcement.models import ActionStatus, EnforcementAction, NoticeStatus, Plan, PlanStatus, PlatformNotice
from enforcement.platform_notices import notify_applied
from enforcement.tests.notice_helpers import policy_with
from intake.actions import Submission, do_submit_report
from policy.services import current_policy
from spaces.discourse.fake import API_KEY, WEBHOOK_SECRET, FakeDiscourse
from spaces.slack.fake import ADMIN_TOKEN, BOT_TOKEN, FakeSlack
from spaces.testing import make_connection
from spaces.zulip.fake import FakeZulip

REASON = "Slurs aimed at another contributor."
MALLORY = "U012AB3CD"


@pytest.fixture
def notices_on(db: Any) -> None:
    policy_with("notify_on_platform: true")


@pytest.fixture
def discourse(db: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = FakeDiscourse()
    with fake.serve() as url:
        fake.site_url = url
        fake.connection = make_connection(
            monkeypatch,
            "discourse",
            slug="forum",
            settings={"base_url": url},
            secrets={"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
        )
        yield fake
    assert fake.contract_problems == []


@pytest.fixture
def slack(db: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = FakeSlack()
    fake.add_user(MALLORY, "mallory", "mallory@example.org")
    fake.add_channel("C0RANDOM1", "random", {MALLORY})
    with fake.serve() as url:
        secrets = {"bot_token": BOT_TOKEN, "admin_token": ADMIN_TOKEN, "signing_secret": "s"}
        fake.connection = make_connection(monkeypatch, "slack", slug="chat", settings={"api_url": url}, secrets=secrets)
        yield fake


@pytest.fixture
def zulip(db: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = FakeZulip()
    fake.mallory = fake.add_user("mallory@example.org", "Mallory")
    fake.general = fake.add_stream("general", members=(fake.mallory,))
    with fake.serve() as url:
        secrets = {"bot_email": fake.bot_email, "api_key": fake.api_key, "webhook_token": "t"}
        fake.connection = make_connection(monkeypatch, "zulip", slug="zulip", settings={"site": url}, secrets=secrets)
        yield fake
    assert fake.refused == []


def moderated(steward: Any, connection: Any, op: str, subject: str) -> EnforcementAction:
    action = do_moderate_content(steward, connection, op, subject, REASON)
    assert run_action(action.pk) == "done"
    assert notify_applied(action.pk) == "already", "a second call (another worker, a retry) posts nothing"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED
    assert PlatformNotice.objects.get(action=action).status == NoticeStatus.POSTED
    return action


def says_why(text: str) -> None:
    assert f"Reason: {REASON}" in text
    assert f"Questions about this decision: {current_policy().stewards_contact}" in text


@pytest.mark.parametrize("op", ["hide-content", "delete-content"])
def test_discourse_sends_the_author_one_private_message(notices_on, stewards, discourse, op):
    mallory = discourse.add_user("mallory")
    topic, _first = discourse.add_topic("Release planning", discourse.moderator, "When do we ship?")
    post = discourse.add_post(topic, mallory, "Something vile.")
    moderated(stewards["alice"], discourse.connection, op, f"post:{post.id}")
    [(pm, text)] = discourse.private_messages_to("mallory")
    says_why(text)
    assert text.startswith("The community's stewards")
    assert pm.archetype == "private_message" and pm.external_id and pm.external_id.startswith("steward-notice-")


def test_discourse_suspension_carries_the_notice_in_its_own_message(notices_on, stewards, discourse):
    """A suspended person cannot sign in to read a private message: Discourse e-mails the suspension's message."""
    discourse.add_user("mallory")
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=discourse.connection, op="suspend", subject="mallory", reason=REASON, status=ActionStatus.QUEUED
    )
    assert run_action(action.pk) == "done"
    assert notify_applied(action.pk) == "already"
    [(who, message)] = discourse.emails
    assert who == "mallory"
    says_why(message)
    assert discourse.private_messages_to("mallory") == []
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.POSTED and "suspend" in notice.external_ref


def test_discourse_suspension_without_notices_sends_no_message(stewards, discourse):
    discourse.add_user("mallory")
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=discourse.connection, op="suspend", subject="mallory", reason=REASON, status=ActionStatus.QUEUED
    )
    assert run_action(action.pk) == "done"
    assert discourse.emails == [] and not PlatformNotice.objects.exists()


def test_slack_sends_the_author_of_a_deleted_message_one_direct_message(notices_on, stewards, slack):
    ts = slack.post("C0RANDOM1", MALLORY, "something vile")
    moderated(stewards["alice"], slack.connection, "delete-content", f"C0RANDOM1/{ts}")
    [text] = slack.direct_messages_to(MALLORY)
    says_why(text)
    assert not slack.has_message("C0RANDOM1", ts)


def test_zulip_sends_the_sender_of_a_deleted_message_one_direct_message(notices_on, stewards, zulip):
    message_id = zulip.post(zulip.mallory, zulip.general, "something vile")
    moderated(stewards["alice"], zulip.connection, "delete-content", str(message_id))
    [text] = zulip.direct_messages_to(zulip.mallory)
    says_why(text)
    assert message_id not in zulip.messages


def reported_case() -> Case:
    receipt = do_submit_report(
        Submission(body="Someone kept insulting me.", reporter_name="Rosalind Quinterra", reporter_email="rq@example.net")
    )
    return Case.objects.get(code_name=receipt.case_code_name)


def applied(connection: Any, op: str, subject: str, state: dict[str, Any]) -> EnforcementAction:
    """An action applied before the case's reporter was known to it (a reporter added later, say): the reason names
    them, and only the notice's own check stands between it and the platform."""
    plan = Plan.objects.create(case=reported_case(), status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction(
        plan=plan, connection=connection, op=op, subject=subject, reason="As Quinterra told us.", status=ActionStatus.APPLIED
    )
    action.state = state
    action.save()
    return action


def withheld(action: EnforcementAction) -> None:
    assert notify_applied(action.pk) == "withheld"
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.FAILED and "may identify a reporter" in notice.error and "Quinterra" not in notice.error


def test_a_reporters_name_in_the_reason_never_reaches_the_discourse_author(notices_on, discourse):
    discourse.add_user("mallory")
    withheld(applied(discourse.connection, "hide-content", "post:1", {"post_id": 1, "username": "mallory"}))
    assert discourse.private_messages_to("mallory") == []


def test_a_reporters_name_in_the_reason_never_reaches_the_slack_author(notices_on, slack):
    withheld(applied(slack.connection, "delete-content", "C0RANDOM1/1700000000.000100", {"user_id": MALLORY}))
    assert slack.direct_messages_to(MALLORY) == []


def test_a_reporters_name_in_the_reason_never_reaches_the_zulip_sender(notices_on, zulip):
    withheld(applied(zulip.connection, "delete-content", "1", {"message_id": 1, "sender_id": zulip.mallory}))
    assert zulip.direct_messages_to(zulip.mallory) == []


def test_a_deactivated_zulip_account_gets_no_notice(notices_on, zulip):
    """A deactivated account cannot read a direct message (Zulip refuses one), so deactivation posts none."""
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=zulip.connection, op="deactivate", subject=str(zulip.mallory), reason=REASON, status=ActionStatus.QUEUED
    )
    assert run_action(action.pk) == "done"
    assert not zulip.users[zulip.mallory].is_active
    assert not PlatformNotice.objects.exists() and zulip.direct_messages_to(zulip.mallory) == []


def test_a_discourse_suspension_already_in_place_sends_nothing_and_says_so(notices_on, discourse):
    """Discourse sends the message only with a new suspension: one already as long stays, and no e-mail goes."""
    from spaces.discourse.space import FOREVER

    discourse.add_user("mallory")
    discourse.suspend_by_hand("mallory", FOREVER)
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False)
    action = EnforcementAction.objects.create(
        plan=plan, connection=discourse.connection, op="suspend", subject="mallory", reason=REASON, status=ActionStatus.QUEUED
    )
    assert run_action(action.pk) == "done"
    assert discourse.emails == []
    notice = PlatformNotice.objects.get(action=action)
    assert notice.status == NoticeStatus.FAILED and "already in place" in notice.error
