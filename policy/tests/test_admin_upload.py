"""Loading a new policy version from the admin: checked like `manage.py load_policy`, audited, admins only."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from audit.log import verify_chain
from audit.models import Event
from policy.errors import PolicyError
from policy.loader import parse_policy
from policy.models import PolicyVersion
from policy.services import load_policy_version
from policy.tests.helpers import DEFAULT, default_text, replace_line

pytestmark = pytest.mark.django_db

LOAD_URL = "/admin/policy/policyversion/load/"
CHANGELIST_URL = "/admin/policy/policyversion/"


def _edited(version: str = "1.1", effective_from: str = "2024-06-01") -> str:
    text, _ = replace_line(default_text(), 'version: "1.0"', f'version: "{version}"')
    text, _ = replace_line(text, "effective_from: 2024-01-01", f"effective_from: {effective_from}")
    text, _ = replace_line(text, "acknowledge_hours: 24", "acknowledge_hours: 48")
    return text


@pytest.fixture
def admin_client(login, stewards):
    load_policy_version(DEFAULT)
    return login(stewards["alice"])


def test_changelist_offers_loading_and_shows_the_version_in_force(admin_client):
    response = admin_client.get(CHANGELIST_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'href="{LOAD_URL}"' in content and "Load a new version" in content
    assert "In force today" in content and "version 1.0" in content
    assert "/admin/policy/policyversion/add/" not in content


def test_form_is_shown(admin_client):
    response = admin_client.get(LOAD_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content and "csrfmiddlewaretoken" in content
    assert "<script>" not in content


def test_upload_of_a_valid_new_version_is_stored_and_audited(admin_client, stewards):
    text = _edited()
    upload = SimpleUploadedFile("ai-1.1.yaml", text.encode("utf-8"), content_type="application/yaml")
    response = admin_client.post(LOAD_URL, {"file": upload, "text": "", "source_name": ""}, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST_URL
    row = PolicyVersion.objects.get(version="1.1")
    assert row.effective_from == date(2024, 6, 1) and row.source_text == text and row.source_name == "ai-1.1.yaml"
    assert row.policy.timelines.acknowledge_hours == 48
    event = Event.objects.get(kind="policy.loaded", data__version="1.1")
    assert event.actor == stewards["alice"]
    assert event.data["version"] == "1.1" and event.data["sha256"] == row.source_sha256
    assert verify_chain().ok
    content = response.content.decode()
    assert "version 1.1" in content and "1 June 2024" in content


def test_pasted_text_is_loaded_with_its_source_name(admin_client):
    text = _edited("2.0", "2030-01-01")
    # A browser sends a text box with CRLF line breaks.
    response = admin_client.post(LOAD_URL, {"text": text.replace("\n", "\r\n"), "source_name": "board-approved.yaml"})
    assert response.status_code == 302 and response["Location"] == CHANGELIST_URL
    row = PolicyVersion.objects.get(version="2.0")
    assert row.source_name == "board-approved.yaml" and row.source_text == text
    assert Event.objects.filter(kind="policy.loaded", data__version="2.0").count() == 1


def test_bad_yaml_is_reported_with_its_line_and_nothing_is_stored(admin_client):
    text, line = replace_line(_edited(), "community: AI Alliance", "community: AI Alliance: x")
    response = admin_client.post(LOAD_URL, {"text": text, "source_name": "broken.yaml"})
    assert response.status_code == 200
    content = response.content.decode()
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "broken.yaml")
    for problem in caught.value.errors:
        assert escape(str(problem)) in content
    assert f"broken.yaml:{line}: YAML syntax error" in content
    assert PolicyVersion.objects.count() == 1 and not Event.objects.filter(kind="policy.loaded").exclude(data__version="1.0").exists()


def test_every_wrong_field_is_listed_escaped_and_the_text_is_kept(admin_client):
    text, hours_line = replace_line(_edited(), "acknowledge_hours: 48", "acknowledge_hours: lots")
    text, period_line = replace_line(text, "needs_period: true", 'needs_period: "sometimes"')
    source = "team<b>.yaml"
    upload = SimpleUploadedFile("ignored.yml", text.encode("utf-8"))
    response = admin_client.post(LOAD_URL, {"file": upload, "source_name": source})
    assert response.status_code == 200
    content = response.content.decode()
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source)
    assert len(caught.value.errors) >= 2
    for problem in caught.value.errors:
        assert escape(str(problem)) in content
    assert f"team&lt;b&gt;.yaml:{hours_line}: timelines.acknowledge_hours: " in content
    assert f"team&lt;b&gt;.yaml:{period_line}: ladder[" in content and ".needs_period: " in content
    assert "team<b>" not in content
    # The checked text comes back in the text box, ready to fix.
    assert escape("acknowledge_hours: lots") in content and escape('needs_period: "sometimes"') in content
    assert PolicyVersion.objects.count() == 1 and not Event.objects.filter(kind="policy.loaded").exclude(data__version="1.0").exists()


def test_rules_between_versions_are_reported_too(admin_client):
    response = admin_client.post(LOAD_URL, {"text": _edited("1.1", "2023-01-01"), "source_name": "old.yaml"})
    assert response.status_code == 200
    assert "old.yaml:9: effective_from: " in response.content.decode()
    assert PolicyVersion.objects.count() == 1


def test_identical_text_changes_nothing(admin_client):
    upload = SimpleUploadedFile("ai-alliance.yaml", DEFAULT.read_bytes())
    response = admin_client.post(LOAD_URL, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST_URL
    assert "No change: this text is already version 1.0" in response.content.decode()
    assert PolicyVersion.objects.count() == 1 and not Event.objects.filter(kind="policy.loaded").exclude(data__version="1.0").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a policy file or paste the policy text."),
        ({"file": SimpleUploadedFile("policy.txt", b"name: x\n")}, "Choose a .yaml or .yml file."),
        ({"file": SimpleUploadedFile("policy.yaml", b"name: caf\xe9\n")}, "not valid UTF-8"),
        ({"file": SimpleUploadedFile("policy.yaml", b"#" * (512 * 1024 + 1))}, "larger than 512 KB"),
    ],
)
def test_unusable_input_is_refused(admin_client, data, message):
    response = admin_client.post(LOAD_URL, data)
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert PolicyVersion.objects.count() == 1


def test_non_admin_steward_never_gets_the_form(login, stewards):
    client = login(stewards["bob"])
    response = client.get(LOAD_URL)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response["Location"]
    followed = client.get(LOAD_URL, follow=True)
    assert followed.status_code == 403 and "policy_load_form" not in followed.content.decode()
    posted = client.post(LOAD_URL, {"text": _edited(), "source_name": "x.yaml"})
    assert posted.status_code in (302, 403)
    assert not PolicyVersion.objects.filter(version="1.1").exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(LOAD_URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_standard_add_form_stays_closed(admin_client):
    assert admin_client.get("/admin/policy/policyversion/add/").status_code == 403
    assert admin_client.post("/admin/policy/policyversion/add/", {"version": "9"}).status_code == 403
