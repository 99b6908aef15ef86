"""The case page's retention section, legal hold and expunge through the web, and the deploy check."""

import pytest
from django.urls import reverse

from cases.actions import do_change_status
from cases.models import Case
from privacy.checks import privacy_deploy_checks
from privacy.models import CaseRetention, CaseStatistic
from privacy.tests.conftest import KEY_A


@pytest.mark.django_db
def test_case_page_shows_the_retention_date_and_hold_form(make_case, stewards, login) -> None:
    case = make_case()
    do_change_status(stewards["dave"], case, "closed", "no-action")
    page = login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    assert 'id="retention"' in page and "Place a legal hold" in page and "Expunge" in page


@pytest.mark.django_db
def test_legal_hold_through_the_web(make_case, stewards, login) -> None:
    case = make_case()
    client = login(stewards["dave"])
    url = reverse("privacy:legal_hold", kwargs={"code": case.code_name})
    client.post(url, {"action": "hold", "reason": ""})
    assert not CaseRetention.objects.filter(case=case, legal_hold=True).exists()
    client.post(url, {"action": "hold", "reason": "Police asked us to keep it"})
    assert CaseRetention.objects.get(case=case).legal_hold
    client.post(url, {"action": "release"})
    assert not CaseRetention.objects.get(case=case).legal_hold


@pytest.mark.django_db
def test_expunge_needs_the_code_name_typed(make_case, stewards, login) -> None:
    case = make_case()
    client = login(stewards["dave"])
    url = reverse("privacy:expunge", kwargs={"code": case.code_name})
    client.post(url, {"reason": "Overturned on appeal", "confirm": "something-else"})
    assert Case.objects.filter(pk=case.pk).exists()
    response = client.post(url, {"reason": "Overturned on appeal", "confirm": case.code_name})
    assert response.status_code == 302 and response["Location"] == reverse("cases:queue")
    assert not Case.objects.filter(pk=case.pk).exists() and CaseStatistic.objects.get().expunged


@pytest.mark.django_db
def test_stewards_without_a_vote_cannot_expunge(make_case, stewards, login) -> None:
    case = make_case()
    url = reverse("privacy:expunge", kwargs={"code": case.code_name})
    assert login(stewards["carol"]).post(url, {"reason": "x", "confirm": case.code_name}).status_code == 404  # undeclared
    assert Case.objects.filter(pk=case.pk).exists()


def test_deploy_check_refuses_the_development_key(settings) -> None:
    settings.STEWARD_ENCRYPTION_KEYS = ""
    assert [e.id for e in privacy_deploy_checks(None)] == ["privacy.E001"]
    settings.SECRET_KEY = "production-" + "k" * 50
    assert [e.id for e in privacy_deploy_checks(None)] == ["privacy.E002"]
    settings.STEWARD_ENCRYPTION_KEYS = "not-a-key"
    assert [e.id for e in privacy_deploy_checks(None)] == ["privacy.E002"]
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    assert [e.id for e in privacy_deploy_checks(None)] == ["privacy.W001"]
    settings.STEWARD_INDEX_KEY = "index-" + "i" * 40
    assert privacy_deploy_checks(None) == []
