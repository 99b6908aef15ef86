"""`make run` loads the demo community: it must build through the real actions and leave a sound log."""

from django.contrib.auth import authenticate
from django.core.management import call_command

from audit.log import verify_chain
from cases.models import Case, Status
from decisions.models import Sanction
from steward.demo import DEMO_PASSWORD, STEWARDS


def test_demo_community_covers_every_state_and_loads_once(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "already loaded" in output and DEMO_PASSWORD in output
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    warning = Sanction.objects.get(level="warning")
    assert warning.ends_at is not None and warning.no_contact.exists()
    ban = Sanction.objects.get(level="temporary-ban")
    planned = sorted(ban.plan.actions.values_list("connection__platform", "op"))
    assert planned == [("discord", "ban"), ("github", "block"), ("slack", "deactivate")], "a draft plan in every space"
    assert verify_chain().ok
    assert authenticate(username=STEWARDS[0][0], password=DEMO_PASSWORD) is not None
