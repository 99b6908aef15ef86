"""A trusted community's ban list naming someone in our rooms: one flag in the committee's review queue, through the
poller's read of the connection, never a sanction; a rule that matches nobody here raises nothing."""

import sys
import types
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event as AuditEvent
from cases.models import Case, PartyRole
from enforcement.listed import LISTED
from enforcement.models import EnforcementAction, ModeratorAction, ReviewStatus, StewardNotice
from enforcement.moderation import OPEN_CASE, UNDO, do_review_moderator_action
from people.actions import do_link_identity
from people.models import Space
from spaces.base import SyncBatch
from spaces.matrix.policy_lists import RULE_TYPE
from spaces.matrix.tests.conftest import Community
from spaces.polling import poll_connection
from spaces.testing import make_connection


@pytest.fixture
def reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The room timeline's /sync is another module's (spaces.matrix.reading). Where it is not there yet, a stand-in
    that reads nothing lets the poller run MatrixSpace.sync, which adds the followed lists' flags to what it read."""
    try:
        import spaces.matrix.reading  # noqa: F401  (the real one, once it is there)
    except ImportError:
        stand_in = types.ModuleType("spaces.matrix.reading")
        stand_in.sync = lambda space, position: SyncBatch((), position or "s1")  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "spaces.matrix.reading", stand_in)


@pytest.fixture
def curator(community: Community) -> Any:
    """The neighbouring community's curator, who keeps the followed list (made by `following`)."""
    return community.as_(community.homeserver.register("neighbour"))


@pytest.fixture
def following(db: Any, stewards: Any, monkeypatch: pytest.MonkeyPatch, community: Community, reading: None, curator: Any) -> Any:
    alias = f"neighbour-bans-{uuid.uuid4().hex[:6]}"
    followed = curator.create_room({"name": "neighbour bans", "preset": "public_chat", "room_alias_name": alias})
    curator.put_state(followed, RULE_TYPE, "alice", {"entity": community.alice.user_id, "recommendation": "m.ban", "reason": "spam waves"})
    curator.put_state(followed, RULE_TYPE, "evil", {"entity": "@*:evil.example", "recommendation": "m.ban", "reason": "a bad server"})
    return make_connection(
        monkeypatch,
        "matrix",
        slug="matrix",
        settings={
            "homeserver": community.homeserver.url,
            "rooms": list(community.rooms),
            "follow_policy_rooms": [f"#{alias}:steward.test"],
        },
        secrets={"access_token": community.bot.access_token},
    )


def flags() -> list[ModeratorAction]:
    return list(ModeratorAction.objects.filter(action=LISTED))


def test_a_listed_member_is_flagged_once_for_review_and_nothing_is_done_to_them(following: Any, community: Community) -> None:
    result = poll_connection(following)
    assert result.failed == []
    [flag] = flags()
    assert flag.subject == community.alice.user_id and flag.actor.startswith("#neighbour-bans-")
    assert "spam waves" in flag.detail and community.alice.user_id in flag.detail and flag.status == ReviewStatus.PENDING
    assert StewardNotice.objects.filter(topic=f"moderator-action:{flag.pk}").count() == 5, "every active steward hears of it"
    assert not EnforcementAction.objects.exists(), "a flag, never a sanction"
    for room in community.rooms:
        assert community.as_(community.bot).membership(room, community.alice.user_id) == "join"

    poll_connection(following)
    assert flags() == [flag], "once per list, rule and member, however often it is read"


def test_the_flag_is_noted_or_becomes_a_case_and_is_never_undone(following: Any, community: Community, stewards: Any, login: Any) -> None:
    poll_connection(following)
    [flag] = flags()
    page = login(stewards["carol"]).get(reverse("enforcement:moderator_actions")).content.decode()
    assert "listed on a trusted ban list" in page and "spam waves" in page and "Ban list" in page
    assert "Noted: nothing to do here" in page and "It should be undone" not in page
    with pytest.raises(ValidationError, match="Nothing was done"):
        do_review_moderator_action(stewards["carol"], flag, UNDO, "Unban them.")
    reviewed = do_review_moderator_action(stewards["carol"], flag, OPEN_CASE, "Seen in our rooms too.")
    case = Case.objects.get(pk=reviewed.case_id)
    reported = case.parties.get(role=PartyRole.REPORTED)
    assert reported.person.identities.get().handle == community.alice.user_id.removeprefix("@").casefold()
    assert "spam waves" in case.reports.get().body


def test_a_listed_steward_is_not_told_of_their_own_flag(following: Any, community: Community, stewards: Any) -> None:
    dave = stewards["dave"].steward_profile.person
    do_link_identity(None, dave, Space.MATRIX, community.alice.user_id)  # the listed member is one of the stewards
    poll_connection(following)
    [flag] = flags()
    assert flag.subject_person == dave, "the flag names the person the community knows"
    told = set(StewardNotice.objects.filter(topic=f"moderator-action:{flag.pk}").values_list("steward__username", flat=True))
    assert told == {"alice", "bob", "carol", "erin"}, "every active steward but the one it is about"


def test_a_new_rule_on_the_list_is_a_new_flag_each_recorded_once(following: Any, community: Community, curator: Any) -> None:
    poll_connection(following)
    [alice_flag] = flags()
    followed = curator.resolve_alias(following.settings["follow_policy_rooms"][0])
    curator.put_state(followed, RULE_TYPE, "bob", {"entity": community.bob.user_id, "recommendation": "m.ban", "reason": "raids"})
    poll_connection(following)
    poll_connection(following)
    assert sorted(flag.subject for flag in flags()) == sorted([community.alice.user_id, community.bob.user_id])
    [bob_flag] = [flag for flag in flags() if flag != alice_flag]
    assert "raids" in bob_flag.detail and "spam waves" not in bob_flag.detail
    listed = AuditEvent.objects.filter(kind="moderation.listed")
    assert sorted(event.data["moderator_action"] for event in listed) == sorted([alice_flag.pk, bob_flag.pk]), "each in the audit log"
