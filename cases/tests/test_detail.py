"""The case page: what it shows, what it keeps hidden, and who gets a 404."""

import pytest
from django.urls import reverse

from audit.models import Event
from cases import urls as case_urls
from cases.actions import InvolvedPerson, do_add_note, do_change_status, do_send_message
from cases.models import Case, ImmutableFieldError, PartyRole, Report
from cases.tests.conftest import declare, kinds
from people.models import Space

BODY = "DETAIL-BODY: he wrote <b>awful</b> things\nsecond line"


def detail_url(case: Case) -> str:
    return reverse("cases:detail", kwargs={"code": case.code_name})


@pytest.fixture
def case(make_case, stewards):
    return make_case(
        BODY,
        reporter_name="Rita Reporter",
        reporter_email="rita@example.net",
        reporter_other_contact="@rita on Slack",
        space="github",
        link="https://evil.example/<script>",
        categories=["harassment", "no-such-category"],
        ongoing="yes",
        safety_concern="Worried about the conference.",
        occurred_when="last Tuesday",
        excluded_steward_ids=[stewards["carol"].pk],
        involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory Mean", Space.GITHUB, "mallory-gh")],
    )


def test_case_page_shows_the_report_verbatim_and_its_meta(stewards, login, case):
    response = login(stewards["dave"]).get(detail_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="verbatim">DETAIL-BODY: he wrote &lt;b&gt;awful&lt;/b&gt; things\nsecond line</div>' in html
    assert "<b>awful</b>" not in html
    assert "Harassment" in html and "no-such-category" in html  # titles from the policy; unknown codes as they are
    assert "GitHub (issues, pull requests, discussions, code review)" in html
    assert "https://evil.example/&lt;script&gt;" in html
    assert 'href="https://evil.example' not in html  # shown as text, never a live link
    assert "last Tuesday" in html and "Worried about the conference." in html
    assert "Stewards the reporter kept out" in html
    assert "Carol" not in html  # the count, not the names
    assert case.policy_version.version in html
    assert "Quorum" in html


def test_reporter_identity_is_hidden_until_asked_for(stewards, login, case):
    html = login(stewards["dave"]).get(detail_url(case)).content.decode()
    assert "Show reporter identity" in html
    for secret in ("Rita Reporter", "rita@example.net", "@rita on Slack"):
        assert secret not in html
    # The reporter's party row shows the code name only.
    reporter = case.parties.get(role=PartyRole.REPORTER)
    assert reporter.person.code_name in html


def test_reveal_identity_logs_and_shows_it(stewards, login, case):
    report = case.reports.get()
    url = reverse("cases:reveal_identity", kwargs={"code": case.code_name, "reference": report.reference})
    client = login(stewards["dave"])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rita Reporter" in html and "rita@example.net" in html and "<html" in html
    event = Event.objects.filter(case_id=case.pk, kind="identity.viewed").get()
    assert event.actor == stewards["dave"] and event.data == {"report": report.pk}
    assert report.reference not in f"{event.summary} {event.data}"  # the log outlives the case
    partial = client.post(url, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "Rita Reporter" in partial.content.decode()
    assert kinds(case).count("identity.viewed") == 2


def test_reveal_identity_for_unknown_report_is_404(stewards, login, case):
    url = reverse("cases:reveal_identity", kwargs={"code": case.code_name, "reference": "R-AAAA-AAAA"})
    assert login(stewards["dave"]).post(url).status_code == 404
    assert "identity.viewed" not in kinds(case)


def test_anonymous_report_says_so(stewards, login, make_case):
    case = make_case(anonymous=True, reporter_name="Should Vanish")
    html = login(stewards["dave"]).get(detail_url(case)).content.decode()
    assert "Anonymous — no identity stored" in html
    assert "Show reporter identity" not in html and "Should Vanish" not in html


def test_parties_earlier_cases_and_timeline(stewards, login, case, make_case):
    earlier = make_case("earlier", involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "Mallory-GH")])
    do_change_status(stewards["dave"], earlier, "closed", "no-action")
    html = login(stewards["dave"]).get(detail_url(case)).content.decode()
    mallory = case.parties.get(role=PartyRole.REPORTED).person
    assert mallory.code_name in html and "Mallory Mean" in html and "mallory-gh" in html
    assert f'href="{detail_url(earlier)}"' in html
    assert "Report " in html and "received through the report form" in html  # the timeline's first event


