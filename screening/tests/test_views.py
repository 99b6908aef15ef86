"""The flag queue and the flag page over HTTP: who gets in, what they see, and the three review forms."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from screening.models import Flag, FlagStatus
from screening.tests.flagging import flag, github, scripted  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]

QUEUE = reverse("screening:queue")


def page(flag_id: int, name: str = "flag") -> str:
    return reverse(f"screening:{name}", kwargs={"flag_id": flag_id})


def test_only_active_stewards_get_in(client: Client, monkeypatch: Any, stewards: Any, login: Any) -> None:
    target = flag(github(monkeypatch))
    assert client.get(QUEUE).status_code == 302  # to sign in
    login(stewards["frank"])  # deactivated: signed out again
    assert client.get(QUEUE).status_code == 302
    login(User.objects.create_user("mallory", "mallory@example.org"))  # signed in, not a steward
    assert client.get(QUEUE).status_code == 404
    assert client.get(page(target.pk)).status_code == 404
    assert client.post(page(target.pk, "dismiss")).status_code == 404
    target.refresh_from_db()
    assert target.status == FlagStatus.OPEN


def test_the_queue_shows_the_category_title_score_space_and_newcomer(client: Client, monkeypatch: Any, stewards: Any, login: Any) -> None:
    connection = github(monkeypatch)
    insult = flag(connection, "1", newcomer_target=True)
    address = flag(connection, "2", category="private-information", score=0.7)
    own = flag(connection, "3", author="bob")
    Flag.objects.exclude(pk=insult.pk).update(newcomer_target=False)
    login(stewards["bob"])
    html = client.get(QUEUE).content.decode()
    assert page(insult.pk) in html and page(address.pk) in html and page(own.pk) not in html
    assert "Acme GitHub" in html and "0.90" in html and "hostile wording toward a person" in html
    assert "newcomer" in html
    assert "SECRET-TEXT" not in html  # the text is on the flag page only
    filtered = client.get(QUEUE, {"category": "private-information", "status": "open"}).content.decode()
    assert page(address.pk) in filtered and page(insult.pk) not in filtered


def test_the_flag_page_shows_escaped_text_context_link_and_forms(client: Client, monkeypatch: Any, stewards: Any, login: Any) -> None:
    code = "```\n<script>alert(1)</script>\n    indented()\n```"
    target = flag(github(monkeypatch), text=f"you clown\n{code}")
    login(stewards["bob"])
    response = client.get(page(target.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\n    indented()" in html  # inside a <pre>: the code block keeps its lines and indentation
    assert "Fix the parser" in html and target.item.url in html
    assert page(target.pk, "dismiss") in html and page(target.pk, "act") in html and page(target.pk, "open_case") in html
    assert 'value="hide-content"' in html and 'value="block"' not in html
    assert client.get(page(own := flag(target.item.connection, "9", author="bob").pk)).status_code == 404
    assert client.post(page(own, "dismiss")).status_code == 404


def test_dismiss_and_act_forms(client: Client, monkeypatch: Any, stewards: Any, login: Any) -> None:
    connection = github(monkeypatch)
    one, two = flag(connection, "1"), flag(connection, "2")
    login(stewards["bob"])
    assert client.post(page(one.pk, "dismiss"), {"note": ""}).status_code == 302
    one.refresh_from_db()
    assert one.status == FlagStatus.DISMISSED and one.label is False
    html = client.get(page(one.pk)).content.decode()
    assert page(one.pk, "act") not in html  # a reviewed flag offers no more forms

    client.post(page(two.pk, "act"), {"op": "hide-content", "reason": "", "param_classifier": "abuse"})
    two.refresh_from_db()
    assert two.status == FlagStatus.OPEN  # no reason: nothing done
    client.post(page(two.pk, "act"), {"op": "hide-content", "reason": "Insult", "param_classifier": "abuse"})
    two.refresh_from_db()
    # Open until the space has done it; meanwhile no second act or dismissal is offered.
    assert two.status == FlagStatus.OPEN and two.action is not None and two.action.params == {"classifier": "abuse"}
    html = client.get(page(two.pk)).content.decode()
    assert "Queued" in html and page(two.pk, "act") not in html and page(two.pk, "dismiss") not in html


def test_open_case_redirects_to_the_new_case(client: Client, monkeypatch: Any, stewards: Any, login: Any) -> None:
    target = flag(github(monkeypatch), category="private-information")
    login(stewards["bob"])
    response = client.post(page(target.pk, "open_case"), {"note": "her home address"})
    target.refresh_from_db()
    assert target.case is not None and target.status == FlagStatus.CASE_OPENED
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"code": target.case.code_name})
