"""Ship the default letters (letters/defaults/<lang>/<kind>.txt) as rows the admins can edit."""

from pathlib import Path
from typing import Any

from django.db import migrations

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"


def load_defaults(apps: Any, schema_editor: Any) -> None:
    template_model = apps.get_model("letters", "LetterTemplate")
    for path in sorted(DEFAULTS.glob("*/*.txt")):
        head, _blank, body = path.read_text(encoding="utf-8").partition("\n\n")
        template_model.objects.get_or_create(
            kind=path.stem,
            language=path.parent.name,
            defaults={"subject": head.removeprefix("Subject:").strip(), "body": body.strip() + "\n"},
        )


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
