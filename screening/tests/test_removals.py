"""Content deleted on the platform: its screening item is marked, the flag page says so, Steward's copy stays."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Event
from screening.removals import mark_removed
from screening.tests.flagging import flag, github, scripted  # noqa: F401 (the fixture)
from spaces.base import ContentRemovedEvent
from steward.testing import T0

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]


def test_the_flag_page_and_queue_say_the_content_was_deleted_on_the_platform(
    client: Client, monkeypatch: Any, stewards: Any, login: Any
) -> None:
    target = flag(github(monkeypatch), "77")
    page = reverse("screening:flag", kwargs={"flag_id": target.pk})
    login(stewards["bob"])
    assert "removed-on-platform" not in client.get(page).content.decode()

    mark_removed(target.item.connection, ContentRemovedEvent("77", by=("mod-mary", "4242"), at=T0))
    mark_removed(target.item.connection, ContentRemovedEvent("77", by=("someone-else",)))  # a second report changes nothing

    html = client.get(page).content.decode()
    assert 'id="removed-on-platform"' in html and "Deleted on the platform" in html and "by mod-mary, 4242" in html
    assert "SECRET-TEXT" in html  # Steward's copy of the text is still shown
    assert "deleted on the platform" in client.get(reverse("screening:queue")).content.decode()
    target.item.refresh_from_db()
    assert (target.item.removed_at, target.item.removed_by) == (T0, "mod-mary, 4242")
    [event] = Event.objects.filter(kind="screening.removed_on_platform")
    assert "mod-mary" not in f"{event.summary} {event.data}"


def test_a_deletion_of_content_never_screened_changes_nothing(monkeypatch: Any) -> None:
    assert mark_removed(github(monkeypatch), ContentRemovedEvent("never-seen", by=("mod-mary",))) is None
    assert not Event.objects.filter(kind="screening.removed_on_platform").exists()
