"""Draft, recompute, sign-off by a second steward, delayed publication, the frozen report, the feed."""

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Event
from policy.periods import period_of
from policy.testing import load_test_policy
from steward.demo import load_demo
from transparency.actions import SignOff, do_draft_report, do_edit_summary, do_recompute_report, do_sign_off
from transparency.models import TransparencyReport
from transparency.tests.helpers import decide, opened_case, past_half

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_drafter_cannot_sign_off_and_a_second_steward_can(stewards: dict[str, Any]) -> None:
    report = do_draft_report(stewards["alice"], past_half().label)
    with pytest.raises(ValidationError):
        do_sign_off(stewards["alice"], report, SignOff(revision=report.revision))
    report = do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    assert report.is_published() and report.signed_off_by == stewards["bob"]
    kinds = list(Event.objects.filter(kind__startswith="transparency.").values_list("kind", flat=True))
    assert kinds == ["transparency.drafted", "transparency.signed_off"]


def test_whoever_changed_the_draft_last_cannot_sign_it_off(stewards: dict[str, Any]) -> None:
    report = do_draft_report(stewards["alice"], past_half().label)
    report = do_edit_summary(stewards["bob"], report, "A quiet half-year.")
    with pytest.raises(ValidationError):
        do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    do_sign_off(stewards["carol"], report, SignOff(revision=report.revision))


def test_a_sign_off_of_an_older_revision_is_refused(stewards: dict[str, Any]) -> None:
    period = past_half()
    report = do_draft_report(stewards["alice"], period.label)
    read = report.revision
    opened_case(period, 3)
    report = do_recompute_report(stewards["alice"], report)
    assert report.figures["tables"][0]["cells"][0]["hidden"]  # the new case: 1 report, hidden
    with pytest.raises(ValidationError):
        do_sign_off(stewards["bob"], report, SignOff(revision=read))


def test_a_signed_off_report_is_frozen(stewards: dict[str, Any]) -> None:
    period = past_half()
    report = do_draft_report(stewards["alice"], period.label)
    report = do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    for case_day in range(5):
        decide(opened_case(period, case_day, handle=f"late{case_day}"), stewards, "correction")
    with pytest.raises(ValidationError):
        do_recompute_report(stewards["carol"], report)
    with pytest.raises(ValidationError):
        do_edit_summary(stewards["carol"], report, "Changed afterwards")
    assert TransparencyReport.objects.get(pk=report.pk).figures == report.figures


def test_only_ended_periods_and_only_stewards(stewards: dict[str, Any]) -> None:
    running = period_of(timezone.localdate(), 6)
    with pytest.raises(ValidationError):
        do_draft_report(stewards["alice"], running.label)
    with pytest.raises(PermissionDenied):
        do_draft_report(stewards["frank"], past_half().label)
    with pytest.raises(ValidationError):
        do_draft_report(stewards["alice"], "2025-Q1")  # the policy reports on halves and years only
    do_draft_report(stewards["alice"], past_half().label)
    with pytest.raises(ValidationError):
        do_draft_report(stewards["bob"], past_half().label)


def test_publication_waits_for_the_delay_and_the_chosen_day(stewards: dict[str, Any], client: Any) -> None:
    period = past_half()
    load_test_policy({"transparency": {"publish_delay_days": 400}})
    report = do_draft_report(stewards["alice"], period.label)
    earliest = period.last_day + timedelta(days=401)
    with pytest.raises(ValidationError):
        do_sign_off(stewards["bob"], report, SignOff(revision=report.revision, publish_on=earliest - timedelta(days=1)))
    report = do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    assert report.publish_on == earliest > timezone.localdate()
    assert client.get(f"/transparency/{period.label}/").status_code == 404
    assert client.get(f"/transparency/{period.label}.json").status_code == 404
    assert period.label not in client.get("/transparency/").content.decode()
    assert client.get("/transparency/feed.atom").content.count(b"<entry>") == 0


def test_the_feed_is_valid_atom(stewards: dict[str, Any], client: Any) -> None:
    period = past_half()
    report = do_draft_report(stewards["alice"], period.label, "Quiet.")
    do_sign_off(stewards["bob"], report, SignOff(revision=report.revision))
    response = client.get("/transparency/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    rels = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert rels["self"].endswith("/transparency/feed.atom") and rels["alternate"].endswith("/transparency/")
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}id") is not None and entry.find(f"{ATOM}updated") is not None
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/transparency/{period.label}/")


def test_the_home_page_links_the_reports(client: Any) -> None:
    assert b'href="/transparency/"' in client.get("/").content


def test_a_hard_conflicted_steward_sees_no_case_on_the_draft_page(stewards: dict[str, Any], client: Any) -> None:
    period = past_half()
    case = opened_case(period, 1, handle="bob")  # bob is a party: hard-conflicted automatically
    report = do_draft_report(stewards["alice"], period.label)
    client.force_login(stewards["bob"])
    page = client.get(f"/transparency/drafts/{report.period}/").content.decode()
    assert case.code_name not in page and "Rude comments" not in page


def test_the_demo_publishes_one_report() -> None:
    load_demo()
    (report,) = TransparencyReport.objects.all()
    assert report.is_published() and report.drafted_by != report.signed_off_by
    cells = {cell["key"]: cell for table in report.figures["tables"] for cell in table["cells"]}
    assert cells["received.incidents"]["value"] >= 8
    assert any(cell["hidden"] for cell in cells.values())
