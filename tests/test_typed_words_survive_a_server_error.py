"""A report being written is never lost to a server error: the form comes back with everything typed.

Storing is made to fail for real, in three places: before anything is written (no encryption key configured),
after the rows and the evidence file are written but before the transaction commits (the audit log cannot sign:
no audit key), and while writing evidence (the evidence directory is not a directory). Each time the person gets
their words back in the form with a message (503, not the 500 page), nothing is stored, and the failure is logged
for the operator without the words themselves.
"""

import logging
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Event
from cases.actions import do_declare_conflict
from cases.models import Message
from decisions.models import Appeal
from decisions.tests.conftest import make_ready, new_case, propose, votes
from intake.tests.conftest import nothing_stored, png, receipt_of, submit
from letters.actions import do_create_party_link
from letters.tests.conftest import make_world
from policy.services import current_version
from privacy.keys import development_key
from privacy.tests.conftest import KEY_A

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_loaded() -> None:
    """A deployed site: `load_policy` ran at deploy (and was audited then), before anything below breaks."""
    current_version()


PRODUCTION_SECRET = "production-secret-" + "s" * 40
WORDS = "Kestrel said the thing again in the standup and everyone heard it"
NAME, EMAIL = "Perpetua Reportwriter", "perpetua@example.net"
NOT_STORED = "what you wrote could not be stored"


def no_encryption_key(settings: Any, tmp_path: Path) -> None:
    settings.SECRET_KEY, settings.STEWARD_ENCRYPTION_KEYS = PRODUCTION_SECRET, ""


def audit_cannot_sign(settings: Any, tmp_path: Path) -> None:
    # The data keeps reading (the development key, now named), but no audit event can be recorded: the last step fails.
    key = development_key()
    settings.SECRET_KEY, settings.STEWARD_ENCRYPTION_KEYS, settings.STEWARD_AUDIT_KEYS = PRODUCTION_SECRET, key, ""


def evidence_unwritable(settings: Any, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the evidence directory should be")
    settings.STEWARD_EVIDENCE_DIR = blocked


def assert_logged_without_the_words(caplog: Any) -> None:
    failures = [r for r in caplog.records if r.name == "steward.not_stored" and r.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info, "the operator gets the failure and its traceback"
    assert WORDS not in caplog.text and NAME not in caplog.text


@pytest.mark.parametrize("failure", [no_encryption_key, audit_cannot_sign, evidence_unwritable])
def test_the_report_form_comes_back_with_everything_typed(client: Client, settings: Any, tmp_path: Path, caplog: Any, failure: Any) -> None:
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    failure(settings, tmp_path)
    response = submit(client, body=WORDS, reporter_name=NAME, reporter_email=EMAIL, occurred_when="Tuesday", evidence=[png()])
    assert response.status_code == 503
    html = response.content.decode()
    assert NOT_STORED in html and "Nothing has been stored yet" in html and "choose your files again" in html
    assert WORDS in html and f'value="{NAME}"' in html and f'value="{EMAIL}"' in html and 'value="Tuesday"' in html
    assert nothing_stored(settings) and not Event.objects.filter(kind="report.received").exists(), "nothing half-stored"
    assert_logged_without_the_words(caplog)


def test_sent_again_once_the_problem_is_fixed_it_is_stored_once(client: Client, settings: Any, tmp_path: Path) -> None:
    evidence = settings.STEWARD_EVIDENCE_DIR
    evidence_unwritable(settings, tmp_path)
    assert submit(client, body=WORDS, evidence=[png()]).status_code == 503
    settings.STEWARD_EVIDENCE_DIR = evidence
    receipt_of(submit(client, body=WORDS, evidence=[png()]))
    assert Event.objects.filter(kind="report.received").count() == 1


def test_a_steward_taking_a_report_on_behalf_keeps_it_too(login: Any, stewards: Any, settings: Any, tmp_path: Path, caplog: Any) -> None:
    audit_cannot_sign(settings, tmp_path)  # first: a new SECRET_KEY ends earlier sessions
    client = login(stewards["bob"])
    response = submit(client, reverse("intake:report_on_behalf"), body=WORDS, reporter_name=NAME, channel="email")
    assert response.status_code == 503 and WORDS in response.content.decode() and NOT_STORED in response.content.decode()
    assert nothing_stored(settings)
    assert_logged_without_the_words(caplog)


@pytest.mark.parametrize("failure", [audit_cannot_sign, evidence_unwritable])
def test_the_reporters_follow_up_message_comes_back(client: Client, settings: Any, tmp_path: Path, caplog: Any, failure: Any) -> None:
    reference, secret = receipt_of(submit(client, body="The report itself."))
    failure(settings, tmp_path)
    url = reverse("intake:follow_up", kwargs={"reference": reference, "secret": secret})
    response = client.post(url, {"body": WORDS, "evidence": [png()]})
    assert response.status_code == 503
    html = response.content.decode()
    assert WORDS in html and NOT_STORED in html and "The report itself." in html, "the portal, with the words in its form"
    assert not Message.objects.exists() and not Event.objects.filter(kind="message.from_reporter").exists()
    assert_logged_without_the_words(caplog)


def test_the_reported_persons_answer_comes_back(stewards: Any, settings: Any, tmp_path: Path, caplog: Any) -> None:
    world = make_world(stewards)
    token = do_create_party_link(stewards["bob"], world.case, world.reported).token
    audit_cannot_sign(settings, tmp_path)
    response = Client().post(reverse("letters:party_portal", kwargs={"token": token}), {"body": WORDS})
    assert response.status_code == 503
    html = response.content.decode()
    assert WORDS in html and NOT_STORED in html
    assert not Message.objects.filter(from_party=True).exists()
    assert_logged_without_the_words(caplog)


def test_the_reporters_appeal_comes_back(stewards: Any, client: Client, settings: Any, tmp_path: Path, caplog: Any) -> None:
    case, receipt = new_case()
    for name in ("alice", "bob", "carol"):
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    votes(propose(case, stewards["alice"]), stewards, alice="yes", bob="yes")
    audit_cannot_sign(settings, tmp_path)
    url = reverse("decisions:appeal_reporter", kwargs={"reference": receipt.reference, "secret": receipt.secret})
    response = client.post(url, {"grounds": ["other"], "text": WORDS})
    assert response.status_code == 503
    html = response.content.decode()
    assert WORDS in html and NOT_STORED in html
    assert not Appeal.objects.exists()
    assert_logged_without_the_words(caplog)
