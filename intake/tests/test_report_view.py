"""The public report form: what it asks, what it stores, and what it refuses (REQUIREMENTS 2)."""

import pytest
from django.urls import reverse

from cases.models import Case, Evidence, Party, PartyRole, Report, YesNoMaybe
from intake.tests.conftest import (
    FAKE_IP,
    FAKE_UA,
    PNG,
    accessibility_problems,
    database_dump,
    nothing_stored,
    png,
    receipt_of,
    submit,
    upload,
)
from people.models import Identity, Person

pytestmark = pytest.mark.django_db

XSS = '<script>alert("owned")</script><img src=x onerror=alert(1)>'


def test_form_page_has_emergency_banner_labels_and_honeypot(client):
    response = client.get(reverse("intake:report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "If someone is in immediate danger, contact local emergency services." in html
    assert "findahelpline.com" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="evidence"' in html and "multiple" in html
    assert 'class="honeypot" aria-hidden="true"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html
    assert "data-anonymous-toggle" in html and "data-identity-field" in html
    assert 'autocomplete="email"' in html and 'autocomplete="name"' in html
    assert accessibility_problems(html) == []
    for name in ("body", "reporter_name", "reporter_email", "occurred_when", "link", "involved_1_handle", "safety_concern"):
        assert f'for="id_{name}"' in html
    assert "withdraw" not in html.lower()
    assert "<style" not in html and "<script>" not in html  # CSP: no inline code


def test_only_what_happened_is_required(client):
    response = submit(client, body="Only this.")
    assert response.status_code == 200
    reference, _ = receipt_of(response)
    report = Report.objects.get(reference=reference)
    assert report.body == "Only this."
    assert report.ongoing == YesNoMaybe.UNKNOWN
    assert report.channel == "web" and report.taken_by is None
    assert not report.case.held_as_possible_flood


def test_empty_report_is_refused_with_the_error_on_the_field(client, settings):
    response = submit(client, body="   ")
    assert response.status_code == 200
    html = response.content.decode()
    assert accessibility_problems(html) == []
    assert 'role="alert"' in html and 'href="#id_body"' in html
    assert "Please tell us what happened." in html
    assert 'aria-describedby="id_body_helptext id_body_error"' in html
    assert 'id="id_body_error"' in html
    assert nothing_stored(settings)


def test_every_field_is_stored(client, stewards):
    response = submit(
        client,
        body="It happened.",
        reporter_name="Riley Reporter",
        reporter_email="riley@example.net",
        reporter_other_contact="@riley on Slack",
        do_not_contact="on",
        involved="Sam, the maintainer",
        involved_1_role="reported",
        involved_1_name="Sam",
        involved_1_space="github",
        involved_1_handle="@SamTheMaintainer",
        involved_2_role="witness",
        involved_2_name="Wen",
        witnesses="Wen saw it",
        occurred_when="Tuesday around noon",
        space="github",
        link="https://github.com/example/repo/pull/1",
        ongoing="yes",
        safety_concern="They know where I work.",
        relation="I was the target",
        language="es",
    )
    reference, _ = receipt_of(response)
    report = Report.objects.get(reference=reference)
    assert (report.reporter_name, report.reporter_email, report.reporter_other_contact) == (
        "Riley Reporter",
        "riley@example.net",
        "@riley on Slack",
    )
    assert report.do_not_contact and report.language == "es" and report.space == "github" and report.ongoing == "yes"
    assert report.safety_concern == "They know where I work." and report.relation == "I was the target"
    roles = {(p.role, p.person.display_name) for p in Party.objects.filter(case=report.case)}
    assert roles == {(PartyRole.REPORTER, "Riley Reporter"), (PartyRole.REPORTED, "Sam"), (PartyRole.WITNESS, "Wen")}
    assert Identity.objects.filter(space="github", handle="samthemaintainer").exists()


def test_categories_come_from_the_policy(client):
    from policy.services import current_policy

    codes = [code for code, _ in current_policy().category_choices()][:2]
    response = submit(client, categories=codes)
    reference, _ = receipt_of(response)
    assert Report.objects.get(reference=reference).categories == codes
    assert "Select a valid choice" in submit(client, categories=["not-a-category"]).content.decode()
    assert Report.objects.count() == 1


def test_somewhere_else_is_always_a_space_choice(client):
    from policy.testing import load_test_policy

    html = client.get(reverse("intake:report")).content.decode()
    assert html.count("Somewhere else") == 1  # the default policy has its own "other" space
    load_test_policy({"spaces": [{"code": "github", "title": "GitHub", "platform": "github"}]})
    html = client.get(reverse("intake:report")).content.decode()
    assert '<option value="elsewhere">Somewhere else</option>' in html
    reference, _ = receipt_of(submit(client, space="elsewhere"))
    assert Report.objects.get(reference=reference).space == "elsewhere"


def test_handle_without_space_is_refused(client, settings):
    response = submit(client, involved_1_handle="someone")
    assert "Choose where this user name is used" in response.content.decode()
    assert nothing_stored(settings)


def test_anonymous_report_stores_no_identity_and_says_so(client):
    response = submit(
        client,
        anonymous="on",
        reporter_name="Nadia Nameless",
        reporter_email="nadia@example.net",
        reporter_other_contact="+1 555 0100",
    )
    html = response.content.decode()
    assert "the name and contact details you typed were not saved" in html
    reference, _ = receipt_of(response)
    report = Report.objects.get(reference=reference)
    assert report.anonymous
    assert (report.reporter_name, report.reporter_email, report.reporter_other_contact) == ("", "", "")
    assert not Party.objects.filter(case=report.case).exists()
    # display_name is encrypted, so compare decrypted values rather than filtering in SQL.
    assert all(person.display_name != "Nadia Nameless" for person in Person.objects.all())
    dump = database_dump()
    for secret_bit in ("Nadia", "nadia@example.net", "555 0100"):
        assert secret_bit not in dump


def test_no_ip_address_or_user_agent_anywhere_in_the_database(client):
    response = submit(client, anonymous="on", body="Anonymous report", evidence=[png()])
    receipt_of(response)
    dump = database_dump()
    assert FAKE_IP not in dump
    assert FAKE_UA not in dump
    assert "SnoopyAgent" not in dump
    assert "DistinctiveTestBrowser" not in dump


def test_secret_is_stored_only_as_a_hash(client):
    response = submit(client)
    reference, secret = receipt_of(response)
    report = Report.objects.get(reference=reference)
    assert report.secret_hash != secret
    assert len(secret) >= 24
    assert secret not in database_dump()


def test_receipt_is_the_post_response_not_a_redirect(client):
    response = submit(client)
    assert response.status_code == 200
    assert "Location" not in response
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_text_is_stored_verbatim(client):
    fields = {
        "body": XSS,
        "involved": XSS,
        "witnesses": XSS,
        "occurred_when": XSS[:200],
        "relation": XSS[:200],
        "safety_concern": XSS,
        "reporter_other_contact": XSS[:200],
        "reporter_name": XSS[:200],
    }
    reference, _ = receipt_of(submit(client, **fields))
    report = Report.objects.get(reference=reference)
    for name, value in fields.items():
        assert getattr(report, name) == value.strip()


def test_invalid_link_is_refused(client, settings):
    response = submit(client, link="javascript:alert(1)")
    assert "Enter a valid URL." in response.content.decode()
    assert nothing_stored(settings)


# --- Stewards who must not see the report -----------------------------------------------------------


def test_only_active_stewards_are_offered_by_public_name(client, stewards):
    html = client.get(reverse("intake:report")).content.decode()
    for name in ("Alice", "Bob", "Carol", "Dave", "Erin"):
        assert name in html
    assert "Frank" not in html  # deactivated


def test_excluded_stewards_are_saved(client, stewards):
    response = submit(client, excluded_stewards=[stewards["bob"].pk, stewards["carol"].pk])
    reference, _ = receipt_of(response)
    report = Report.objects.get(reference=reference)
    assert set(report.excluded_stewards.all()) == {stewards["bob"], stewards["carol"]}


def test_excluding_every_steward_is_refused_with_the_outside_contact(client, stewards, settings):
    everyone = [stewards[name].pk for name in ("alice", "bob", "carol", "dave", "erin")]
    response = submit(client, excluded_stewards=everyone)
    assert response.status_code == 200
    html = response.content.decode()
    assert "nobody here can act on it" in html
    assert "coc-outside@example.org" in html
    assert 'id="id_excluded_stewards_error"' in html
    assert nothing_stored(settings)


def test_excluding_a_deactivated_steward_is_not_possible(client, stewards, settings):
    response = submit(client, excluded_stewards=[stewards["frank"].pk])
    assert "is not one of the available choices" in response.content.decode()
    assert nothing_stored(settings)


# --- Evidence -----------------------------------------------------------------------------------


def test_evidence_files_are_stored(client, settings):
    response = submit(client, evidence=[png(), upload("notes.txt", b"what they said", "text/plain")])
    reference, _ = receipt_of(response)
    assert "2 files were saved with the report." in response.content.decode()
    evidence = Evidence.objects.filter(report__reference=reference)
    assert sorted(e.original_name for e in evidence) == ["notes.txt", "screenshot.png"]
    assert all(e.added_by_reporter for e in evidence)
    assert len([p for p in settings.STEWARD_EVIDENCE_DIR.rglob("*") if p.is_file()]) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.png", b"<html><script>alert(1)</script></html>", "does not contain what its name says"),
        ("photo.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "does not contain what its name says"),
        ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64, "does not contain what its name says"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, "is not a type we accept"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "is not a type we accept"),
        ("page.html", b"<html><script>alert(1)</script></html>", "is not a type we accept"),
    ],
)
def test_disguised_or_dangerous_files_are_refused_and_nothing_is_stored(client, settings, name, content, message):
    response = submit(client, evidence=[png("fine.png"), upload(name, content)])
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert name in html
    assert 'id="id_evidence_error"' in html
    assert "choose your files again" in html
    assert nothing_stored(settings)


