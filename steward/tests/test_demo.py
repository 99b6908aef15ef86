"""`make run` loads the demo community: it must build through the real actions and leave a sound log."""

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from audit.log import verify_chain
from cases.models import Case, Status
from decisions.models import Sanction
from screening.access import visible_flags
from screening.models import Flag
from spaces.models import SpaceConnection
from steward.demo import DEMO_PASSWORD, STEWARDS


def test_demo_community_covers_every_state_and_loads_once(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "already loaded" in output and DEMO_PASSWORD in output
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    warning = Sanction.objects.filter(level="warning").latest("starts_at")  # the current case's (the past has one too)
    assert warning.ends_at is not None and warning.no_contact.exists()
    ban = Sanction.objects.get(level="temporary-ban")
    planned = sorted(ban.plan.actions.values_list("connection__platform", "op"))
    assert planned == [("discord", "ban"), ("github", "block"), ("slack", "deactivate")], "a draft plan in every space"
    assert verify_chain().ok
    assert authenticate(username=STEWARDS[0][0], password=DEMO_PASSWORD) is not None


def test_demo_screening_queue_is_scored_by_the_shipped_model(db):
    call_command("load_demo")
    flagged = {(flag.item.external_id, flag.category) for flag in Flag.objects.select_related("item")}
    # The newcomer's reviewer: three hostile reviews in a week, the third also a pattern of harassment.
    assert {("demo:2", "inappropriate-conduct"), ("demo:4", "trolling-insults"), ("demo:9", "harassment")} <= flagged
    assert ("demo:10", "private-information") in flagged  # a home address, posted to send people there
    assert not {external_id for external_id, _ in flagged} & {"demo:0", "demo:1", "demo:3", "demo:5", "demo:11"}  # ordinary traffic
    assert Flag.objects.get(item__external_id="demo:9", category="harassment").newcomer_target
    # The jab at Bruno is in everyone's queue but his own; the demo's spaces are not watched after loading.
    jab = Flag.objects.get(item__external_id="demo:8")
    queues = {
        user.username: set(visible_flags(user).values_list("pk", flat=True))
        for user in User.objects.filter(username__in=["amara", "bruno"])
    }
    assert jab.pk in queues["amara"] and jab.pk not in queues["bruno"]
    assert not SpaceConnection.objects.filter(watch=True).exists()
