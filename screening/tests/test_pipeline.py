"""Scoring: flags for what reaches a threshold, ordered by harm and newcomer targets; idempotent and batch-atomic."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from people.models import Identity, Person, Space
from screening.ingest import take
from screening.models import Flag, FlagStatus, Item
from screening.pipeline import HARASSMENT, HARASSMENT_THRESHOLD, HARM_WEIGHT, NEWCOMER_BOOST, priority, score_pending
from screening.scoring import Finding, get_scorer
from screening.tests.flagging import ScriptedScorer, scripted  # noqa: F401 (the fixture)
from screening.tests.scorers import PATH, KeywordScorer, ScorerCrashed
from spaces.base import Item as SpaceItem
from spaces.models import SpaceConnection

pytestmark = pytest.mark.django_db
T = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def scorer(settings: Any) -> Any:
    settings.STEWARD_SCREENING_SCORER = PATH
    get_scorer.cache_clear()
    KeywordScorer.calls.clear()
    yield
    get_scorer.cache_clear()


@pytest.fixture
def github() -> SpaceConnection:
    return SpaceConnection.objects.create(slug="gh", platform="github", title="GitHub", settings={})


def put(connection: SpaceConnection, external_id: str, text: str, author: str = "regular", to: tuple[str, ...] = ()) -> Item:
    item = take(connection, SpaceItem(external_id=external_id, author=(author,), text=text, created_at=T, addressed=to))
    assert item is not None
    return item


def test_flags_are_raised_for_findings_over_the_threshold_and_items_are_marked(github: SpaceConnection) -> None:
    insult = put(github, "1", "You IDIOT")
    put(github, "2", "Looks good to me")
    both = put(github, "3", "IDIOT, here is her PHONE")
    assert score_pending() == 3
    assert sorted(Flag.objects.values_list("item_id", "category")) == [
        (insult.pk, "trolling-insults"),
        (both.pk, "private-information"),
        (both.pk, "trolling-insults"),
    ]
    assert set(Item.objects.values_list("scorer_version", flat=True)) == {"keywords-1"}
    assert not Item.objects.filter(scored_at__isnull=True).exists()
    assert score_pending() == 0  # nothing left: a second run changes nothing
    assert Flag.objects.count() == 3


def test_priority_weighs_harm_and_private_information_comes_first(github: SpaceConnection) -> None:
    put(github, "1", "IDIOT and PHONE")
    score_pending()
    pii, insult = Flag.objects.order_by("-priority")
    assert (pii.category, insult.category) == ("private-information", "trolling-insults")
    assert pii.priority == pytest.approx(0.8 * HARM_WEIGHT["private-information"])
    assert HARM_WEIGHT["harassment"] == max(HARM_WEIGHT.values()) == HARM_WEIGHT["private-information"]


def test_an_item_addressed_to_a_newcomer_is_raised(github: SpaceConnection) -> None:
    for number in range(3):
        put(github, f"old-{number}", "a regular's comment", author="veteran")
    put(github, "first", "my first question", author="newbie")
    to_newcomer = put(github, "n", "IDIOT", to=("newbie",))
    to_veteran = put(github, "v", "IDIOT", to=("veteran",))
    score_pending()
    boosted, plain = Flag.objects.get(item=to_newcomer), Flag.objects.get(item=to_veteran)
    assert boosted.newcomer_target and not plain.newcomer_target
    assert boosted.priority == pytest.approx(plain.priority * NEWCOMER_BOOST)


def test_a_rescore_updates_the_score_but_keeps_the_review(github: SpaceConnection, settings: Any) -> None:
    put(github, "1", "You IDIOT")
    score_pending()
    Flag.objects.update(status=FlagStatus.DISMISSED, label=False)
    settings.STEWARD_SCREENING_SCORER = "screening.tests.scorers.KeywordScorerV2"
    get_scorer.cache_clear()
    Item.objects.update(scored_at=None)  # what a new scorer version asks for
    assert score_pending() == 1
    flag = Flag.objects.get()
    assert (flag.score, flag.threshold, flag.why) == (pytest.approx(0.95), 0.6, "hostile wording toward a person (v2)")
    assert (flag.status, flag.label) == (FlagStatus.DISMISSED, False)
    assert Item.objects.get().scorer_version == "keywords-2"


def test_an_edit_is_scored_again(github: SpaceConnection) -> None:
    put(github, "1", "fine")
    score_pending()
    put(github, "1", "edited: IDIOT")
    assert score_pending() == 1
    assert Flag.objects.get().category == "trolling-insults"


def test_each_batch_commits_alone_so_a_crash_repeats_only_its_batch(github: SpaceConnection) -> None:
    for number in range(5):
        put(github, f"ok-{number}", "IDIOT")
    put(github, "crash", "FAIL-SCORER")
    with pytest.raises(ScorerCrashed):
        score_pending(batch_size=5)
    assert Item.objects.filter(scored_at__isnull=False).count() == 5
    assert Flag.objects.count() == 5
    assert Item.objects.get(external_id="crash").scored_at is None
    assert KeywordScorer.calls == [5, 1]


def test_the_limit_is_kept_and_items_are_sent_in_batches(github: SpaceConnection) -> None:
    for number in range(7):
        put(github, str(number), "hello")
    assert score_pending(limit=5, batch_size=2) == 5
    assert KeywordScorer.calls == [2, 2, 1]
    assert score_pending(limit=5, batch_size=2) == 2


# Sustained targeting: the harassment flag for a pattern of hostile messages from one author to one person.


def hostile(
    connection: SpaceConnection, ident: str, author: str = "ivan", to: str = "rita", at: datetime = T, category: str = "trolling-insults"
) -> Item:
    text = f"HOSTILE-{ident}"
    ScriptedScorer.script[text] = [Finding(category, 0.9, 0.5, "hostile wording toward a person")]
    item = take(connection, SpaceItem(external_id=ident, author=(author,), text=text, created_at=at, addressed=(to,)), schedule=False)
    assert item is not None
    score_pending()
    return item


def harassment() -> list[tuple[int, float]]:
    return list(Flag.objects.filter(category=HARASSMENT).values_list("item_id", "score"))


@pytest.mark.usefixtures("scripted")
def test_a_third_hostile_message_to_the_same_person_raises_one_harassment_flag(github: SpaceConnection) -> None:
    hostile(github, "1", at=T)
    hostile(github, "2", at=T + timedelta(days=3))
    assert harassment() == []
    third = hostile(github, "3", at=T + timedelta(days=10))
    assert harassment() == [(third.pk, 0.5)]
    flag = Flag.objects.get(category=HARASSMENT)
    assert flag.threshold == HARASSMENT_THRESHOLD and flag.status == FlagStatus.OPEN
    assert flag.why == "3 flagged messages from this author to the same person within 14 days"
    assert "ivan" not in flag.why and "rita" not in flag.why
    assert flag.priority == pytest.approx(priority(0.5, HARASSMENT, flag.newcomer_target))
    # A re-score (a new scorer version) updates that flag: never a second one.
    Item.objects.update(scored_at=None)
    score_pending()
    assert harassment() == [(third.pk, 0.5)]
    fourth = hostile(github, "4", at=T + timedelta(days=11))
    assert sorted(harassment()) == [(third.pk, 0.5), (fourth.pk, pytest.approx(0.6))]


@pytest.mark.usefixtures("scripted")
def test_an_older_message_scored_late_completes_the_pattern_on_the_latest(github: SpaceConnection) -> None:
    """Say the first message was read late (a slow poll) or edited into an insult after the others were scored."""
    hostile(github, "2", at=T + timedelta(days=3))
    third = hostile(github, "3", at=T + timedelta(days=10))
    hostile(github, "other", to="sam", at=T + timedelta(days=11))
    far = hostile(github, "far", at=T + timedelta(days=20))  # within 14 days of the third, not of the first two
    assert harassment() == []
    hostile(github, "1", at=T)
    assert harassment() == [(third.pk, 0.5)]
    # Another, scored late too, inside the window of the others: it is a third itself, and the later counts go up.
    late = hostile(github, "0", at=T + timedelta(days=8))
    assert sorted(harassment()) == sorted([(late.pk, 0.5), (third.pk, pytest.approx(0.6)), (far.pk, 0.5)])
    assert Flag.objects.filter(category=HARASSMENT).count() == 3


@pytest.mark.usefixtures("scripted")
def test_one_batch_raises_the_pattern_once_on_the_latest_item(github: SpaceConnection) -> None:
    for ident in "123":
        text = f"HOSTILE-{ident}"
        ScriptedScorer.script[text] = [Finding("personal-political-attacks", 0.9, 0.5, "an attack")]
        take(github, SpaceItem(external_id=ident, author=("ivan",), text=text, created_at=T, addressed=("@Rita",)), schedule=False)
    score_pending()
    assert harassment() == [(Item.objects.get(external_id="3").pk, 0.5)]


@pytest.mark.usefixtures("scripted")
def test_messages_to_another_person_or_outside_the_window_do_not_count(github: SpaceConnection) -> None:
    hostile(github, "old", at=T - timedelta(days=15))
    hostile(github, "1", at=T)
    hostile(github, "other", to="sam", at=T + timedelta(days=1))
    hostile(github, "leak", category="private-information", at=T + timedelta(days=1))  # flagged, but not hostile itself
    assert harassment() == []
    # The leak counts toward a pattern that a hostile message completes.
    last = hostile(github, "2", at=T + timedelta(days=2))
    assert harassment() == [(last.pk, 0.5)]


@pytest.mark.usefixtures("scripted")
def test_a_dismissed_flag_does_not_count(github: SpaceConnection) -> None:
    first = hostile(github, "1", at=T)
    hostile(github, "2", at=T + timedelta(days=1))
    Flag.objects.filter(item=first).update(status=FlagStatus.DISMISSED, label=False)
    hostile(github, "3", at=T + timedelta(days=2))
    assert harassment() == []


@pytest.mark.usefixtures("scripted")
def test_different_handles_of_the_same_person_are_one_author(github: SpaceConnection) -> None:
    person = Person.objects.create()
    for handle in ("ivan", "ivan-alt", "ivan-work"):
        Identity.objects.create(person=person, space=Space.GITHUB, handle=handle)
    hostile(github, "1", author="ivan", at=T)
    hostile(github, "2", author="Ivan-Alt", at=T + timedelta(days=1))
    last = hostile(github, "3", author="ivan-work", at=T + timedelta(days=2))
    assert Item.objects.filter(author_person=person).count() == 3
    assert harassment() == [(last.pk, 0.5)]
    # Unknown handles that differ are different authors.
    hostile(github, "4", author="stranger-a", at=T)
    hostile(github, "5", author="stranger-b", at=T + timedelta(days=1))
    hostile(github, "6", author="stranger-c", at=T + timedelta(days=2))
    assert harassment() == [(last.pk, 0.5)]
