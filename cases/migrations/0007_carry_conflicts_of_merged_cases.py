"""Cases joined before merges carried conflict declarations left them behind on the joined case, so a
steward hard-conflicted on it could read its reports in the case it joined. Carry every hard and soft
declaration to the case at the end of the chain (the stricter one wins), and release a shepherd who is
no longer free of conflict there. "none" declarations are left as they are: this only ever tightens."""

from typing import Any

from django.db import migrations

RANK = {"hard": 2, "soft": 1, "none": 0}


def carry(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    ConflictDeclaration = apps.get_model("cases", "ConflictDeclaration")
    for source in Case.objects.filter(merged_into__isnull=False).order_by("pk"):
        root, seen = source, set()
        while root.merged_into_id is not None and root.pk not in seen:
            seen.add(root.pk)
            root = Case.objects.get(pk=root.merged_into_id)
        for declaration in ConflictDeclaration.objects.filter(case=source, level__in=["hard", "soft"]):
            existing = ConflictDeclaration.objects.filter(case=root, steward_id=declaration.steward_id).first()
            if existing is None:
                ConflictDeclaration.objects.create(case=root, steward_id=declaration.steward_id, level=declaration.level)
            elif RANK[declaration.level] > RANK[existing.level]:
                existing.level = declaration.level
                existing.save(update_fields=["level"])
        if root.shepherd_id is not None and ConflictDeclaration.objects.filter(
            case=root, steward_id=root.shepherd_id, level__in=["hard", "soft"]
        ).exists():
            Case.objects.filter(pk=root.pk).update(shepherd=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_party_agreed_to_be_named"),
    ]

    operations = [
        migrations.RunPython(carry, migrations.RunPython.noop),
    ]
