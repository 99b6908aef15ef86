"""Newcomers (REQUIREMENTS 13): each space's "how to report" note (HTML and Markdown) and its badge."""

from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from policy.testing import load_test_policy

pytestmark = pytest.mark.django_db


def test_each_space_has_a_note_with_the_code_the_report_link_and_the_stewards(
    client: Client, stewards: dict[str, Any], settings: Any
) -> None:
    settings.SITE_URL = "https://conduct.example.org"
    how_to = client.get(reverse("policy:how_to_report")).content.decode()
    assert reverse("policy:space_note", args=["slack"]) in how_to
    response = client.get(reverse("policy:space_note", args=["slack"]))
    assert response.status_code == 200
    html = response.content.decode()
    # The HTML (escaped inside its text box) and the Markdown both name the code, the report form and the stewards.
    assert "follows the &lt;a href=&quot;https://conduct.example.org/code-of-conduct/&quot;&gt;AI Alliance Code of Conduct" in html
    assert "&lt;a href=&quot;https://conduct.example.org/report/&quot;&gt;report it to the community stewards" in html
    assert (
        "AI Alliance Slack follows the [AI Alliance Code of Conduct](https://conduct.example.org/code-of-conduct/). "
        "If something here goes against it, you can [report it to the community stewards](https://conduct.example.org/report/)"
    ) in html
    assert "The stewards are Alice, Bob, Carol, Dave, Erin" in html and "Frank" not in html  # active stewards only
    assert "[![Code of conduct: how to report](https://conduct.example.org/how-to-report/slack/badge.svg)]" in html
    assert client.get(reverse("policy:space_note", args=["no-such-space"])).status_code == 404


def test_a_space_title_cannot_break_out_of_the_note(client: Client, stewards: dict[str, Any]) -> None:
    load_test_policy({"spaces": [{"code": "forum", "title": "<img src=x onerror=alert(1)> [x](javascript:alert(1))", "platform": "other"}]})
    html = client.get(reverse("policy:space_note", args=["forum"])).content.decode()
    assert "<img src=x" not in html
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in html  # Markdown punctuation is escaped


def test_the_badge_is_a_cacheable_svg_that_tracks_no_one(client: Client) -> None:
    response = client.get(reverse("policy:space_badge", args=["github"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert not response.cookies
    svg = ElementTree.fromstring(response.content)
    assert svg.get("role") == "img" and svg.get("aria-label") == "code of conduct: how to report"
    # The same bytes for every visitor.
    assert Client().get(reverse("policy:space_badge", args=["github"])).content == response.content
    assert client.get(reverse("policy:space_badge", args=["nowhere"])).status_code == 404


def test_the_note_speaks_the_pages_language(client: Client, stewards: dict[str, Any]) -> None:
    html = client.get(reverse("policy:space_note", args=["events"]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Eventos presenciales" in html and "Código de Conducta de la AI Alliance" in html
