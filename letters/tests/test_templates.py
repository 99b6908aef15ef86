"""Letter templates: shipped defaults, safe placeholders, no template injection, prefilling a message."""

from importlib import import_module
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Audience
from letters.fill import (
    DEFAULTS_DIR,
    PLACEHOLDER,
    PLACEHOLDERS,
    UnknownPlaceholder,
    default_letter,
    fill_letter,
    render_text,
    unknown_placeholders,
)
from letters.models import LetterKind, LetterTemplate
from letters.tests.conftest import REPORTER_NAME, World
from policy.loader import load_policy_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shipped_rows() -> None:
    """The rows the data migration loads. A transactional test elsewhere in the run flushes every table,
    migration data included, so run the migration's loader again (it only adds what is missing)."""
    from django.apps import apps

    import_module("letters.migrations.0002_default_templates").load_defaults(apps, None)


def test_every_letter_ships_in_english_and_the_first_ones_in_spanish() -> None:
    for kind in LetterKind.values:
        letter = default_letter(kind, "en")
        assert letter is not None and letter.subject and letter.body, kind
        assert not unknown_placeholders(letter.subject + letter.body), kind
    for kind in (LetterKind.RECEIPT, LetterKind.ACKNOWLEDGEMENT):
        assert default_letter(kind, "es") is not None
    assert default_letter("../../settings", "en") is None
    assert default_letter(LetterKind.RECEIPT, "../en") is None
    assert LetterTemplate.objects.filter(language="en").count() == len(LetterKind.values)  # loaded for the admins
    assert sorted(path.parent.name for path in DEFAULTS_DIR.glob("*/receipt.txt")) == ["en", "es"]


def test_placeholders_fill_and_unknown_ones_are_refused() -> None:
    values = dict.fromkeys(PLACEHOLDERS, "V")
    values["case_reference"] = "R-AAAA-BBBB"
    assert render_text("Case {case_reference}, by {steward_name}.", values) == "Case R-AAAA-BBBB, by V."
    with pytest.raises(UnknownPlaceholder, match="reporter_name"):
        render_text("Dear {reporter_name}", values)
    row = LetterTemplate(kind=LetterKind.CLOSURE, language="fr", subject="{case_reference}", body="Hi {secret_key}")
    with pytest.raises(ValidationError, match="secret_key"):
        row.full_clean()


@pytest.mark.parametrize(
    "attack",
    ["{{ settings.SECRET_KEY }}", "{% load static %}{% debug %}", "{{case_reference.__class__}}", "{ case_reference }", "{0.__class__}"],
)
def test_template_injection_stays_literal_text(attack: str, settings: Any) -> None:
    out = render_text(f"before {attack} after", {"case_reference": "X"})
    assert out == f"before {attack} after"
    assert settings.SECRET_KEY not in out


def test_a_db_template_is_filled_from_the_case(world: World, stewards: dict[str, Any]) -> None:
    LetterTemplate.objects.filter(kind=LetterKind.RECEIPT, language="en").update(
        subject="About {case_reference}", body="{{ settings.SECRET_KEY }} {case_reference} from {steward_name} at {portal_link}"
    )
    letter = fill_letter(LetterKind.RECEIPT, "en", world.case, audience=Audience.REPORTER, report=world.report, steward=stewards["bob"])
    assert letter is not None
    assert letter.subject == f"About {world.report.reference}"
    assert letter.body.startswith("{{ settings.SECRET_KEY }} " + world.report.reference + " from Bob at http")
    reported = fill_letter(LetterKind.DECISION_REPORTED, "en", world.case, audience=Audience.REPORTED, party=world.reported)
    assert reported is not None
    assert world.report.reference not in reported.body and REPORTER_NAME not in reported.body
    spanish = fill_letter(LetterKind.ACKNOWLEDGEMENT, "es", world.case, audience=Audience.REPORTER, report=world.report)
    assert spanish is not None and spanish.language == "es" and "Hola" in spanish.body
    fallback = fill_letter(LetterKind.CLOSURE, "fr", world.case, audience=Audience.REPORTER, report=world.report)
    assert fallback is not None and fallback.language == "en"


def test_compose_prefills_the_message_form(world: World, stewards: dict[str, Any], login: Any) -> None:
    url = reverse("letters:compose", kwargs={"code": world.case.code_name})
    client = login(stewards["bob"])
    assert client.get(url).status_code == 200
    query = {"kind": LetterKind.ACKNOWLEDGEMENT, "language": "en", "audience": f"reporter:{world.report.reference}"}
    page = client.get(url, query).content.decode()
    assert f"A steward has read your report {world.report.reference}" in page
    assert 'value="reporter:' + world.report.reference + '"' in page
    assert reverse("cases:send_message", kwargs={"code": world.case.code_name}) in page


