"""The English decision letter to the reported person now states the decision ({decision_outcome}).

Rows still holding the text 0002 shipped get the new line; a letter an admin has edited is left alone.
"""

from typing import Any

from django.db import migrations

BEFORE = "The community stewards have reached a decision about your conduct.\n\nWhat happened:"
AFTER = "The community stewards have reached a decision about your conduct.\n\nDecision: {decision_outcome}\nWhat happened:"


def _replace(apps: Any, old: str, new: str) -> None:
    template_model = apps.get_model("letters", "LetterTemplate")
    for row in template_model.objects.filter(kind="decision-reported", language="en"):
        if old in row.body and new not in row.body:
            row.body = row.body.replace(old, new)
            row.save(update_fields=["body"])


def forward(apps: Any, schema_editor: Any) -> None:
    _replace(apps, BEFORE, AFTER)


def backward(apps: Any, schema_editor: Any) -> None:
    _replace(apps, AFTER, BEFORE)


class Migration(migrations.Migration):
    dependencies = [("letters", "0003_outbox_lease_and_message_id")]

    operations = [migrations.RunPython(forward, backward)]
