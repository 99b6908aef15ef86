"""Acting on a flag from its page, against a served fake GitHub and the real task worker: the form offers the
operations GitHub can do to that very comment, with its fixed settings as choices; a flag is acted on only once
GitHub has done it. When GitHub refuses, the flag stays open with GitHub's answer on its page, and trying again works.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import Event
from enforcement.models import ActionStatus
from screening.ingest import take
from screening.models import Flag, FlagStatus
from screening.pipeline import score_pending
from screening.scoring import Finding
from screening.tests.flagging import ScriptedScorer, scripted  # noqa: F401 (the fixture)
from spaces import base
from spaces.github.fake import FakeGitHub
from spaces.testing import make_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("scripted")]

INSULT = "You are a worthless clown, just quit already."


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(org="acme")
    fake.add_repo("acme/app")
    with fake.serve() as url:
        make_connection(
            monkeypatch, "github", slug="gh", title="Acme on GitHub",
            settings={"org": "acme", "api_url": url, "repositories": ["acme/app"]},
            secrets={"token": fake.token, "webhook_secret": fake.webhook_secret},
        )  # fmt: skip
        yield fake


def flagged(url: str, ident: str) -> Flag:
    from spaces.models import SpaceConnection

    ScriptedScorer.script[INSULT] = [Finding("trolling-insults", 0.95, 0.5, "an insult")]
    item = base.Item(external_id=ident, author=("troll-tom",), text=INSULT, url=url, thread="acme/app#1", kind="issue_comment")
    stored = take(SpaceConnection.objects.get(slug="gh"), item, schedule=False)
    assert stored is not None
    score_pending()
    return Flag.objects.get(item=stored, category="trolling-insults")


def page(flag: Flag, name: str = "flag") -> str:
    return reverse(f"screening:{name}", kwargs={"flag_id": flag.pk})


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, f"no choice for {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_form_offers_what_github_can_do_to_this_comment_as_choices(client: Client, github: FakeGitHub, stewards: Any) -> None:
    issue = github.add_issue("acme/app", "dana-dev")
    comment = flagged(github.add_comment(issue, "troll-tom", INSULT).html_url, "c1")
    client.force_login(stewards["alice"])
    html = client.get(page(comment)).content.decode()
    # A comment: hide, delete, replace its text, lock its thread; never an organisation-wide interaction limit.
    assert options(html, "op") == ["hide-content", "delete-content", "edit-content", "lock-thread"]
    assert options(html, "param_classifier") == ["", "spam", "abuse", "off-topic", "outdated", "duplicate", "resolved"]
    assert options(html, "param_lock_reason") == ["", "off-topic", "too heated", "resolved", "spam"]
    assert 'name="param_limit"' not in html
    # The opening post of an issue is no comment: GitHub can lock the issue, or close it as not planned.
    opening = flagged(issue.html_url, "i1")
    assert options(client.get(page(opening)).content.decode(), "op") == ["lock-thread", "close-contribution"]
    # A value GitHub does not take is refused, and nothing is asked of GitHub.
    client.post(page(comment, "act"), {"op": "hide-content", "reason": "Insult", "param_classifier": "rude"})
    comment.refresh_from_db()
    assert comment.action is None and comment.status == FlagStatus.OPEN


def test_a_refused_action_leaves_the_flag_open_with_the_answer_and_a_retry_works(client: Client, github: FakeGitHub, stewards: Any) -> None:
    pull = github.add_issue("acme/app", "newbie-nina", pull=True)
    comment = github.add_comment(pull, "troll-tom", INSULT, kind="review_comment")
    target = flagged(comment.html_url, "r1")
    client.force_login(stewards["alice"])
    github.inject_forbidden("^/graphql$", "pull_requests=write", method="POST")  # once: the token lacked a permission
    form = {"op": "hide-content", "reason": "Insult (code of conduct)", "param_classifier": "abuse", "category": "harassment"}
    assert client.post(page(target, "act"), form).status_code == 302
    work()
    target.refresh_from_db()
    assert target.action is not None and target.action.status == ActionStatus.FAILED
    assert (target.status, target.label, target.reviewed_by) == (FlagStatus.OPEN, None, None)
    html = client.get(page(target)).content.decode()
    assert 'id="action-error"' in html and "Resource not accessible" in html
    assert page(target, "act") in html and page(target, "dismiss") in html  # still open to review
    assert Event.objects.filter(kind="screening.flag.act-failed").count() == 1
    assert not Event.objects.filter(kind="screening.flag.acted").exists()

    assert client.post(page(target, "act"), form).status_code == 302
    work()
    target.refresh_from_db()
    assert target.action is not None and target.action.status == ActionStatus.APPLIED
    assert (target.status, target.label, target.label_category) == (FlagStatus.ACTED, True, "harassment")
    assert target.reviewed_by == stewards["alice"]
    hidden = github.comment(comment)
    assert hidden is not None and hidden.minimized_reason == "abuse"
    assert Event.objects.filter(kind="screening.flag.acted", actor=stewards["alice"]).count() == 1
    assert page(target, "act") not in client.get(page(target)).content.decode()
