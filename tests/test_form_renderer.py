"""steward.form_renderer draws Django's form templates in Python: its HTML must be Django's, byte for byte.

Every field kind the renderer draws is rendered both ways, empty and bound with errors, with the attributes that
change the output (required, disabled, help text, a safe value, choices in groups); then whole pages full of
forms are fetched with Django's renderer and with this one and compared.
"""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.urls import reverse
from django.utils.safestring import mark_safe

from steward.form_renderer import FastFormRenderer

DJANGO = "django.forms.renderers.DjangoTemplates"
FAST = "steward.form_renderer.FastFormRenderer"


class OwnOptions(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"  # not the plain option: Django's renderer draws it


class EveryKind(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"

    name = forms.CharField(help_text="Your <em>public</em> name", max_length=20)
    email = forms.EmailField(required=False, label="E-mail?")
    site = forms.URLField(required=False)
    count = forms.IntegerField(min_value=0, initial=3)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, initial='a"b<c>')
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False)
    agree = forms.BooleanField(label="I agree", required=False)
    locked = forms.CharField(disabled=True, initial="fixed & final", required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": mark_safe("a&amp;b")}), initial="line <1>\nline 2")
    kind = forms.ChoiceField(choices=[("", "—"), ("a", "Apples & pears"), ("b", mark_safe("<b>Bold</b>"))])
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("Other", [("rock", "Rock")]), ("loose", "Loose")],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two")], required=False)
    pick = forms.ChoiceField(widget=forms.RadioSelect, choices=[("x", "X"), ("y", "Y")], required=False)  # Django's own
    ticks = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=[("a", "A"), ("b", "B")], required=False)
    custom = forms.ChoiceField(widget=OwnOptions, choices=[("a", "A")], required=False)  # a select Django must draw
    upload = forms.FileField(required=False)  # Django's own


def _both(render):
    return render(DjangoTemplates()), render(FastFormRenderer())


@pytest.mark.parametrize("data", [None, {"name": "x" * 30, "email": "not an address", "count": "-1", "body": "", "kind": "zz"}])
def test_every_field_kind_renders_as_djangos_templates_do(data):
    for name in EveryKind.base_fields:

        def group(renderer, name=name):
            return str(EveryKind(data, renderer=renderer)[name].as_field_group())

        djangos, ours = _both(group)
        assert ours == djangos, name
    djangos, ours = _both(
        lambda renderer: str(EveryKind(data, renderer=renderer).non_field_errors()) + str(EveryKind(data, renderer=renderer))
    )
    assert ours == djangos


def test_the_forms_of_the_site_are_drawn_in_python(monkeypatch):
    """The comparisons above would pass just as well if nothing were drawn in Python: this checks that the site's
    renderer (FORM_RENDERER) is this one, and that it leaves to Django's templates only what it does not draw."""
    drawn_by_django = []
    djangos_render = DjangoTemplates.render

    def recording(self, template_name, context, request=None):
        drawn_by_django.append(template_name)
        return djangos_render(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", recording)
    form = EveryKind({"name": "x" * 30, "kind": "zz"})
    assert isinstance(form.renderer or get_default_renderer(), FastFormRenderer)
    for field in form:
        field.as_field_group()
    # Only the radio list, the checkbox list, the file input, and the one select whose options have their own
    # template (handed back to Django); every other field, label, error list and widget is drawn in Python.
    widgets = "django/forms/widgets/"
    assert sorted(drawn_by_django) == [
        widgets + name for name in ("checkbox_select.html", "clearable_file_input.html", "radio.html", "select.html")
    ]


def _without_tokens(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


@pytest.mark.django_db
def test_pages_full_of_forms_are_the_same_with_either_renderer(settings, client, stewards, login):
    from intake.tests.conftest import submit

    submit(client, body="Something happened in the review thread.")
    from cases.actions import do_declare_conflict
    from cases.models import Case

    case = Case.objects.get()
    do_declare_conflict(stewards["alice"], case, "none")
    pages = [
        ("get", reverse("intake:report"), {}),
        ("post", reverse("intake:report"), {"body": "", "reporter_email": "not an address"}),
        ("get", reverse("cases:detail", kwargs={"code": case.code_name}), {}),
        ("get", reverse("cases:queue"), {}),
    ]
    login(stewards["alice"])
    for method, url, data in pages:
        settings.FORM_RENDERER = DJANGO
        djangos = getattr(client, method)(url, data)
        settings.FORM_RENDERER = FAST
        ours = getattr(client, method)(url, data)
        assert ours.status_code == djangos.status_code
        assert _without_tokens(ours.content) == _without_tokens(djangos.content), url
