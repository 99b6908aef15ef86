"""A Temporary Ban on a person with GitHub, Slack and Discord identities, from the vote to the lifting.

Each platform is its stateful fake on a real socket; the worker is the real `db_worker`. The plan is
drafted with the decision, approved, applied (one receipt per action, on the case page), and every
action is lifted at the end time — each exactly once on its platform.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, PartyRole
from decisions.models import Sanction, SanctionStatus
from decisions.tests.conftest import COMMITTEE, make_ready, propose, votes
from enforcement.actions import do_approve_plan, do_record_notice
from enforcement.models import ActionStatus, Notice, PlanStatus
from intake.actions import Submission, do_submit_report
from people.actions import do_link_identity
from people.models import Space
from spaces.discord.fake import FakeDiscord
from spaces.github.fake import FakeGitHub
from spaces.slack.fake import ADMIN_TOKEN, BOT_TOKEN, FakeSlack
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

SLACK_ID = "U07VEXLORD"


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def fakes(db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeGitHub, FakeSlack, FakeDiscord, str]]:
    github, slack, discord = FakeGitHub(org="acme"), FakeSlack(), FakeDiscord()
    github.add_user("vexlord")
    slack.add_user(SLACK_ID, "vexlord", "vex@example.org")
    slack.add_channel("C0GENERAL", "general", {SLACK_ID}, general=True)
    discord_id = discord.add_user("vexlord")
    with github.serve() as github_url, slack.serve() as slack_url, discord.serve() as discord_url:
        make_connection(
            monkeypatch, "github", slug="gh", title="Acme on GitHub", settings={"org": "acme", "api_url": github_url},
            secrets={"token": github.token, "webhook_secret": github.webhook_secret},
        )  # fmt: skip
        make_connection(
            monkeypatch, "slack", slug="chat", title="Acme Slack", settings={"api_url": slack_url, "scim_url": f"{slack_url}/scim/v2/"},
            secrets={"bot_token": BOT_TOKEN, "admin_token": ADMIN_TOKEN, "signing_secret": "s3cret"},
        )  # fmt: skip
        make_connection(
            monkeypatch, "discord", slug="server", title="Acme Discord",
            settings={"api_url": discord_url, "guild_id": discord.guild_id, "application_id": discord.application_id},
            secrets={"bot_token": discord.token, "public_key": discord.public_key},
        )  # fmt: skip
        yield github, slack, discord, discord_id


def temporary_ban(stewards: dict[str, Any], discord_id: str) -> tuple[Case, Sanction]:
    receipt = do_submit_report(
        Submission(
            body="He harasses me on GitHub, in Slack and on Discord.",
            reporter_name="Noor",
            reporter_email="noor@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Vex", Space.GITHUB, "vexlord")],
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    person = case.parties.get(role=PartyRole.REPORTED).person
    do_link_identity(None, person, Space.SLACK, SLACK_ID)
    do_link_identity(None, person, Space.DISCORD, discord_id)
    for name in COMMITTEE:
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    proposal = propose(case, stewards["alice"], "temporary-ban", skip_reason="Harassment across three spaces.")
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    return case, Sanction.objects.get(decision__case=case)


def test_a_temporary_ban_is_applied_in_every_space_and_lifted_at_its_end(fakes: Any, stewards: Any, login: Any) -> None:
    github, slack, discord, discord_id = fakes
    case, sanction = temporary_ban(stewards, discord_id)
    plan = sanction.plan
    assert sorted(plan.actions.values_list("connection__platform", "op")) == [
        ("discord", "ban"),
        ("github", "block"),
        ("slack", "deactivate"),
    ]

    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told him on a call before the bans.")
    worker()

    assert github.is_blocked("vexlord")
    assert not slack.is_active(SLACK_ID)
    assert discord_id in discord.bans
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    page = login(stewards["carol"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    for action in plan.actions.all():
        assert action.status == ActionStatus.APPLIED
        receipt = action.receipts.get()
        assert receipt.ok
        assert receipt.detail in page, "each receipt is shown on the case"

    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        worker()

    assert not github.is_blocked("vexlord")
    assert slack.is_active(SLACK_ID)
    assert discord_id not in discord.bans
    assert sorted(plan.actions.values_list("status", flat=True)) == [ActionStatus.REVERTED] * 3
    plan.refresh_from_db()
    sanction.refresh_from_db()
    assert plan.status == PlanStatus.ENDED and sanction.status == SanctionStatus.LIFTED
    # Exactly once on each platform: one block and one unblock, one deactivation and one reactivation, one ban and one unban.
    block = "/orgs/acme/blocks/vexlord"
    assert [(c.method, c.path) for c in github.mutations()] == [("PUT", block), ("DELETE", block)]
    assert [c.method for c in slack.mutations(path=r"^/scim/")] == ["DELETE", "PATCH"]
    assert [c.method for c in discord.mutations(path=r"/bans/")] == ["PUT", "DELETE"]


@pytest.mark.parametrize("point", ["enforcement.claimed", "enforcement.called", "enforcement.recorded"])
def test_a_worker_killed_mid_plan_applies_each_ban_once_in_every_space(point: str, fakes: Any, stewards: Any, tmp_path: Any) -> None:
    from enforcement.tests.test_faults import crash_then_recover

    github, slack, discord, discord_id = fakes
    case, sanction = temporary_ban(stewards, discord_id)
    do_approve_plan(stewards["bob"], case, sanction.plan.pk)
    do_record_notice(stewards["bob"], case, sanction.plan.pk, Notice.WAIVED, "The harassment is ongoing.")
    crash_then_recover(point, tmp_path)

    assert sorted(sanction.plan.actions.values_list("status", flat=True)) == [ActionStatus.APPLIED] * 3
    assert [c.method for c in github.mutations()] == ["PUT"]
    assert [c.method for c in slack.mutations(path=r"^/scim/")] == ["DELETE"]
    assert [c.method for c in discord.mutations(path=r"/bans/")] == ["PUT"]
