"""Migration screening 0008: the harassment flags raised before `Flag.pattern` are marked by where they came from.

Before it, a flag did not say whether the sustained-targeting count or the single-text head raised it; the pattern's
reasons always read "<n> flagged messages from this author ...", and they are encrypted at rest.
"""

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError

from screening.models import Flag
from steward.tests.upgrade import latest_targets, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("screening", "0007_category_cut")]
PATTERN = "4 flagged messages from this author to the same person within 14 days"
TEXT = "threats or sexual harassment aimed at a person (in cross-validation, 63% of such flags were right)"


@pytest.fixture
def before() -> Any:
    """The historical models at screening 0007; back to today's schema however the test ends."""
    call_command("flush", interactive=False, verbosity=0)
    try:
        yield migrate_to(BEFORE)
    finally:
        migrate_to(latest_targets())


def test_existing_harassment_flags_are_marked_pattern_or_text_from_their_reasons(before: Any) -> None:
    connection_model = before.get_model("spaces", "SpaceConnection")
    item_model = before.get_model("screening", "Item")
    flag_model = before.get_model("screening", "Flag")
    space = connection_model.objects.create(slug="gh", platform="github", title="GitHub", settings={})
    made = {}
    for name, category, why in [
        ("pattern", "harassment", PATTERN),
        ("text", "harassment", TEXT),
        ("no reason", "harassment", ""),
        ("insult", "trolling-insults", "hostile wording toward a person"),
    ]:
        item = item_model.objects.create(connection=space, external_id=name, kind="issue_comment", text=f"text of {name}")
        made[name] = flag_model.objects.create(item=item, category=category, score=0.5, threshold=0.5, why=why, priority=1.0).pk
    with connection.cursor() as cursor:  # the reasons are stored encrypted: no SQL match could find the pattern's
        cursor.execute("SELECT why FROM screening_flag WHERE id = %s", [made["pattern"]])
        assert "flagged messages" not in cursor.fetchone()[0]

    migrate_to(latest_targets())
    marked = dict(Flag.objects.values_list("pk", "pattern"))
    assert marked == {made["pattern"]: True, made["text"]: False, made["no reason"]: False, made["insult"]: False}
    assert Flag.objects.get(pk=made["pattern"]).why == PATTERN  # the reasons themselves are left as they were

    # Back to one flag per (item, category) only while no item carries both: it would have to drop one of them.
    both = Flag.objects.get(pk=made["text"])
    Flag.objects.create(item_id=both.item_id, category="harassment", pattern=True, score=0.5, threshold=0.5, why=PATTERN, priority=1.0)
    with pytest.raises(IrreversibleError):
        migrate_to(BEFORE)
    assert Flag.objects.filter(item_id=both.item_id).count() == 2
