from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from policy.testing import load_test_policy

pytestmark = pytest.mark.django_db

PAGES = ["home", "code_of_conduct", "how_to_report", "what_happens_next", "stewards"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_with_its_version(client: Client, name: str) -> None:
    response = client.get(reverse(f"policy:{name}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "AI Alliance Code of Conduct, version 1.0" in html
    assert 'datetime="2024-01-01"' in html
    assert reverse("intake:report") in html or name in ("what_happens_next",)
    assert '<main id="main">' in html and html.count("<h1") == 1


def test_urls() -> None:
    assert reverse("policy:home") == "/"
    assert reverse("policy:code_of_conduct") == "/code-of-conduct/"
    assert reverse("policy:how_to_report") == "/how-to-report/"
    assert reverse("policy:what_happens_next") == "/what-happens-next/"
    assert reverse("policy:stewards") == "/stewards/"


def test_pages_are_read_only(client: Client) -> None:
    assert client.post(reverse("policy:home")).status_code == 405


def test_code_of_conduct_shows_text_categories_scope_and_ladder(client: Client) -> None:
    html = client.get(reverse("policy:code_of_conduct")).content.decode()
    for expected in [
        "Our Pledge",
        "harassment-free experience for everyone",
        "Publishing others’ private information",
        "officially representing the community",
        "Temporary Ban",
        "A serious violation of community standards",
        "Always for a stated period of time.",
        "Not a violation",
        "GitHub (issues, pull requests, discussions, code review)",
    ]:
        assert expected in html, expected
    assert '<div lang="en">' in html


def test_what_happens_next_uses_the_real_numbers(client: Client) -> None:
    html = client.get(reverse("policy:what_happens_next")).content.decode()
    assert "within <strong>24 hours</strong>" in html
    assert "within <strong>7 days</strong>" in html
    assert "within <strong>30 days</strong>" in html
    assert "at least two-thirds (2/3) of the unconflicted stewards who vote" in html
    assert "more than half of all unconflicted stewards" in html
    assert "or fewer than 3 stewards are free of a serious (hard) conflict" in html
    assert "<strong>1825 days (about 5 years)</strong>" in html

    load_test_policy(
        {
            "timelines": {"acknowledge_hours": 48, "first_followup_days": 3, "decision_target_days": 21},
            "decision_rule": {"fraction": "3/4", "permanent_ban_needs_majority_of_all": False, "lazy_consensus_hours": 24},
            "appeal_window_days": 14,
        }
    )
    html = client.get(reverse("policy:what_happens_next")).content.decode()
    assert "within <strong>48 hours</strong>" in html
    assert "within <strong>3 days</strong>" in html
    assert "within <strong>21 days</strong>" in html
    assert "three-quarters (3/4)" in html
    assert "more than half of all" not in html
    assert "no unconflicted steward objects within 24 hours" in html
    assert "within <strong>14 days</strong>" in html
    assert "version test-" in html


def test_home_shows_acknowledgement_time(client: Client) -> None:
    load_test_policy({"timelines": {"acknowledge_hours": 1}})
    html = client.get(reverse("policy:home")).content.decode()
    assert "within 1 hour." in html


def test_how_to_report_shows_contacts_and_emergency_resources(client: Client) -> None:
    html = client.get(reverse("policy:how_to_report")).content.decode()
    assert "mailto:coc-stewards@example.org" in html
    assert "mailto:coc-outside@example.org" in html
    assert 'href="https://findahelpline.com"' in html
    assert 'href="tel:988"' in html
    assert "anonymous" in html


def test_policy_text_is_escaped(client: Client) -> None:
    load_test_policy(
        {
            "name": "<script>alert(1)</script>",
            "text": [{"title": "<b>bold</b>", "body": "a <img src=x onerror=alert(1)>\n\nsecond"}],
        }
    )
    html = client.get(reverse("policy:code_of_conduct")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "<b>bold</b>" not in html
    assert "<p>second</p>" in html


def test_stewards_page_lists_only_active_stewards(client: Client, stewards: dict[str, Any]) -> None:
    user = stewards["erin"]
    user.is_active = False
    user.save()
    html = client.get(reverse("policy:stewards")).content.decode()
    for name in ["Alice", "Bob", "Carol", "Dave"]:
        assert f"<li>{name}</li>" in html
    assert "<li>Erin</li>" not in html  # inactive user
    assert "<li>Frank</li>" not in html  # deactivated steward


def test_stewards_page_without_stewards(client: Client) -> None:
    assert "No stewards are listed" in client.get(reverse("policy:stewards")).content.decode()
