"""Evidence downloads: always an attachment the browser will not render, always logged."""

import pytest
from django.urls import reverse

from audit.models import Event
from cases.actions import InvolvedPerson, do_add_evidence
from cases.evidence import check_upload
from cases.models import Case, Evidence, PartyRole
from cases.tests.conftest import declare, kinds, text_file
from cases.views.files import content_disposition, safe_filename
from people.models import Space

CONTENT = b"<html><script>alert(1)</script> saved chat\n"


def download_url(case: Case, evidence: Evidence) -> str:
    return reverse("cases:evidence_download", kwargs={"code": case.code_name, "evidence_id": evidence.pk})


@pytest.fixture
def case(make_case):
    return make_case(
        files=[check_upload(text_file("chat log.txt", CONTENT))],
        involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bob", Space.GITHUB, "bob")],
    )


def test_download_headers_and_log(stewards, login, case):
    evidence = case.evidence.get()
    response = login(stewards["dave"]).get(download_url(case, evidence))
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response["Content-Disposition"] == 'attachment; filename="chat log.txt"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    event = Event.objects.get(case_id=case.pk, kind="evidence.viewed")
    assert event.actor == stewards["dave"] and event.data == {"evidence": evidence.pk}
    assert evidence.sha256 not in f"{event.summary} {event.data}"  # a hash outlives erasure


def test_detail_page_links_to_the_download(stewards, login, case):
    evidence = case.evidence.get()
    html = login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    assert f'href="{download_url(case, evidence)}"' in html
    assert "saved chat" not in html  # files are never shown inline


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain.txt", 'attachment; filename="plain.txt"'),
        ('evil"; filename="x.exe.txt', 'attachment; filename="evil__ filename=_x.exe.txt"'),
        ("line\r\nbreak.txt", 'attachment; filename="line__break.txt"'),
        ("../../etc/passwd.txt", 'attachment; filename="passwd.txt"'),
        ("C:\\Users\\me\\notes.txt", 'attachment; filename="notes.txt"'),
        ("résumé.txt", "attachment; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"),
        ("截图.png", "attachment; filename=\"evidence.png\"; filename*=UTF-8''%E6%88%AA%E5%9B%BE.png"),
        ("", 'attachment; filename="evidence"'),
    ],
)
def test_content_disposition_is_sanitised(name, expected):
    assert content_disposition(name) == expected


def test_safe_filename_never_leaves_header_breaking_characters():
    for name in ['a"b', "a\\b", "a;b", "a\nb", "a\x00b", "a%0Ab"]:
        assert not set(safe_filename(name)) & set('"\\;\n\x00%')


def test_unicode_file_name_round_trip(stewards, login, make_case):
    case = make_case()
    do_add_evidence(stewards["dave"], case, [check_upload(text_file("notes “draft”.txt", b"text"))])
    response = login(stewards["dave"]).get(download_url(case, case.evidence.get()))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"notes draft.txt\"; filename*=UTF-8''notes%20%E2%80%9Cdraft%E2%80%9D.txt"
    )


def test_hidden_and_outsiders_get_nothing(stewards, client, login, case):
    evidence = case.evidence.get()
    declare(case, "hard", stewards["erin"])
    declare(case, "none", stewards["frank"])
    url = download_url(case, evidence)
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for name in ("erin", "bob", "carol"):  # declared hard; a party; not declared yet
        response = login(stewards[name]).get(url)
        assert response.status_code == 404 and CONTENT not in response.content, name
    response = login(stewards["frank"]).get(url)
    assert response.status_code == 404 or reverse("accounts:login") in response["Location"]
    assert "evidence.viewed" not in kinds(case)


def test_soft_conflicted_shut_out_gets_404(stewards, login, case):
    declare(case, "soft", stewards["erin"])
    url = download_url(case, case.evidence.get())
    assert login(stewards["erin"]).get(url).status_code == 200
    Case.objects.filter(pk=case.pk).update(soft_conflicted_may_read=False)
    assert login(stewards["erin"]).get(url).status_code == 404


def test_evidence_of_another_case_is_404(stewards, login, case, make_case):
    other = make_case()
    assert login(stewards["dave"]).get(download_url(other, case.evidence.get())).status_code == 404


def test_link_evidence_and_missing_files_are_404(stewards, login, case):
    link = Evidence.objects.create(case=case, url="https://example.org/post/1")
    client = login(stewards["dave"])
    assert client.get(download_url(case, link)).status_code == 404
    orphan = Evidence.objects.create(case=case, original_name="gone.txt", sha256="0" * 64, size=1)
    assert client.get(download_url(case, orphan)).status_code == 404
    assert "evidence.viewed" not in kinds(case)
