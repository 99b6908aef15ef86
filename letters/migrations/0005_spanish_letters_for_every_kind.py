"""Spanish letters for every kind (issue #3): add the shipped rows that are missing, with 0002's loader.

The loader only creates (kind, language) rows that do not exist, so a letter an admin has edited is left
alone. Going back removes only the Spanish rows this step added that still hold the shipped text.
"""

from importlib import import_module
from typing import Any

from django.db import migrations

ADDED = ("closure", "decision-reported", "decision-reporter", "no-violation", "request-for-information", "status-update-new-date")
LANGUAGE = "es"

_initial = import_module("letters.migrations.0002_default_templates")


def _shipped(kind: str) -> tuple[str, str] | None:
    path = _initial.DEFAULTS / LANGUAGE / f"{kind}.txt"
    if not path.is_file():
        return None
    head, _blank, body = path.read_text(encoding="utf-8").partition("\n\n")
    return head.removeprefix("Subject:").strip(), body.strip() + "\n"


def forward(apps: Any, schema_editor: Any) -> None:
    _initial.load_defaults(apps, schema_editor)


def backward(apps: Any, schema_editor: Any) -> None:
    template_model = apps.get_model("letters", "LetterTemplate")
    for kind in ADDED:
        shipped = _shipped(kind)
        if shipped is not None:
            subject, body = shipped
            template_model.objects.filter(kind=kind, language=LANGUAGE, subject=subject, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [("letters", "0004_decision_letter_states_the_outcome")]

    operations = [migrations.RunPython(forward, backward)]