def test_only_letter_templates_are_added_to_the_admin() -> None:
    ours = [model for model in admin.site._registry if model._meta.app_label == "letters"]
    assert ours == [LetterTemplate]


def test_the_decision_letter_to_the_reported_person_states_the_decision() -> None:
    """Shipped rows from before get the new line; an admin's own wording is kept."""
    from django.apps import apps

    step = import_module("letters.migrations.0004_decision_letter_states_the_outcome")
    row = LetterTemplate.objects.get(kind=LetterKind.DECISION_REPORTED, language="en")
    assert "Decision: {decision_outcome}\n" in row.body
    LetterTemplate.objects.filter(pk=row.pk).update(body=row.body.replace(step.AFTER, step.BEFORE))
    step.forward(apps, None)
    step.forward(apps, None)
    assert LetterTemplate.objects.get(pk=row.pk).body == row.body
    LetterTemplate.objects.filter(pk=row.pk).update(body="Our own wording: {decision_behaviour}")
    step.forward(apps, None)
    assert LetterTemplate.objects.get(pk=row.pk).body == "Our own wording: {decision_behaviour}"


def _placeholders(letter: Any) -> set[str]:
    return set(PLACEHOLDER.findall(letter.subject)) | set(PLACEHOLDER.findall(letter.body))


def test_every_letter_ships_in_every_language_of_the_default_policy(settings: Any) -> None:
    """Issue #3: a template per language for every letter, with the same placeholders as the English one."""
    languages = load_policy_file(settings.STEWARD_POLICY_FILE).languages
    assert "en" in languages and "es" in languages
    for language in languages:
        for kind in LetterKind.values:
            letter = default_letter(kind, language)
            assert letter is not None and letter.subject and letter.body, (kind, language)
            assert not unknown_placeholders(letter.subject + letter.body), (kind, language)
            assert LetterTemplate.objects.filter(kind=kind, language=language).exists(), (kind, language)
    for kind in LetterKind.values:
        english, spanish = default_letter(kind, "en"), default_letter(kind, "es")
        assert english is not None and spanish is not None
        assert _placeholders(spanish) == _placeholders(english), kind


def test_the_spanish_letters_render_for_a_case(world: World) -> None:
    for kind in LetterKind.values:
        if kind == LetterKind.DECISION_REPORTED:
            letter = fill_letter(kind, "es", world.case, audience=Audience.REPORTED, party=world.reported)
        else:
            letter = fill_letter(kind, "es", world.case, audience=Audience.REPORTER, report=world.report)
        assert letter is not None and letter.language == "es", kind
        assert letter.body.startswith("Hola:"), kind
        assert not PLACEHOLDER.search(letter.subject + letter.body), kind
        if kind == LetterKind.DECISION_REPORTED:
            assert world.report.reference not in letter.subject + letter.body
            assert REPORTER_NAME not in letter.subject + letter.body
        else:
            assert world.report.reference in letter.subject + letter.body, kind


def test_the_spanish_rows_are_added_without_touching_edited_ones() -> None:
    from django.apps import apps

    step = import_module("letters.migrations.0005_spanish_letters_for_every_kind")
    LetterTemplate.objects.filter(kind=LetterKind.CLOSURE, language="es").update(subject="Cerrado", body="Nuestro texto {case_reference}")
    LetterTemplate.objects.filter(kind=LetterKind.NO_VIOLATION, language="es").delete()
    step.forward(apps, None)
    step.forward(apps, None)
    edited = LetterTemplate.objects.get(kind=LetterKind.CLOSURE, language="es")
    assert (edited.subject, edited.body) == ("Cerrado", "Nuestro texto {case_reference}")
    restored = LetterTemplate.objects.get(kind=LetterKind.NO_VIOLATION, language="es")
    shipped = default_letter(LetterKind.NO_VIOLATION, "es")
    assert shipped is not None and (restored.subject, restored.body) == (shipped.subject, shipped.body)

    step.backward(apps, None)
    spanish = set(LetterTemplate.objects.filter(language="es").values_list("kind", flat=True))
    assert spanish == {LetterKind.RECEIPT, LetterKind.ACKNOWLEDGEMENT, LetterKind.CLOSURE}  # the edited one stays
    assert LetterTemplate.objects.filter(language="en").count() == len(LetterKind.values)
