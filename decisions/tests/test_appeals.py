"""Appeals: the window, who decides, what each outcome does to the sanctions, and the reporter's page."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.actions import do_declare_conflict
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import AppealStatus, Decision, SanctionStatus
from decisions.tests.conftest import T0, kinds, make_ready, new_case, propose, votes

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(stewards: dict[str, Any], committee_case: Any, clock: Any) -> Decision:
    """A Warning for 30 days: alice proposed; alice, bob, carol and dave voted. Erin took no part."""
    case = committee_case()
    votes(propose(case, stewards["alice"], "warning", period_days=30), stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    return Decision.objects.get(case=case)


def test_appeal_window_is_enforced(decided: Decision, clock: Any) -> None:
    clock(timedelta(days=30, hours=1))
    with pytest.raises(ValidationError, match="passed"):
        do_file_appeal(decided, "reporter", ["new-evidence"], "I found more messages.")
    clock(timedelta(days=29))
    appeal = do_file_appeal(decided, "reporter", ["new-evidence"], "I found more messages.")
    assert appeal.status == AppealStatus.OPEN
    with pytest.raises(ValidationError, match="already"):
        do_file_appeal(decided, "reporter", ["other"], "Again.")
    assert "appeal.filed" in kinds(decided.case)


@pytest.mark.parametrize(("grounds", "text"), [([], "Text."), (["made-up"], "Text."), (["other"], "  ")])
def test_appeal_needs_listed_grounds_and_text(decided: Decision, grounds: list[str], text: str) -> None:
    with pytest.raises(ValidationError):
        do_file_appeal(decided, "reported", grounds, text)


def test_only_an_uninvolved_unconflicted_steward_decides(stewards: dict[str, Any], decided: Decision, login: Any) -> None:
    appeal = do_file_appeal(decided, "reported", ["disproportionate"], "Too harsh.")
    for name in ("alice", "dave"):  # alice proposed, dave voted
        with pytest.raises(ValidationError, match="took no part"):
            do_decide_appeal(stewards[name], appeal, "rescinded", "No.")
    page = login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": decided.case.code_name})).content.decode()
    assert "Too harsh." in page and "Decide the appeal" not in page
    response = login(stewards["dave"]).post(
        reverse("decisions:decide_appeal", kwargs={"code": decided.case.code_name}),
        {"appeal": appeal.pk, "outcome": "rescinded", "rationale": "No."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN
    # The sanction stays in force while the appeal is open.
    assert decided.sanctions.get().status == SanctionStatus.ACTIVE
    page = login(stewards["erin"]).get(reverse("cases:detail", kwargs={"code": decided.case.code_name})).content.decode()
    assert "Decide the appeal" in page


def test_rescinded_appeal_rescinds_the_sanctions(stewards: dict[str, Any], decided: Decision, login: Any) -> None:
    appeal = do_file_appeal(decided, "reported", ["procedural-error"], "I was never asked.")
    response = login(stewards["erin"]).post(
        reverse("decisions:decide_appeal", kwargs={"code": decided.case.code_name}),
        {"appeal": appeal.pk, "outcome": "rescinded", "rationale": "The response was not sought properly."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decided_by) == (AppealStatus.DECIDED, "rescinded", stewards["erin"])
    assert decided.sanctions.get().status == SanctionStatus.RESCINDED
    assert {"appeal.decided", "sanction.rescinded"} <= set(kinds(decided.case))


def test_changed_appeal_replaces_the_sanction(stewards: dict[str, Any], decided: Decision, clock: Any) -> None:
    appeal = do_file_appeal(decided, "reporter", ["disproportionate"], "Too mild.")
    clock(timedelta(days=3))
    do_decide_appeal(stewards["erin"], appeal, "changed", "Longer period.", new_level="temporary-ban", new_period_days=90)
    old = decided.sanctions.get(status=SanctionStatus.CHANGED)
    new = decided.sanctions.get(status=SanctionStatus.ACTIVE)
    assert new.replaces == old and new.level == "temporary-ban"
    assert new.starts_at == old.starts_at == T0
    assert new.ends_at == T0 + timedelta(days=90)
    assert list(new.no_contact.all()) == list(old.no_contact.all())


def test_upheld_appeal_changes_nothing(stewards: dict[str, Any], decided: Decision) -> None:
    appeal = do_file_appeal(decided, "reported", ["other"], "Please look again.")
    do_decide_appeal(stewards["erin"], appeal, "upheld", "The decision stands.")
    assert decided.sanctions.get().status == SanctionStatus.ACTIVE
    with pytest.raises(ValidationError, match="already been decided"):
        do_decide_appeal(stewards["erin"], appeal, "rescinded", "Changed my mind.")


def test_soft_conflicted_steward_cannot_decide_an_appeal(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case({"alice": "none", "bob": "none", "carol": "none", "dave": "soft", "erin": "none"})
    votes(propose(case, stewards["alice"]), stewards, alice="yes", bob="yes", carol="yes")
    appeal = do_file_appeal(Decision.objects.get(case=case), "reported", ["other"], "Please look again.")
    with pytest.raises(ValidationError):
        do_decide_appeal(stewards["dave"], appeal, "rescinded", "No.")
    do_decide_appeal(stewards["erin"], appeal, "upheld", "It stands.")


def test_reporter_appeals_through_the_follow_up_link(stewards: dict[str, Any], client: Any, clock: Any) -> None:
    case, receipt = new_case()
    portal = reverse("intake:follow_up", kwargs={"reference": receipt.reference, "secret": receipt.secret})
    appeal_url = reverse("decisions:appeal_reporter", kwargs={"reference": receipt.reference, "secret": receipt.secret})
    assert "Ask for reconsideration" not in client.get(portal, follow=True).content.decode()
    assert client.get(appeal_url, follow=True).status_code == 404  # nothing decided yet
    for name in ("alice", "bob", "carol"):
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    votes(propose(case, stewards["alice"]), stewards, alice="yes", bob="yes")
    assert "Ask for reconsideration" in client.get(portal, follow=True).content.decode()
    wrong = reverse("decisions:appeal_reporter", kwargs={"reference": receipt.reference, "secret": receipt.secret[::-1]})
    assert client.get(wrong).status_code == 404
    response = client.post(appeal_url, {"grounds": ["new-evidence", "other"], "text": "<b>More</b> happened."})
    assert response.status_code == 303
    appeal = Decision.objects.get(case=case).appeals.get()
    assert appeal.appellant_role == "reporter" and appeal.grounds == ["new-evidence", "other"]
    assert response["Cache-Control"] == "no-store"
    assert "You asked for reconsideration" in client.get(portal, follow=True).content.decode()
    assert appeal.text == "<b>More</b> happened."


def test_reporter_appeal_page_after_the_window(stewards: dict[str, Any], committee_case: Any, client: Any, clock: Any) -> None:
    case, receipt = new_case()
    for name in ("alice", "bob", "carol"):
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    votes(propose(case, stewards["alice"]), stewards, alice="yes", bob="yes")
    appeal_url = reverse("decisions:appeal_reporter", kwargs={"reference": receipt.reference, "secret": receipt.secret})
    clock(timedelta(days=31))
    assert "has passed" in client.get(appeal_url, follow=True).content.decode()
    response = client.post(appeal_url, {"grounds": ["other"], "text": "Too late?"})
    assert response.status_code == 200
    assert not Decision.objects.get(case=case).appeals.exists()


def test_reported_person_appeals_through_their_link(stewards: dict[str, Any], decided: Decision, client: Any) -> None:
    from letters.actions import do_create_party_link

    case = decided.case
    token = do_create_party_link(stewards["erin"], case, case.parties.get(role="reported")).token
    url = reverse("decisions:appeal_reported", kwargs={"token": token})
    assert client.get(reverse("decisions:appeal_reported", kwargs={"token": token[::-1]})).status_code == 404
    assert client.get(url, follow=True).status_code == 200
    response = client.post(url, {"grounds": ["disproportionate"], "text": "A warning is too much."})
    assert response.status_code == 303
    appeal = decided.appeals.get()
    assert appeal.appellant_role == "reported" and appeal.status == AppealStatus.OPEN


def test_the_reported_persons_page_offers_the_appeal(stewards: dict[str, Any], decided: Decision, client: Any) -> None:
    from letters.actions import do_create_party_link

    case = decided.case
    new_link = do_create_party_link(stewards["erin"], case, case.parties.get(role="reported"))
    portal = reverse("letters:party_portal", kwargs={"token": new_link.token})
    page = client.get(portal, follow=True).content.decode()
    assert "Ask for reconsideration" in page
    appeal_page = reverse("decisions:appeal_reported_page", kwargs={"link": new_link.link.pk})  # no secret in it
    assert f'href="{appeal_page}"' in page
    assert "Back to your page" in client.get(appeal_page).content.decode()
    client.post(appeal_page, {"grounds": ["other"], "text": "Please look again."})
    page = client.get(portal, follow=True).content.decode()
    assert "You asked for reconsideration" in page and "Ask for reconsideration" not in page.split('id="appeal"', 1)[1]