def test_earlier_cases_hide_what_the_viewer_cannot_read(stewards, login, case, make_case):
    hidden = make_case("hidden", readers=(), involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "mallory-gh")])
    declare(hidden, "hard", stewards["dave"])
    assert hidden.code_name not in login(stewards["dave"]).get(detail_url(case)).content.decode()


def test_needs_outside_contact_banner(stewards, login, case):
    Case.objects.filter(pk=case.pk).update(needs_outside_contact=True)
    html = login(stewards["dave"]).get(detail_url(case)).content.decode()
    assert "Needs outside contact" in html


def test_user_text_is_escaped_everywhere(stewards, login, case):
    dave = stewards["dave"]
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    do_add_note(dave, case, "note " + attack)
    do_send_message(dave, case, "stewards", "message " + attack)
    client = login(dave)
    client.post(reverse("cases:add_party", kwargs={"code": case.code_name}), {"role": "witness", "name": "party " + attack})
    html = client.get(detail_url(case)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 3


def test_message_thread_shows_audience_and_do_not_contact(stewards, login, make_case):
    case = make_case(reporter_email="quiet@example.net", do_not_contact=True)
    report = case.reports.get()
    do_send_message(stewards["dave"], case, "reporter", "Thanks for telling us.", report=report)
    html = login(stewards["dave"]).get(detail_url(case)).content.decode()
    assert f"to the reporter of {report.reference}" in html
    assert "Do not contact" in html
    assert 'name="audience"' in html and "checked" not in html.split('id="thread"')[1].split("</form>")[0]


def test_soft_read_toggle_only_for_unconflicted(stewards, login, case):
    declare(case, "soft", stewards["erin"])
    toggle = reverse("cases:set_soft_read", kwargs={"code": case.code_name})
    assert f'action="{toggle}"' in login(stewards["dave"]).get(detail_url(case)).content.decode()
    soft = login(stewards["erin"]).get(detail_url(case))
    assert soft.status_code == 200 and f'action="{toggle}"' not in soft.content.decode()
    assert "soft conflict" in soft.content.decode()


def test_soft_conflicted_shut_out_gets_404(stewards, login, case):
    declare(case, "soft", stewards["erin"])
    Case.objects.filter(pk=case.pk).update(soft_conflicted_may_read=False)
    client = login(stewards["erin"])
    assert client.get(detail_url(case)).status_code == 404
    assert client.get(reverse("cases:declare", kwargs={"code": case.code_name})).status_code == 302  # to the queue, no content


def test_hard_conflicted_party_and_excluded_get_404(stewards, login, case):
    declare(case, "hard", stewards["erin"])
    for name in ("erin", "carol"):  # declared hard; excluded by the reporter
        response = login(stewards[name]).get(detail_url(case))
        assert response.status_code == 404
        assert BODY.split(":")[0] not in response.content.decode()


def test_outsiders(stewards, client, login, case):
    response = client.get(detail_url(case))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    declare(case, "none", stewards["frank"])
    response = login(stewards["frank"]).get(detail_url(case))
    assert response.status_code == 404 or reverse("accounts:login") in response["Location"]


def test_unknown_case_is_404(stewards, login):
    assert login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": "no-such-case-1"})).status_code == 404


def test_report_body_cannot_be_edited(stewards, login, case):
    report = case.reports.get()
    client = login(stewards["dave"])
    for name in ("add_note", "send_message", "update_triage", "add_party", "merge", "change_status"):
        client.post(reverse(f"cases:{name}", kwargs={"code": case.code_name}), {"body": "EDITED", "reporter_name": "x"})
    report.refresh_from_db()
    assert report.body == BODY and report.reporter_name == "Rita Reporter"
    report.body = "EDITED"
    with pytest.raises(ImmutableFieldError):
        report.save()
    assert not any("edit" in pattern.name or "report" in pattern.name for pattern in case_urls.urlpatterns)
    assert Report.objects.get(pk=report.pk).body == BODY
