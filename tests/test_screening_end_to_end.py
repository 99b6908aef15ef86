"""Screening end to end (issue #5, "Done means"): a served fake GitHub delivers two signed webhooks, one an
insulting review comment and one posting someone's home address. The real shipped scorer turns both into flags
of the right categories; a steward hides the first through the enforcement layer (the flag page's Act form, then
the real `db_worker`) and opens a case from the second.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cases.models import PartyRole
from enforcement.models import ActionStatus
from people.models import Identity, Space
from screening.models import Flag, FlagStatus, Item
from screening.pipeline import score_pending
from screening.scoring import get_scorer
from spaces.github.fake import FakeGitHub
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

INSULT = "This is the dumbest code I have ever seen. You are a worthless idiot and a clown, just quit already."
ADDRESS = "Since @dana-dev won't answer here, go tell her in person: she lives at 742 Evergreen Terrace, Springfield, IL 62704."
INSULTING = {"trolling-insults", "harassment", "personal-political-attacks"}


@pytest.fixture
def github(db: Any, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[FakeGitHub]:
    settings.STEWARD_SCREENING_SCORER = "screening.model.scorer.DefaultScorer"  # the real, shipped model
    get_scorer.cache_clear()
    fake = FakeGitHub(org="acme")
    fake.add_repo("acme/app")
    with fake.serve() as url:
        make_connection(
            monkeypatch, "github", slug="gh", title="Acme on GitHub",
            settings={"org": "acme", "api_url": url, "repositories": ["acme/app"]},
            secrets={"token": fake.token, "webhook_secret": fake.webhook_secret},
        )  # fmt: skip
        yield fake
    get_scorer.cache_clear()


def deliver(client: Client, fake: FakeGitHub, comment: Any) -> None:
    event, payload = fake.comment_payload(comment)
    body, headers = fake.signed(event, payload)
    response = client.post(reverse("spaces:webhook", kwargs={"slug": "gh"}), body, content_type="application/json", headers=headers)
    assert response.status_code < 300, response.content


def test_two_webhooks_become_flags_and_the_stewards_hide_one_and_open_a_case_from_the_other(
    client: Client, github: FakeGitHub, stewards: Any
) -> None:
    pull = github.add_issue("acme/app", "newbie-nina", pull=True, title="Add a parser")
    insult = github.add_comment(pull, "troll-tom", INSULT, kind="review_comment")
    issue = github.add_issue("acme/app", "dana-dev", title="Crash on start")
    address = github.add_comment(issue, "doxxer-dan", ADDRESS)
    deliver(client, github, insult)
    deliver(client, github, address)
    assert Item.objects.count() == 2  # the webhook took both into screening

    assert score_pending() == 2
    assert Item.objects.filter(scored_at__isnull=True).count() == 0
    insult_flags = {flag.category: flag for flag in Flag.objects.filter(item__external_id__endswith=str(insult.id))}
    address_flags = {flag.category: flag for flag in Flag.objects.filter(item__external_id__endswith=str(address.id))}
    assert INSULTING & set(insult_flags), insult_flags
    assert "private-information" not in insult_flags
    assert "private-information" in address_flags, address_flags

    # Alice hides the insult from its flag page: the Act form queues an enforcement action, the worker applies it.
    client.force_login(stewards["alice"])
    flag = next(
        insult_flags[category] for category in ("trolling-insults", "harassment", "personal-political-attacks") if category in insult_flags
    )
    page = reverse("screening:flag", kwargs={"flag_id": flag.pk})
    html = client.get(page).content.decode()
    assert "worthless idiot" in html and insult.html_url in html
    response = client.post(
        reverse("screening:act", kwargs={"flag_id": flag.pk}),
        {"op": "hide-content", "reason": "Insult (code of conduct)", "param_classifier": "abuse"},
    )
    assert response.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACTED and flag.label is True
    assert flag.action is not None and flag.action.status == ActionStatus.APPLIED
    hidden = github.comment(insult)
    assert hidden is not None and hidden.minimized_reason == "abuse"
    assert "Applied" in client.get(page).content.decode()

    # And opens a case from the address: the author is the reported party, the text and link are in the report.
    leak = address_flags["private-information"]
    response = client.post(reverse("screening:open_case", kwargs={"flag_id": leak.pk}), {"note": ""})
    leak.refresh_from_db()
    assert leak.status == FlagStatus.CASE_OPENED and leak.case is not None
    assert response["Location"] == reverse("cases:detail", kwargs={"code": leak.case.code_name})
    report = leak.case.reports.get()
    assert "742 Evergreen Terrace" in report.body and report.link == address.html_url
    reported = leak.case.parties.get(role=PartyRole.REPORTED).person
    assert Identity.objects.get(space=Space.GITHUB, handle="doxxer-dan").person == reported
