"""A form renderer that draws Django's own field, label, error-list and widget templates in Python.

Django renders every form field through a handful of small templates (the field group, its label, its error
list, its widget and the widget's attributes). The case page has some thirty fields, and those templates were a
quarter of its time. This renderer gives the very same HTML, byte for byte, from plain Python for the templates
below, and hands any other template (a radio list, a file input, a widget of a third-party app) to Django's.
tests/test_form_renderer.py renders every field kind and whole pages both ways and compares them, so a Django
upgrade that changes one of these templates fails there rather than drifting.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import mark_safe

# How `{{ value }}` shows a value in Django's form templates: autoescaped, localised as by default.
_AS_IN_TEMPLATES = Context()
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
INPUT_WIDGETS = [
    "text",
    "email",
    "url",
    "number",
    "password",
    "hidden",
    "date",
    "datetime",
    "time",
    "search",
    "tel",
    "color",
    "checkbox",
]


class _Unhandled(Exception):
    """This instance of a template needs Django's own rendering (e.g. a select with a custom option template)."""


def _show(value: Any) -> str:
    """`{{ value }}`"""
    return render_value_in_context(value, _AS_IN_TEMPLATES)


def _show_as_string(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` (the filter keeps a safe value safe; any other is escaped)."""
    return _show(stringformat(value, "s"))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html, its twin for labels)."""
    shown = []
    for name, value in attrs.items():
        if value is False:
            continue
        shown.append(f" {_show(name)}" if value is True else f' {_show(name)}="{_show_as_string(value)}"')
    return "".join(shown)


def _input(widget: Mapping[str, Any]) -> str:
    value = f' value="{_show_as_string(widget["value"])}"' if widget["value"] != None else ""  # noqa: E711 -- as the template compares
    return f'<input type="{_show(widget["type"])}" name="{_show(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def _input_widget(context: Mapping[str, Any]) -> str:
    return _input(context["widget"]) + "\n"


def _textarea(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    text = _show(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_show(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>\n'


def _select(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    parts = [f'<select name="{_show(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_show(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                raise _Unhandled
            label = _show(option["label"])
            parts.append(f'\n  <option value="{_show_as_string(option["value"])}"{_attrs(option["attrs"])}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _label(context: Mapping[str, Any]) -> str:
    if not context["use_tag"]:
        return f"{_show(context['label'])}\n"
    tag = _show(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{_show(context['label'])}</{tag}>\n"


def _errors(context: Mapping[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = f' id="{_show(errors.field_id)}_error"' if errors.field_id else ""
    items = "".join(f"<li>{_show(error)}</li>" for error in errors)
    return f'<ul class="{_show(context["error_class"])}"{field_id}>{items}</ul>'


def _field(context: Mapping[str, Any]) -> str:
    field = context["field"]
    if field.use_fieldset:
        described = f' aria-describedby="{_show(field.aria_describedby)}"' if field.aria_describedby else ""
        legend = _show(field.legend_tag()) if field.label else ""
        opening = f"\n  <fieldset{described}>\n  {legend}\n"
    else:
        opening = f"\n  {_show(field.label_tag()) if field.label else ''}\n"
    help_text = ""
    if field.help_text:
        help_id = f' id="{_show(field.auto_id)}_helptext"' if field.auto_id else ""
        # `{{ field.help_text|safe }}`: help texts are the forms' own words, which may hold markup.
        shown = _show(mark_safe(str(field.help_text)))  # noqa: S308
        help_text = f'<div class="helptext"{help_id}>{shown}</div>'
    closing = "</fieldset>" if field.use_fieldset else ""
    return f"{opening}\n{help_text}\n{_show(field.errors)}\n{_show(field)}{closing}\n"


PYTHON_TEMPLATES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "django/forms/field.html": _field,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    **{f"django/forms/widgets/{name}.html": _input_widget for name in INPUT_WIDGETS},
}


class FastFormRenderer(DjangoTemplates):
    """Django's default form renderer, with its most used templates drawn in Python (same output)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        draw = PYTHON_TEMPLATES.get(template_name)
        if draw is not None:
            try:
                return draw(context).strip()  # as BaseRenderer.render strips every template's output
            except _Unhandled:
                pass
        return super().render(template_name, context, request)
