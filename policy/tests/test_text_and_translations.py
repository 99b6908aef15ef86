"""The code of conduct's texts: lists and links rendered safely, the ladder numbered once, and the Spanish
pages complete from the policy file's translation (docs/policy-format.md, "Translations")."""

import re

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from policy.errors import PolicyError
from policy.loader import load_policy_file, parse_policy
from policy.markup import render
from policy.tests.helpers import DEFAULT, default_text

pytestmark = pytest.mark.django_db


def test_lists_and_links_become_html_and_nothing_else_does() -> None:
    html = render(
        "Intro line\n\n- first item\n- second with [the FAQ](https://example.org/faq)\n\n1. one\n2. two\n\n"
        "See https://example.org/x. Mail [us](mailto:coc@example.org), not [this](javascript:alert(1)) "
        'nor <script>alert(1)</script> or <a href="https://evil.example">x</a>.'
    )
    assert "<p>Intro line</p>" in html
    assert "<ul><li>first item</li><li>second with " in html
    assert '<a href="https://example.org/faq" rel="noopener noreferrer">the FAQ</a>' in html
    assert "<ol><li>one</li><li>two</li></ol>" in html
    assert '<a href="https://example.org/x" rel="noopener noreferrer">https://example.org/x</a>.' in html
    assert '<a href="mailto:coc@example.org" rel="noopener noreferrer">us</a>' in html
    assert "javascript:" not in re.findall(r'href="([^"]*)"', html)[-1]
    assert not any(href.startswith("javascript") for href in re.findall(r'href="([^"]*)"', html))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://evil.example"' not in html


def test_the_code_of_conduct_page_renders_the_standards_as_lists_and_numbers_the_ladder_once(client: Client) -> None:
    html = client.get(reverse("policy:code_of_conduct")).content.decode()
    assert "<li>Engaging with a spirit of understanding and camaraderie</li>" in html
    assert "- Engaging" not in html
    assert '<a href="https://www.contributor-covenant.org/faq" rel="noopener noreferrer">' in html
    ladder = html[html.index('<ol class="ladder">') :]
    ladder = ladder[: ladder.index("</ol>")]
    for rank, title in enumerate(["Correction", "Warning", "Temporary Ban", "Permanent Ban"], start=1):
        assert f"<h3>{rank}. {title}</h3>" in ladder
    css = (DEFAULT.parents[2] / "static" / "steward" / "steward.css").read_text()
    assert re.search(r"\.ladder\s*\{[^}]*list-style:\s*none", css), "the list's own numbers would repeat the headings'"


def test_the_spanish_pages_show_the_policy_in_spanish(client: Client) -> None:
    html = client.get(reverse("policy:code_of_conduct"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<div lang="es">' in html
    for spanish in (
        "Código de Conducta de la AI Alliance",
        "Nuestro compromiso",
        "<li>Participar con un espíritu de comprensión y compañerismo</li>",
        "<dt>Acoso</dt>",
        "<h3>3. Expulsión temporal</h3>",
        "<li>No es una violación</li>",
        "<li>Slack de la AI Alliance</li>",
    ):
        assert spanish in html, spanish
    assert "Our Pledge" not in html and "Temporary Ban" not in html
    home = client.get(reverse("policy:home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="es"' in home and "Encuentra una línea de ayuda en crisis" in home and 'href="tel:112"' in home
    # The report form's emergency list too (intake), and English stays English.
    form = client.get(reverse("intake:report"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Línea 988 de Prevención del Suicidio y Crisis" in form
    assert "Publicar información privada de otras personas" in form  # the categories to choose from
    assert "Eventos presenciales" in form and "In-person events" not in form
    english = client.get(reverse("intake:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "988 Suicide &amp; Crisis Lifeline" in english and "Línea 988" not in english


def test_the_spanish_translation_is_complete_and_keeps_links_and_numbers() -> None:
    policy = load_policy_file(DEFAULT)
    spanish = policy.localized("es")
    assert spanish.languages[0] == "es" and policy.localized("en") is policy and policy.localized("fr") is policy
    assert len(spanish.sections) == len(policy.sections)
    for english, translated in zip(policy.ladder, spanish.ladder, strict=True):
        assert (english.code, english.rank, english.enforce) == (translated.code, translated.rank, translated.enforce)
        assert english.title != translated.title
    for english, translated in zip(policy.emergency, spanish.emergency, strict=True):
        assert (english.phone, english.url) == (translated.phone, translated.url) and english.title != translated.title
    # Every link in the English text survives in the Spanish one.
    links = re.compile(r"https?://\S+[^\s.)]")
    assert links.findall("".join(s.body for s in policy.sections)) == links.findall("".join(s.body for s in spanish.sections))


def _with_translation(change: dict) -> str:
    data = yaml.safe_load(default_text())
    data["translations"]["es"].update(change)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories": [{"code": "harassment", "title": "Acoso", "description": "Acoso."}]}, "translations.es.categories: missing: "),
        ({"outcomes": [{"code": "nope", "title": "x"}]}, "no such code in outcomes: nope"),
        ({"text": [{"title": "Uno", "body": "Solo una sección."}]}, "translations.es.text: translate each of the 9 sections"),
        ({"emergency": []}, "translations.es.emergency: translate the title of each of the 3 emergency resources"),
    ],
)
def test_an_incomplete_translation_is_refused_with_its_place(change: dict, message: str) -> None:
    with pytest.raises(PolicyError) as error:
        parse_policy(_with_translation(change), "ai.yaml")
    assert message in str(error.value)


def test_a_translation_must_be_of_a_declared_language() -> None:
    data = yaml.safe_load(default_text())
    data["translations"]["fr"] = data["translations"]["es"]
    with pytest.raises(PolicyError) as error:
        parse_policy(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "ai.yaml")
    assert "translations.fr: fr is not one of the other languages listed in languages" in str(error.value)
