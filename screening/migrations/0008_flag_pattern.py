"""Flags record whether a head read the text or the sustained-targeting count raised them (`Flag.pattern`).

Both now share the category `harassment` (the single-text harassment head), and one item may carry both, so the
uniqueness takes the origin in. Existing harassment flags are marked from their reasons: the pattern's always read
"<n> flagged messages from this author to the same person within <d> days" (screening.pipeline.sustained_targeting).
The reasons are encrypted at rest, so they are read through the field, not matched in SQL.
"""

import re

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

PATTERN_REASON = re.compile(r"^\d+ flagged messages from this author\b")
CHUNK = 500


def mark_pattern_flags(apps, schema_editor):  # type: ignore[no-untyped-def]
    Flag = apps.get_model("screening", "Flag")
    found = [pk for pk, why in Flag.objects.filter(category="harassment").values_list("pk", "why").iterator() if PATTERN_REASON.match(why or "")]
    for start in range(0, len(found), CHUNK):
        Flag.objects.filter(pk__in=found[start : start + CHUNK]).update(pattern=True)


def refuse_when_both_stand(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back to one flag per (item, category): possible only while no item has both a text and a pattern flag."""
    Flag = apps.get_model("screening", "Flag")
    text = Flag.objects.filter(pattern=False, item_id=models.OuterRef("item_id"), category=models.OuterRef("category"))
    if Flag.objects.filter(pattern=True).filter(models.Exists(text)).exists():
        raise IrreversibleError(
            "Some items carry both a text and a pattern flag of one category; the earlier schema holds one: not reversed."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0007_category_cut"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="flag",
            name="screening_flag_once",
        ),
        migrations.AddField(
            model_name="flag",
            name="pattern",
            field=models.BooleanField(
                default=False, help_text="Raised by the sustained-targeting pattern across messages, not by reading this text alone."
            ),
        ),
        migrations.RunPython(mark_pattern_flags, refuse_when_both_stand),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.UniqueConstraint(fields=("item", "category", "pattern"), name="screening_flag_once"),
        ),
    ]
