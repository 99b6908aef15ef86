"""What a steward may see of flags, and what dismissing, acting on and opening a case from a flag do."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from audit.models import Event
from cases.actions import do_declare_conflict
from cases.models import Channel, ConflictLevel, PartyRole
from enforcement.models import ActionStatus
from people.models import Identity, Space
from screening.access import access_flag, visible_flags
from screening.actions import content_capabilities, do_act_on_flag, do_dismiss_flag, do_open_case_from_flag
from screening.forms import PARAM_LABELS
from screening.models import FlagStatus, Item
from screening.tests.flagging import SECRET_TEXT, flag, github, scripted  # noqa: F401 (the fixture)
from spaces.base import Target
from spaces.models import SpaceConnection
from spaces.registry import platforms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]


def no_text_in_audit() -> None:
    for event in Event.objects.all():
        assert "SECRET-TEXT" not in f"{event.summary} {event.data}"
        assert "ivan-gh" not in f"{event.summary} {event.data}"


def test_the_queue_is_ordered_by_priority_then_score_and_only_open_flags(monkeypatch: Any, stewards: Any) -> None:
    connection = github(monkeypatch)
    # Priority is the score weighted by the category's harm (screening.pipeline): harassment weighs twice an insult.
    # Each by another author: one author's insults to one person would add a sustained-targeting harassment flag.
    lowest = flag(connection, "1", score=0.7, author="ivan-1")
    low = flag(connection, "2", score=0.95, author="ivan-2")
    high = flag(connection, "3", category="harassment", score=0.6, author="ivan-3")
    tie_higher_score = flag(connection, "4", score=1.0, author="ivan-4")
    tie_lower_score = flag(connection, "5", category="harassment", score=0.5, author="ivan-5")
    flag(connection, "6", status=FlagStatus.DISMISSED, author="ivan-6")
    assert tie_higher_score.priority == tie_lower_score.priority
    assert list(visible_flags(stewards["bob"])) == [high, tie_higher_score, tie_lower_score, low, lowest]
    assert len(visible_flags(stewards["bob"], status="")) == 6
    assert list(visible_flags(stewards["bob"], category="harassment")) == [high, tie_lower_score]


def test_nobody_sees_flags_on_what_they_wrote_or_what_was_addressed_to_them(monkeypatch: Any, stewards: Any) -> None:
    connection = github(monkeypatch)
    by_bob = flag(connection, "1", author="Bob")  # the stewards fixture gave bob the GitHub handle "bob"
    to_bob = flag(connection, "2", addressed="rita-gh, @bob")
    other = flag(connection, "3")
    by_carol_person = flag(connection, "4", author="carol-alt")
    Item.objects.filter(pk=by_carol_person.item_id).update(author_person=stewards["carol"].steward_profile.person)
    assert set(visible_flags(stewards["bob"])) == {other, by_carol_person}
    assert set(visible_flags(stewards["carol"])) == {by_bob, to_bob, other}
    assert set(visible_flags(stewards["alice"])) == {by_bob, to_bob, other, by_carol_person}
    for hidden in (by_bob, to_bob):
        with pytest.raises(Http404):
            access_flag(stewards["bob"], hidden.pk)
    with pytest.raises(Http404):
        access_flag(stewards["carol"], by_carol_person.pk)
    # A deactivated steward sees nothing.
    assert list(visible_flags(stewards["frank"])) == []
    with pytest.raises(Http404):
        access_flag(stewards["frank"], other.pk)


def test_dismissing_keeps_a_negative_label_and_an_audit_record_without_the_text(monkeypatch: Any, stewards: Any) -> None:
    target = flag(github(monkeypatch))
    do_dismiss_flag(stewards["bob"], target.pk, "  banter between friends ")
    target.refresh_from_db()
    assert (target.status, target.label, target.reviewed_by, target.review_note) == (
        FlagStatus.DISMISSED,
        False,
        stewards["bob"],
        "banter between friends",
    )
    assert target.reviewed_at is not None
    assert Event.objects.filter(kind="screening.flag.dismissed", actor=stewards["bob"]).count() == 1
    no_text_in_audit()
    with pytest.raises(ValidationError):
        do_dismiss_flag(stewards["carol"], target.pk)


def test_acting_queues_a_content_action_through_enforcement(monkeypatch: Any, stewards: Any) -> None:
    target = flag(github(monkeypatch))
    ops = {str(cap.op) for cap in content_capabilities(target.item.connection)}
    assert {"hide-content", "delete-content", "lock-thread"} <= ops and "block" not in ops
    with pytest.raises(ValidationError):
        do_act_on_flag(stewards["bob"], target.pk, "block", "no")  # a person operation is not offered here
    do_act_on_flag(stewards["bob"], target.pk, "hide-content", "Insult (code of conduct)", {"classifier": "abuse", "body": "x"})
    target.refresh_from_db()
    # Open, without a verdict, until the space has done it (test_flag_act_failure: then acted on, or open after a failure).
    assert (target.status, target.label) == (FlagStatus.OPEN, None)
    with pytest.raises(ValidationError):
        do_dismiss_flag(stewards["carol"], target.pk)  # not while the action is under way
    action = target.action
    assert action is not None and action.status == ActionStatus.QUEUED
    assert (action.op, action.subject, action.params, action.connection) == (
        "hide-content",
        target.item.url,
        {"classifier": "abuse"},  # the setting another operation takes is not passed on
        target.item.connection,
    )
    assert Event.objects.filter(kind="screening.flag.act-requested").count() == 1
    no_text_in_audit()


def test_an_act_without_a_reason_changes_nothing(monkeypatch: Any, stewards: Any) -> None:
    target = flag(github(monkeypatch))
    with pytest.raises(ValidationError):
        do_act_on_flag(stewards["bob"], target.pk, "hide-content", "  ")
    target.refresh_from_db()
    assert target.status == FlagStatus.OPEN and target.action is None and target.label is None


def test_opening_a_case_copies_the_text_and_link_and_names_the_author(monkeypatch: Any, stewards: Any) -> None:
    target = flag(github(monkeypatch), category="private-information")
    case = do_open_case_from_flag(stewards["bob"], target.pk, "Posted her street address")
    target.refresh_from_db()
    assert (target.status, target.label, target.case) == (FlagStatus.CASE_OPENED, True, case)
    report = case.reports.get()
    assert report.channel == Channel.SPACE and report.taken_by == stewards["bob"]
    assert SECRET_TEXT in report.body and target.item.url in report.body and "Posted her street address" in report.body
    assert report.link == target.item.url
    assert report.categories == ["private-information"]
    reported = case.parties.get(role=PartyRole.REPORTED)
    assert Identity.objects.get(space=Space.GITHUB, handle="ivan-gh").person == reported.person
    assert Event.objects.filter(kind="screening.flag.case-opened", case_id=case.pk).count() == 1
    no_text_in_audit()


def test_a_steward_hard_conflicted_on_the_case_a_flag_opened_sees_neither_flag_nor_case(
    monkeypatch: Any, stewards: Any, client: Any
) -> None:
    """Once a flag has become a case, the flag names it: a hard conflict on that case hides the flag everywhere."""
    target = flag(github(monkeypatch), category="private-information")
    case = do_open_case_from_flag(stewards["bob"], target.pk, "Posted her street address")
    do_declare_conflict(stewards["carol"], case, ConflictLevel.HARD)
    with pytest.raises(Http404):
        access_flag(stewards["carol"], target.pk)
    assert target not in visible_flags(stewards["carol"], status="")
    client.force_login(stewards["carol"])
    assert client.get(f"/screening/flags/{target.pk}/").status_code == 404
    for status in ("all", FlagStatus.CASE_OPENED):
        queue = client.get("/screening/flags/", {"status": status})
        assert queue.status_code == 200 and case.code_name not in queue.content.decode()
        assert f"/screening/flags/{target.pk}/" not in queue.content.decode()
    # A steward without a conflict still sees it, with the case.
    assert access_flag(stewards["dave"], target.pk).case == case
    client.force_login(stewards["dave"])
    assert f"/screening/flags/{target.pk}/" in client.get("/screening/flags/", {"status": "all"}).content.decode()


def test_a_steward_can_file_a_flag_under_another_category(monkeypatch: pytest.MonkeyPatch, stewards: dict[str, Any]) -> None:
    connection = github(monkeypatch)
    insult = flag(connection, "1", category="trolling-insults", text="you are a liar and a fraud")
    case = do_open_case_from_flag(stewards["bob"], insult.pk, "", "personal-political-attacks")
    insult.refresh_from_db()
    assert (insult.label, insult.label_category) == (True, "personal-political-attacks")
    assert case.reports.get().categories == ["personal-political-attacks"]
    kept = flag(connection, "2", category="trolling-insults")
    do_open_case_from_flag(stewards["bob"], kept.pk)
    kept.refresh_from_db()
    assert kept.label_category == "trolling-insults"  # no choice: the flag's own category
    other = flag(connection, "3", category="trolling-insults")
    with pytest.raises(ValidationError):
        do_open_case_from_flag(stewards["bob"], other.pk, "", "not-a-category")
    with pytest.raises(ValidationError):
        do_act_on_flag(stewards["bob"], other.pk, "hide-content", "Insult", {}, "not-a-category")
    other.refresh_from_db()
    assert other.status == FlagStatus.OPEN and other.label is None


def test_every_platform_offers_content_operations_first_with_a_label_for_each_setting() -> None:
    """The act form's default is its first operation: on a flagged message, hiding it, not locking the thread."""
    for platform, cls in platforms().items():
        offered = content_capabilities(SpaceConnection(slug=f"x-{platform}", platform=platform, enabled=True))
        targets = [cap.target for cap in offered]
        assert targets == sorted(targets, key=lambda target: target != Target.CONTENT), platform
        for cap in offered:
            assert set(cap.params) <= set(PARAM_LABELS), f"{platform} {cap.op}: a setting without a label"
