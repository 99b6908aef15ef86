"""Connections in the admin (admin stewards only, secrets named never shown) and the deploy check."""

from typing import Any

import pytest
from django.contrib import admin
from django.core.checks import run_checks
from django.urls import reverse

from audit.models import Event
from spaces.checks import space_connection_checks
from spaces.models import SpaceConnection
from spaces.tests.fake_space import PLATFORM
from spaces.tests.helpers import SECRET, hook_connection

pytestmark = pytest.mark.django_db

ADD = reverse("admin:spaces_spaceconnection_add")


def test_connections_are_in_the_admin() -> None:
    assert SpaceConnection in admin.site._registry


def test_the_platform_is_chosen_from_the_installed_ones(login: Any, stewards: Any) -> None:
    html = login(stewards["alice"]).get(ADD).content.decode()
    assert '<select name="platform"' in html and f'value="{PLATFORM}"' in html and 'value="email"' in html


def test_adding_a_connection_is_audited_and_its_missing_secrets_named(login: Any, stewards: Any, monkeypatch: Any) -> None:
    client = login(stewards["alice"])
    data = {"title": "Acme", "slug": "acme-new", "platform": PLATFORM, "settings": '{"team": "core"}', "enabled": "on", "watch": "on"}
    response = client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = SpaceConnection.objects.get(slug="acme-new")
    assert connection.settings == {"team": "core"}
    assert Event.objects.filter(kind="space.connection_saved", data__connection="acme-new").exists()
    change = reverse("admin:spaces_spaceconnection_change", args=[connection.pk])
    assert "STEWARD_SPACE_ACME_NEW_SECRET" in client.get(change).content.decode()
    monkeypatch.setenv("STEWARD_SPACE_ACME_NEW_SECRET", SECRET)
    page = client.get(change).content.decode()
    assert "STEWARD_SPACE_ACME_NEW_SECRET" not in page and SECRET not in page and "every secret is set" in page
    assert "/spaces/hooks/acme-new/" in page


def test_a_setting_the_platform_does_not_read_is_refused(login: Any, stewards: Any) -> None:
    data = {"title": "Acme", "slug": "acme-typo", "platform": PLATFORM, "settings": '{"teem": "core"}', "enabled": "on"}
    response = login(stewards["alice"]).post(ADD, data)
    assert response.status_code == 200 and "has no setting teem" in response.content.decode()
    assert not SpaceConnection.objects.exists()


def test_only_admin_stewards_reach_it(login: Any, stewards: Any) -> None:
    assert login(stewards["dave"]).get(ADD).status_code in (302, 403, 404)


def test_the_deploy_check_names_missing_secrets(monkeypatch: Any) -> None:
    hook_connection(monkeypatch, slug="ok-test")
    SpaceConnection.objects.create(slug="bare-test", platform=PLATFORM, title="Bare")
    SpaceConnection.objects.create(slug="off-test", platform=PLATFORM, title="Off", enabled=False)
    SpaceConnection.objects.create(slug="gone-test", platform="no-such-platform", title="Gone")
    SpaceConnection.objects.create(slug="mail-test", platform="email", title="Mail", settings={"source": "mbox", "path": "/x"})
    SpaceConnection.objects.create(slug="plain-test", platform="email", title="Plain", settings={"security": "plain", "source": "imap"})
    problems = {(problem.id, problem.msg.split("'")[1]) for problem in space_connection_checks(None)}
    assert problems == {
        ("spaces.E002", "bare-test"),
        ("spaces.E001", "gone-test"),
        ("spaces.E002", "plain-test"),
        ("spaces.W001", "plain-test"),
    }
    message = next(p.msg for p in space_connection_checks(None) if "bare-test" in p.msg)
    assert "STEWARD_SPACE_BARE_TEST_SECRET" in message


def test_the_deploy_check_runs_with_the_others_and_no_connections() -> None:
    ids = {problem.id for problem in run_checks(include_deployment_checks=True)}
    assert not {"spaces.E001", "spaces.E002", "spaces.W001"} & ids