def test_oversized_file_is_refused_and_nothing_is_stored(client, settings):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 1024
    response = submit(client, evidence=[png("big.png", PNG + b"\x00" * 2048)])
    html = response.content.decode()
    assert "big.png" in html and "at most" in html
    assert nothing_stored(settings)


def test_too_many_files_is_refused_with_a_clear_message(client, settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 2
    response = submit(client, evidence=[png(f"shot{i}.png", PNG + bytes([i])) for i in range(3)])
    assert "You chose 3 files; you can add at most 2 at a time." in response.content.decode()
    assert nothing_stored(settings)


# --- Honeypot and flood control ---------------------------------------------------------------------


def test_honeypot_stores_nothing_and_shows_no_link(client, settings):
    response = submit(client, website="http://buy-things.example", evidence=[png()])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you." in html
    assert "follow-up-code" not in html and "/follow-up/" not in html
    assert nothing_stored(settings)


def test_between_soft_and_hard_limit_reports_are_accepted_but_held(client, settings):
    settings.STEWARD_REPORT_SOFT_LIMIT = 1
    settings.STEWARD_REPORT_HARD_LIMIT = 3
    first, second = receipt_of(submit(client, body="one")), receipt_of(submit(client, body="two"))
    assert not Report.objects.get(reference=first[0]).case.held_as_possible_flood
    assert Report.objects.get(reference=second[0]).case.held_as_possible_flood


def test_above_hard_limit_the_form_returns_with_everything_typed_and_nothing_stored(client, settings):
    settings.STEWARD_REPORT_SOFT_LIMIT = 1
    settings.STEWARD_REPORT_HARD_LIMIT = 2
    settings.STEWARD_REPORT_WINDOW_SECONDS = 3600
    submit(client, body="one")
    submit(client, body="two")
    response = submit(
        client,
        body="My careful account of what happened",
        reporter_name="Kept Name",
        witnesses="Kept witness",
        ongoing="maybe",
        evidence=[png()],
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "My careful account of what happened" in html
    assert 'value="Kept Name"' in html and "Kept witness" in html
    assert 'value="maybe" id="id_ongoing_2" checked' in html
    assert response["Retry-After"] == "3600"
    assert "wait about 60 minutes" in html
    assert "choose them again" in html
    assert "coc-outside@example.org" in html
    assert Case.objects.count() == 2
    assert Evidence.objects.count() == 0


def test_flood_counter_stores_no_address(client, settings):
    from steward.models import RateCounter

    submit(client)
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert keys and all(FAKE_IP not in key for key in keys)
